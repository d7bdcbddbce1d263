package core

import "math"

// InstanceNormEps is PyTorch's InstanceNorm2d default epsilon.
const InstanceNormEps = 1e-5

// InstanceNorm normalises every channel plane of x [C,H,W] by its own mean and biased
// variance (no affine, no running statistics):
//
//	y = (x - μ) / sqrt(σ² + ε)
//	dx = (dy - mean(dy) - y * mean(dy ⊙ y)) / sqrt(σ² + ε)
//
// Sums accumulate in float64.
func InstanceNorm(t *Tape, x *Var) *Var {
	c, n := x.Shape[0], x.Shape[1]*x.Shape[2]
	y := Zeros(x.Shape...)
	invStd := make([]float32, c)
	parallelFor(c, n, func(ci int) {
		in, out := x.Data[ci*n:(ci+1)*n], y.Data[ci*n:(ci+1)*n]
		var s float64
		for _, v := range in {
			s += float64(v)
		}
		mean := s / float64(n)
		var ss float64
		for _, v := range in {
			d := float64(v) - mean
			ss += d * d
		}
		is := 1 / math.Sqrt(ss/float64(n)+InstanceNormEps)
		invStd[ci] = float32(is)
		for i, v := range in {
			out[i] = float32((float64(v) - mean) * is)
		}
	})
	t.record(y, func() {
		if y.Grad == nil {
			return
		}
		dx := x.grad()
		parallelFor(c, n, func(ci int) {
			dy, yy, d := y.Grad[ci*n:(ci+1)*n], y.Data[ci*n:(ci+1)*n], dx[ci*n:(ci+1)*n]
			var sdy, sdyy float64
			for i, g := range dy {
				sdy += float64(g)
				sdyy += float64(g) * float64(yy[i])
			}
			mdy, mdyy := sdy/float64(n), sdyy/float64(n)
			is := float64(invStd[ci])
			for i, g := range dy {
				d[i] += float32((float64(g) - mdy - float64(yy[i])*mdyy) * is)
			}
		})
	}, x)
	return y
}
