package linalg

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// naive is C = alpha·op(A)·op(B) + beta·C in float64, the definition Gemm must meet.
func naive(transA, transB bool, m, n, k int, alpha float32, a, b []float32, beta float32, c []float32) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				ai, bi := a[i*k+p], b[p*n+j]
				if transA {
					ai = a[p*m+i]
				}
				if transB {
					bi = b[j*k+p]
				}
				s += float64(ai) * float64(bi)
			}
			out[i*n+j] = float64(alpha)*s + float64(beta)*float64(c[i*n+j])
		}
	}
	return out
}

func TestGemmMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, s := range [][3]int{{1, 1, 1}, {3, 5, 7}, {17, 300, 33}, {64, 257, 128}, {300, 17, 80}, {5, 1000, 3}} {
		m, n, k := s[0], s[1], s[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b, c := fill(m*k), fill(k*n), fill(m*n)
				want := naive(ta, tb, m, n, k, 0.5, a, b, 2, c)
				Gemm(ta, tb, m, n, k, 0.5, a, b, 2, c)
				for i, w := range want {
					if math.Abs(float64(c[i])-w) > 1e-4*(1+math.Abs(w)) {
						t.Fatalf("m%d n%d k%d ta=%v tb=%v: c[%d] = %g, want %g", m, n, k, ta, tb, i, c[i], w)
					}
				}
			}
		}
	}
}

// TestGemmIndependentOfThreads covers products split by columns and by rows.
func TestGemmIndependentOfThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, s := range [][3]int{{64, 1000, 300}, {1000, 64, 300}} {
		m, n, k := s[0], s[1], s[2]
		a, b := make([]float32, m*k), make([]float32, k*n)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
		}
		for i := range b {
			b[i] = float32(rng.NormFloat64())
		}
		run := func(procs int) []float32 {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			c := make([]float32, m*n)
			Gemm(false, false, m, n, k, 1, a, b, 0, c)
			return c
		}
		if !slices.Equal(run(1), run(2)) {
			t.Errorf("%dx%dx%d: Gemm results differ between 1 and 2 threads", m, n, k)
		}
	}
}
