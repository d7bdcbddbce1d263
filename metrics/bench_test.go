package metrics

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/internal/imagefile"
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
	img := &imagefile.RGB{W: 256, H: 256, Pix: make([]uint8, 3*256*256)}
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

// BenchmarkInceptionFeatures measures the per-image cost of FID: decoding a 256×256 PNG,
// the Inception features (random weights, same cost) and the running covariance update.
// The Fréchet distance itself is computed once per folder pair and is negligible.
func BenchmarkInceptionFeatures(b *testing.B) {
	dir := b.TempDir()
	writePNGs(b, dir, 1, 256, 256, 1)
	paths, err := imagefile.List(dir)
	if err != nil {
		b.Fatal(err)
	}
	net := randomInception(b)
	st := NewFeatureStats(2048)
	for b.Loop() {
		img, err := imagefile.ReadRGB(paths[0])
		if err != nil {
			b.Fatal(err)
		}
		f, err := net.Features(chw(img), img.H, img.W)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Add(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkFrechet2048 measures the Fréchet distance of two 2048-d statistics from 200
// feature vectors each (rank-deficient covariances, like a small test set).
func BenchmarkFrechet2048(b *testing.B) {
	const dim, n = 2048, 200
	r := rand.New(rand.NewPCG(3, 4))
	stats := [2]*FeatureStats{NewFeatureStats(dim), NewFeatureStats(dim)}
	x := make([]float64, dim)
	for _, st := range stats {
		for range n {
			for i := range x {
				x[i] = r.NormFloat64()
			}
			st.Add(x)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := FIDFromStats(stats[0], stats[1], "random"); err != nil {
			b.Fatal(err)
		}
	}
}
