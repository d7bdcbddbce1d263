package metrics

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/metrics/inception"
	"sweep/torchpt"
)

// BenchmarkSWDDirs measures SWD end to end (PNG decoding, pyramids, descriptors, 4×128
// sorted projections per level) on 256×256 images, in images per second over both sets.
func BenchmarkSWDDirs(b *testing.B) {
	const n = 16
	dir := b.TempDir()
	real, fake := filepath.Join(dir, "real"), filepath.Join(dir, "fake")
	writePNGs(b, real, n, 256, 256, 1)
	writePNGs(b, fake, n, 256, 256, 2)
	b.ResetTimer()
	for b.Loop() {
		if _, err := SWDDirs(real, fake, SWDOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkSWDDescriptors measures the per-image part alone: pyramid and descriptors.
func BenchmarkSWDDescriptors(b *testing.B) {
	img := &Image{W: 256, H: 256, Pix: make([]uint8, 3*256*256)}
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	acc := NewSWDAccumulator(SetReal, SWDOptions{Seed: 1})
	for b.Loop() {
		if err := acc.Add(img); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// randomInception is the Inception network with random weights: same cost as the real one.
func randomInception(b *testing.B) *inception.Net {
	r := rand.New(rand.NewPCG(1, 2))
	ts := map[string]torchpt.Tensor{}
	for name, shape := range inception.StateDictShapes() {
		t := torchpt.Tensor{Name: name, DType: "F32", Shape: shape}
		n := 1
		for _, d := range shape {
			n *= d
		}
		switch {
		case strings.HasSuffix(name, "num_batches_tracked"):
			t.DType, t.Int64 = "I64", []int64{0}
		case strings.HasSuffix(name, "running_var"), strings.HasSuffix(name, "bn.weight"):
			t.Float32 = slices.Repeat([]float32{1}, n)
		default:
			t.Float32 = make([]float32, n)
			for i := range t.Float32 {
				t.Float32[i] = float32(r.NormFloat64() * 0.05)
			}
		}
		ts[name] = t
	}
	net, err := inception.FromTensors(ts)
	if err != nil {
		b.Fatal(err)
	}
	return net
}

// BenchmarkFIDDirs measures FID end to end with the Inception network (random weights, same
// cost) on 256×256 PNGs, in images per second over both folders.
func BenchmarkFIDDirs(b *testing.B) {
	const n = 2
	dir := b.TempDir()
	real, fake := filepath.Join(dir, "real"), filepath.Join(dir, "fake")
	writePNGs(b, real, n, 256, 256, 1)
	writePNGs(b, fake, n, 256, 256, 2)
	opt := FIDOptions{Extractor: randomInception(b), ExtractorName: "random-inception"}
	b.ResetTimer()
	for b.Loop() {
		if _, err := FIDDirs(real, fake, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*n*b.N)/b.Elapsed().Seconds(), "images/s")
}
