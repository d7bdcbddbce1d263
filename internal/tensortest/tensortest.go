// Package tensortest holds what the numerical tests share: random tensors, a scalar loss
// whose gradient is known, relative errors, and the central-difference gradient check.
package tensortest

import (
	"math"
	"math/rand/v2"
	"testing"

	"sweep/tensor"
)

// RandVar is a Var of the given shape with N(0, scale²) entries drawn from rng.
func RandVar(rng *rand.Rand, scale float32, shape ...int) *tensor.Var {
	v := tensor.Zeros(shape...)
	for i := range v.Data {
		v.Data[i] = float32(rng.NormFloat64()) * scale
	}
	return v
}

// RandFixed is n N(0, 1) values that depend only on n.
func RandFixed(n int) []float32 {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// Projection is the scalar Σ c ⊙ y, whose gradient with respect to y is c.
func Projection(t *tensor.Tape, y *tensor.Var, c []float32) *tensor.Var {
	var s float32
	for i, v := range y.Data {
		s += v * c[i]
	}
	out := tensor.Scalar(s)
	t.Record(out, projectionBack{y.GradOnly(), c}, y)
	return out
}

// Project is Projection with the fixed coefficients RandFixed(y.Len()).
func Project(t *tensor.Tape, y *tensor.Var) *tensor.Var { return Projection(t, y, RandFixed(y.Len())) }

type projectionBack struct {
	y tensor.GradOf
	c []float32
}

func (s projectionBack) Backward(dy []float32) {
	g := s.y.Buf()
	for i := range g {
		g[i] += dy[0] * s.c[i]
	}
}

// RelErr is ‖got - want‖ / ‖want‖ (absolute when want is zero).
func RelErr(got, want []float32) float64 {
	var d, n float64
	for i := range want {
		x := float64(got[i]) - float64(want[i])
		d += x * x
		n += float64(want[i]) * float64(want[i])
	}
	if n == 0 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / n)
}

// FDCheck compares the tape gradient of the scalar f with respect to param with central
// differences of step h at sampled elements. The error is ‖fd - g‖/‖fd‖ over the samples,
// which float32 rounding and ReLU kinks perturb far less than any single element; it fails
// above tol and returns the error.
func FDCheck(t *testing.T, name string, param *tensor.Var, f func(t *tensor.Tape) *tensor.Var, h float32, samples int, tol float64, rng *rand.Rand) float64 {
	t.Helper()
	param.NeedsGrad = true
	param.Grad = nil
	tp := &tensor.Tape{}
	tp.Backward(f(tp))
	g := append([]float32{}, param.Grad...)
	var diff, ref float64
	for range samples {
		i := rng.IntN(param.Len())
		old := param.Data[i]
		param.Data[i] = old + h
		up := float64(f(nil).Data[0])
		param.Data[i] = old - h
		down := float64(f(nil).Data[0])
		param.Data[i] = old
		fd := (up - down) / (2 * float64(h))
		diff += (fd - float64(g[i])) * (fd - float64(g[i]))
		ref += fd * fd
	}
	e := math.Sqrt(diff / ref)
	if e > tol {
		t.Errorf("%s: finite-difference mismatch %.3g (tolerance %.g)", name, e, tol)
	}
	t.Logf("%s: FD relative error %.2g", name, e)
	return e
}
