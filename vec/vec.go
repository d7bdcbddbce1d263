// Package vec holds the elementwise loops of the core's memory-bound ops, as plain Go and,
// in builds with GOEXPERIMENT=simd on amd64 CPUs with AVX2, as 8-lane vector code. Both do
// the same IEEE operations on every element in the same order, without fused multiply-adds,
// so they give the same bits: the vector code changes only the speed.
package vec

import "math"

// kernels are the loop bodies in use: the plain-Go ones, replaced by vector ones where the
// build and the CPU have them (simd_amd64.go).
var kernels = struct {
	add          func(dst, src []float32)
	adam         func(m, v, p, g []float32, k AdamConsts)
	normAct      func(out, in []float32, mean, invStd float64, l Leak)
	normActGrad  func(dx, dy, in []float32, mean, invStd, mg, mgy float64, l Leak)
	tileBT       tilesKernel
	tileB        tilesKernel
	tileAT       func(y []float32, ys int, m []float32, ms, n int, bias float32)
	tileA        tilesKernel
	copyRows     func(dst, src []float32, n, rows, stride int)
	addRows      func(dst []float32, stride int, src []float32, n, rows int)
	expShifted   func(out, in []float32, shift float32)
	sum          func(v []float32) float64
	sumSquares   func(v []float32, mean float64) float64
	normGradSums func(dy, in []float32, mean, invStd float64, l Leak) (sg, sgy float64)
	addTaps      func(y []float32, ys, n, wo int, x []float32, offs []int, w []float32)
	dotTaps      func(acc, dy []float32, dys, rows, wo int, x []float32, xs int, offs []int)
}{addGo, adamGo, normActGo, normActGradGo, tileBTGo, tileBGo, tileATGo, tileAGo, copyRowsGo, addRowsGo, expShiftedGo,
	sumGo, sumSquaresGo, normGradSumsGo, addTapsGo, dotTapsGo}

// tilesKernel transforms a row of n Winograd tiles between rows and strided lanes
// (winograd.go).
type tilesKernel func(out []float32, os int, in []float32, is, n int)

// vectorised names the vector instruction set in use, or is "" for plain Go.
var vectorised string

// Vectorised names the vector instruction set the loops run on (avx2), or is "" where they
// run as plain Go.
func Vectorised() string { return vectorised }

// Add adds src into dst elementwise: dst[i] += src[i] for i < len(src).
func Add(dst, src []float32) { kernels.add(dst[:len(src)], src) }

func addGo(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// AdamConsts are one Adam step's constants: the betas B1, B2, their complements C1 = 1-B1
// and C2 = 1-B2, the step size lr/(1-B1ᵗ), √(1-B2ᵗ) and ε, all rounded to float32.
type AdamConsts struct{ B1, B2, C1, C2, Step, BC2Sqrt, Eps float32 }

// Adam takes one Adam step on parameters p with gradients g and moments m and v, in float32
// as PyTorch computes it:
//
//	m ← B1·m + C1·g,  v ← B2·v + (C2·g)·g,  p ← p - Step·(m / (√v / BC2Sqrt + Eps))
//
// with √ correctly rounded. The four slices have the same length.
func Adam(m, v, p, g []float32, k AdamConsts) {
	n := len(g)
	kernels.adam(m[:n], v[:n], p[:n], g, k)
}

func adamGo(m, v, p, g []float32, k AdamConsts) {
	for i, gi := range g {
		mi := m[i]*k.B1 + k.C1*gi
		vi := v[i]*k.B2 + k.C2*gi*gi
		m[i], v[i] = mi, vi
		denom := sqrt32(vi)/k.BC2Sqrt + k.Eps
		p[i] -= k.Step * (mi / denom)
	}
}

// sqrt32 is the correctly rounded float32 square root: float64 carries more than twice
// float32's precision, so rounding its square root to float32 rounds once, correctly.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
