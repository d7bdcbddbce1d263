package metrics

import (
	"path/filepath"
	"testing"
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
