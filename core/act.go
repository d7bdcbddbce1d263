package core

import "math"

// ReLU is max(x, 0); its gradient passes where the output is positive.
func ReLU(t *Tape, x *Var) *Var { return LeakyReLU(t, x, 0) }

// LeakyReLU is x for x > 0 and slope*x otherwise.
func LeakyReLU(t *Tape, x *Var, slope float32) *Var {
	y := t.empty(x.Shape...)
	leak := newLeak(slope)
	chunks(len(x.Data), func(lo, hi int) {
		for i, v := range x.Data[lo:hi] {
			y.Data[lo+i] = v * leak.factor(v)
		}
	})
	t.recordUsing(y, []*Var{x}, func() {
		if y.Grad == nil {
			return
		}
		dx := x.grad()
		chunks(len(dx), func(lo, hi int) {
			for i, g := range y.Grad[lo:hi] {
				dx[lo+i] += leak.factor(x.Data[lo+i]) * g
			}
		})
	}, x)
	return y
}

// leak is the slope of LeakyReLU (0 for ReLU) and 1, as float32 bit patterns.
type leak struct{ one, slope uint32 }

func newLeak(slope float32) leak { return leak{math.Float32bits(1), math.Float32bits(slope)} }

// factor is 1 for v > 0 and the slope otherwise (-0 and +0 included), computed without a
// branch: the sign of an activation is unpredictable, and a mispredicted branch costs more
// than the element's arithmetic.
func (l leak) factor(v float32) float32 {
	b := int32(math.Float32bits(v))
	mask := uint32((b | (b - 1)) >> 31) // all ones when b <= 0 as an integer, i.e. v <= 0
	return math.Float32frombits(l.one&^mask | l.slope&mask)
}

// Tanh is tanh(x); d tanh = 1 - y².
func Tanh(t *Tape, x *Var) *Var {
	y := t.empty(x.Shape...)
	chunks(len(x.Data), func(lo, hi int) {
		for i, v := range x.Data[lo:hi] {
			y.Data[lo+i] = float32(math.Tanh(float64(v)))
		}
	})
	t.recordUsing(y, []*Var{y}, func() {
		if y.Grad == nil {
			return
		}
		dx := x.grad()
		for i, g := range y.Grad {
			dx[i] += g * (1 - y.Data[i]*y.Data[i])
		}
	}, x)
	return y
}

// Add is the elementwise sum of two Vars of equal shape.
func Add(t *Tape, a, b *Var) *Var {
	y := t.empty(a.Shape...)
	chunks(len(y.Data), func(lo, hi int) {
		for i, v := range a.Data[lo:hi] {
			y.Data[lo+i] = v + b.Data[lo+i]
		}
	})
	t.recordUsing(y, nil, func() {
		if y.Grad == nil {
			return
		}
		for _, in := range []*Var{a, b} {
			if in.NeedsGrad {
				dx := in.grad()
				chunks(len(dx), func(lo, hi int) { addTo(dx[lo:hi], y.Grad[lo:hi]) })
			}
		}
	}, a, b)
	return y
}

// addTo adds src into dst elementwise.
func addTo(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}
