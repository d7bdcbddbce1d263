package linalg

import (
	"fmt"
	"testing"
)

// BenchmarkGemm times the products of the generator's convolutions at crop 64 and 256
// (forward: out channels x positions x in channels·taps; the weight gradient dy·colᵀ and
// the column gradient Wᵀ·dy), so kernel throughput is visible apart from an iteration.
func BenchmarkGemm(b *testing.B) {
	for _, s := range []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"block64", false, false, 256, 256, 2304},
		{"block64-dW", false, true, 256, 2304, 256},
		{"block64-dcol", true, false, 2304, 256, 256},
		{"block256", false, false, 256, 4096, 2304},
		{"stem64", false, false, 64, 4096, 147},
		{"out64", false, false, 3, 4096, 3136},
	} {
		a, bb, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(i%7) - 3
		}
		for i := range bb {
			bb[i] = float32(i%5) - 2
		}
		gflops := func(b *testing.B) {
			b.ReportMetric(float64(2*s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(fmt.Sprintf("%s-%dx%dx%d", s.name, s.m, s.n, s.k), func(b *testing.B) {
			for b.Loop() {
				Gemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, bb, 0, c)
			}
			gflops(b)
		})
		b.Run(fmt.Sprintf("%s-serial", s.name), func(b *testing.B) {
			lda, ldb := s.k, s.n
			if s.ta {
				lda = s.m
			}
			if s.tb {
				ldb = s.k
			}
			for b.Loop() {
				GemmSerial(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			gflops(b)
		})
	}
}
