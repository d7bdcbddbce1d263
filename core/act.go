package core

import "math"

// ReLU is max(x, 0); its gradient passes where the output is positive.
func ReLU(t *Tape, x *Var) *Var { return LeakyReLU(t, x, 0) }

// LeakyReLU is x for x > 0 and slope*x otherwise.
func LeakyReLU(t *Tape, x *Var, slope float32) *Var {
	y := Zeros(x.Shape...)
	chunks(len(x.Data), func(lo, hi int) {
		for i, v := range x.Data[lo:hi] {
			if v > 0 {
				y.Data[lo+i] = v
			} else {
				y.Data[lo+i] = slope * v
			}
		}
	})
	t.record(y, func() {
		if y.Grad == nil {
			return
		}
		dx := x.grad()
		chunks(len(dx), func(lo, hi int) {
			for i, g := range y.Grad[lo:hi] {
				if x.Data[lo+i] > 0 {
					dx[lo+i] += g
				} else {
					dx[lo+i] += slope * g
				}
			}
		})
	}, x)
	return y
}

// Tanh is tanh(x); d tanh = 1 - y².
func Tanh(t *Tape, x *Var) *Var {
	y := Zeros(x.Shape...)
	for i, v := range x.Data {
		y.Data[i] = float32(math.Tanh(float64(v)))
	}
	t.record(y, func() {
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
	y := Zeros(a.Shape...)
	for i := range y.Data {
		y.Data[i] = a.Data[i] + b.Data[i]
	}
	t.record(y, func() {
		if y.Grad == nil {
			return
		}
		for _, in := range []*Var{a, b} {
			if in.NeedsGrad {
				addTo(in.grad(), y.Grad)
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
