package linalg

import (
	"fmt"
	"testing"
)

// BenchmarkGemm times the products of the generator's convolutions (out channels x
// positions x in channels·taps) at crop 64 and 256, so kernel throughput is visible apart
// from the rest of an iteration.
func BenchmarkGemm(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{
		{256, 256, 2304},  // residual block at crop 64: 16x16 positions
		{256, 512, 2304},  // the same on a batch of two
		{256, 4096, 2304}, // residual block at crop 256: 64x64 positions
		{64, 4096, 147},   // 7x7 stem at crop 64
		{128, 1024, 576},  // first downsampling at crop 64
	} {
		a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range bb {
			bb[i] = float32(i%5) - 2
		}
		b.Run(fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k), func(b *testing.B) {
			for b.Loop() {
				Gemm(false, false, s.m, s.n, s.k, 1, a, bb, 0, c)
			}
			b.ReportMetric(float64(2*s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("serial-%dx%dx%d", s.m, s.n, s.k), func(b *testing.B) {
			for b.Loop() {
				GemmSerial(false, false, s.m, s.n, s.k, 1, a, s.k, bb, s.n, 0, c, s.n)
			}
			b.ReportMetric(float64(2*s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
