package core

import (
	"math"

	"sweep/core/linalg"
)

// Linear maps the rows of x [N,I] through W [O,I] and b [O]: y = x Wᵀ + b.
// Backward: dx = dy W, dW += dyᵀ x, db += colsum(dy).
func Linear(t *Tape, x, w, b *Var) *Var {
	n, in := x.Shape[0], x.Shape[1]
	o := w.Shape[0]
	y := t.zeros(n, o)
	for r := 0; r < n; r++ {
		copy(y.Data[r*o:(r+1)*o], b.Data)
	}
	linalg.Gemm(false, true, n, o, in, 1, x.Data, w.Data, 1, y.Data)
	t.record(y, func() {
		dy := y.Grad
		if dy == nil {
			return
		}
		if x.NeedsGrad {
			linalg.Gemm(false, false, n, in, o, 1, dy, w.Data, 1, x.grad())
		}
		if w.NeedsGrad {
			linalg.Gemm(true, false, o, in, n, 1, dy, x.Data, 1, w.grad())
		}
		if b.NeedsGrad {
			db := b.grad()
			for r := 0; r < n; r++ {
				addTo(db, dy[r*o:(r+1)*o])
			}
		}
	}, x, w, b)
	return y
}

// L2NormEps is the epsilon of netF's row normalisation.
const L2NormEps = 1e-7

// L2NormalizeRows divides each row of x [N,D] by its Euclidean norm plus eps:
//
//	y = x / (‖x‖ + ε),   dx = (dy - x (x·dy) / (‖x‖ (‖x‖ + ε))) / (‖x‖ + ε)
func L2NormalizeRows(t *Tape, x *Var) *Var {
	n, d := x.Shape[0], x.Shape[1]
	y := t.empty(n, d)
	norms := make([]float64, n)
	parallelFor(n, 2*d, func(r int) {
		row := x.Data[r*d : (r+1)*d]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		norms[r] = math.Sqrt(ss)
		den := norms[r] + L2NormEps
		for i, v := range row {
			y.Data[r*d+i] = float32(float64(v) / den)
		}
	})
	t.record(y, func() {
		if y.Grad == nil {
			return
		}
		dx := x.grad()
		parallelFor(n, 3*d, func(r int) {
			row, dy := x.Data[r*d:(r+1)*d], y.Grad[r*d:(r+1)*d]
			var dot float64
			for i, v := range row {
				dot += float64(v) * float64(dy[i])
			}
			nrm, den := norms[r], norms[r]+L2NormEps
			coef := 0.0
			if nrm > 0 {
				coef = dot / (nrm * den)
			}
			for i, v := range row {
				dx[r*d+i] += float32((float64(dy[i]) - float64(v)*coef) / den)
			}
		})
	}, x)
	return y
}

// MSEToConst is mean((x - target)²), the LSGAN loss against a constant label.
func MSEToConst(t *Tape, x *Var, target float32) *Var {
	var s float64
	for _, v := range x.Data {
		d := float64(v - target)
		s += d * d
	}
	n := float64(len(x.Data))
	y := NewVar([]float32{float32(s / n)})
	t.record(y, func() {
		if y.Grad == nil {
			return
		}
		g := y.Grad[0] * float32(2/n)
		dx := x.grad()
		for i, v := range x.Data {
			dx[i] += g * (v - target)
		}
	}, x)
	return y
}

// WeightedSum is Σ w_i · x_i over scalar Vars.
func WeightedSum(t *Tape, ws []float32, xs ...*Var) *Var {
	var s float32
	for i, x := range xs {
		s += ws[i] * x.Data[0]
	}
	y := NewVar([]float32{s})
	t.record(y, func() {
		if y.Grad == nil {
			return
		}
		for i, x := range xs {
			if x.NeedsGrad {
				x.grad()[0] += ws[i] * y.Grad[0]
			}
		}
	}, xs...)
	return y
}
