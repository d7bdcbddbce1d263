// Package ops holds every differentiable operation of the training core. Each op is a
// forward function that computes its output on a tensor.Tape and records a saved-state value
// whose Backward method is the op's backward pass; the state's fields are all the backward
// pass can see, so what it reads (its *tensor.Var fields) is visible in its type.
package ops

import (
	"math"

	"sweep/tensor"
	"sweep/vec"
)

// ReLU is max(x, 0); its gradient passes where the output is positive.
func ReLU(t *tensor.Tape, x *tensor.Var) *tensor.Var { return LeakyReLU(t, x, 0) }

// LeakyReLU is x for x > 0 and slope*x otherwise.
func LeakyReLU(t *tensor.Tape, x *tensor.Var, slope float32) *tensor.Var {
	y := t.Empty(x.Shape...)
	leak := vec.NewLeak(slope)
	tensor.Chunks(len(x.Data), func(lo, hi int) {
		for i, v := range x.Data[lo:hi] {
			y.Data[lo+i] = v * leak.Factor(v)
		}
	})
	t.Record(y, leakyReLUBack{x, leak}, x)
	return y
}

// leakyReLUBack is dx += dy ⊙ (x > 0 ? 1 : slope).
type leakyReLUBack struct {
	x    *tensor.Var
	leak vec.Leak
}

func (s leakyReLUBack) Backward(dy []float32) {
	dx, x := s.x.GradBuf(), s.x.Data
	tensor.Chunks(len(dx), func(lo, hi int) {
		for i, g := range dy[lo:hi] {
			dx[lo+i] += s.leak.Factor(x[lo+i]) * g
		}
	})
}

// Tanh is tanh(x); d tanh = 1 - y².
func Tanh(t *tensor.Tape, x *tensor.Var) *tensor.Var {
	y := t.Empty(x.Shape...)
	tensor.Chunks(len(x.Data), func(lo, hi int) {
		for i, v := range x.Data[lo:hi] {
			y.Data[lo+i] = float32(math.Tanh(float64(v)))
		}
	})
	t.Record(y, tanhBack{x.GradOnly(), y}, x)
	return y
}

// tanhBack is dx += dy ⊙ (1 - y²), from the output y.
type tanhBack struct {
	x tensor.GradOf
	y *tensor.Var
}

func (s tanhBack) Backward(dy []float32) {
	dx, y := s.x.Buf(), s.y.Data
	for i, g := range dy {
		dx[i] += g * (1 - y[i]*y[i])
	}
}

// Add is the elementwise sum of two Vars of equal shape.
func Add(t *tensor.Tape, a, b *tensor.Var) *tensor.Var {
	y := t.Empty(a.Shape...)
	tensor.Chunks(len(y.Data), func(lo, hi int) {
		for i, v := range a.Data[lo:hi] {
			y.Data[lo+i] = v + b.Data[lo+i]
		}
	})
	t.Record(y, addBack{a.GradOnly(), b.GradOnly()}, a, b)
	return y
}

// addBack is da += dy, db += dy.
type addBack struct{ a, b tensor.GradOf }

func (s addBack) Backward(dy []float32) {
	for _, in := range []tensor.GradOf{s.a, s.b} {
		if in.Wanted() {
			dx := in.Buf()
			tensor.Chunks(len(dx), func(lo, hi int) { vec.Add(dx[lo:hi], dy[lo:hi]) })
		}
	}
}
