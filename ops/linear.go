package ops

import (
	"math"

	"sweep/linalg"
	"sweep/tensor"
	"sweep/vec"
)

// Linear maps the rows of x [N,I] through W [O,I] and b [O]: y = x Wᵀ + b.
// Backward: dx = dy W, dW += dyᵀ x, db += colsum(dy).
func Linear(t *tensor.Tape, x, w, b *tensor.Var) *tensor.Var {
	n, in := x.Shape[0], x.Shape[1]
	o := w.Shape[0]
	y := t.Zeros(n, o)
	for r := 0; r < n; r++ {
		copy(y.Data[r*o:(r+1)*o], b.Data)
	}
	linalg.Gemm(false, true, n, o, in, 1, x.Data, w.Data, 1, y.Data)
	t.Record(y, linearBack{x, w, b.GradOnly()}, x, w, b)
	return y
}

// linearBack is dx += dy W, dW += dyᵀ x, db += colsum(dy).
type linearBack struct {
	x, w *tensor.Var
	b    tensor.GradOf
}

func (s linearBack) Backward(dy []float32) {
	x, w := s.x, s.w
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	if x.NeedsGrad {
		linalg.Gemm(false, false, n, in, o, 1, dy, w.Data, 1, x.GradBuf())
	}
	if w.NeedsGrad {
		linalg.Gemm(true, false, o, in, n, 1, dy, x.Data, 1, w.GradBuf())
	}
	if s.b.Wanted() {
		db := s.b.Buf()
		for r := 0; r < n; r++ {
			vec.Add(db, dy[r*o:(r+1)*o])
		}
	}
}

// L2NormEps is the epsilon of netF's row normalisation.
const L2NormEps = 1e-7

// L2NormalizeRows divides each row of x [N,D] by its Euclidean norm plus eps:
//
//	y = x / (‖x‖ + ε),   dx = (dy - x (x·dy) / (‖x‖ (‖x‖ + ε))) / (‖x‖ + ε)
func L2NormalizeRows(t *tensor.Tape, x *tensor.Var) *tensor.Var {
	n, d := x.Shape[0], x.Shape[1]
	y := t.Empty(n, d)
	norms := make([]float64, n)
	tensor.ParallelFor(n, 2*d, func(r int) {
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
	t.Record(y, l2NormalizeBack{x, norms}, x)
	return y
}

// l2NormalizeBack is dx += (dy - x (x·dy) / (‖x‖ (‖x‖ + ε))) / (‖x‖ + ε) per row.
type l2NormalizeBack struct {
	x     *tensor.Var
	norms []float64
}

func (s l2NormalizeBack) Backward(dyAll []float32) {
	n, d := s.x.Shape[0], s.x.Shape[1]
	dx := s.x.GradBuf()
	tensor.ParallelFor(n, 3*d, func(r int) {
		row, dy := s.x.Data[r*d:(r+1)*d], dyAll[r*d:(r+1)*d]
		var dot float64
		for i, v := range row {
			dot += float64(v) * float64(dy[i])
		}
		nrm, den := s.norms[r], s.norms[r]+L2NormEps
		coef := 0.0
		if nrm > 0 {
			coef = dot / (nrm * den)
		}
		for i, v := range row {
			dx[r*d+i] += float32((float64(dy[i]) - float64(v)*coef) / den)
		}
	})
}

// MSEToConst is mean((x - target)²), the LSGAN loss against a constant label.
func MSEToConst(t *tensor.Tape, x *tensor.Var, target float32) *tensor.Var {
	var s float64
	for _, v := range x.Data {
		d := float64(v - target)
		s += d * d
	}
	n := float64(len(x.Data))
	y := tensor.NewVar([]float32{float32(s / n)})
	t.Record(y, mseToConstBack{x, target}, x)
	return y
}

// mseToConstBack is dx += dy · 2 (x - target) / n.
type mseToConstBack struct {
	x      *tensor.Var
	target float32
}

func (s mseToConstBack) Backward(dy []float32) {
	g := dy[0] * float32(2/float64(len(s.x.Data)))
	dx := s.x.GradBuf()
	for i, v := range s.x.Data {
		dx[i] += g * (v - s.target)
	}
}

// WeightedSum is Σ w_i · x_i over scalar Vars.
func WeightedSum(t *tensor.Tape, ws []float32, xs ...*tensor.Var) *tensor.Var {
	var s float32
	for i, x := range xs {
		s += ws[i] * x.Data[0]
	}
	y := tensor.NewVar([]float32{s})
	grads := make([]tensor.GradOf, len(xs))
	for i, x := range xs {
		grads[i] = x.GradOnly()
	}
	t.Record(y, weightedSumBack{grads, ws}, xs...)
	return y
}

// weightedSumBack is dx_i += w_i · dy.
type weightedSumBack struct {
	xs []tensor.GradOf
	ws []float32
}

func (s weightedSumBack) Backward(dy []float32) {
	for i, x := range s.xs {
		if x.Wanted() {
			x.Buf()[0] += s.ws[i] * dy[0]
		}
	}
}
