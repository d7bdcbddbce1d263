package inception

import (
	"math"
	"strings"

	"sweep/torchpt"
)

// The test weights and images are filled by a hash of their names, the same one as
// testdata/gen_reference.py, so that PyTorch's outputs for them can be checked in
// without the 95 MB of weights.

func fnv1a(s string) uint32 {
	h := uint32(0x811C9DC5)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 0x01000193
	}
	return h
}

// hashRaw returns the murmur3-finalised hash of i·golden + fnv1a(name).
func hashRaw(name string, n int) []uint32 {
	seed := fnv1a(name)
	out := make([]uint32, n)
	for i := range out {
		x := uint32(i)*0x9E3779B1 + seed
		x ^= x >> 16
		x *= 0x85EBCA6B
		x ^= x >> 13
		x *= 0xC2B2AE35
		x ^= x >> 16
		out[i] = x
	}
	return out
}

// hashedValues are the values gen_reference.py gives the state_dict entry name.
func hashedValues(name string, shape []int) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	scale, offset := hashedScale(name, shape)
	out := make([]float32, n)
	for i, x := range hashRaw(name, n) {
		u := float32(int(x%2001) - 1000)
		out[i] = float32(u*scale) + offset
	}
	return out
}

func hashedScale(name string, shape []int) (scale, offset float32) {
	switch {
	case strings.HasSuffix(name, "conv.weight"):
		fan := shape[1] * shape[2] * shape[3]
		return float32(math.Sqrt(2.0/float64(fan)) * math.Sqrt(3.0) / 1000.0), 0
	case name == "fc.weight":
		return float32(math.Sqrt(1.0/2048) * math.Sqrt(3.0) / 1000.0), 0
	case name == "fc.bias":
		return 1.0 / (1 << 16), 0
	case strings.HasSuffix(name, "bn.weight"):
		return 1.0 / (1 << 12), 1
	case strings.HasSuffix(name, "bn.running_var"):
		return 1.0 / (1 << 11), 1
	}
	return 1.0 / (1 << 12), 0 // bn.bias, bn.running_mean
}

// hashedStateDict is the full synthetic state_dict, num_batches_tracked included.
func hashedStateDict() map[string]torchpt.Tensor {
	ts := map[string]torchpt.Tensor{}
	for name, shape := range StateDictShapes() {
		t := torchpt.Tensor{Name: name, DType: "F32", Shape: shape}
		if strings.HasSuffix(name, "num_batches_tracked") {
			t.DType, t.Int64 = "I64", []int64{0}
		} else {
			t.Float32 = hashedValues(name, shape)
		}
		ts[name] = t
	}
	return ts
}

// hashedImage is gen_reference.py's image k: values (hash mod 1001)/1000.
func hashedImage(k, c, h, w int) []float32 {
	out := make([]float32, c*h*w)
	for i, x := range hashRaw("image"+string(rune('0'+k)), len(out)) {
		out[i] = float32(x%1001) / 1000
	}
	return out
}
