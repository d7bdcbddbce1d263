package core

import (
	"math"

	"sweep/core/linalg"
)

// PatchNCE is the contrastive loss of CUT for one image's n anchors: queries q [n,d] against
// detached keys k [n,d]. Row r's logits are [q_r·k_r, q_r·k_j for every j] / T, with the
// (r, r) negative set to -10 before the division; the loss is the cross-entropy with the
// positive as target. It returns the per-row losses [n].
//
// Backward (only q receives a gradient): with p = softmax(logits_r),
// dq_r = (dl_r / T) · ((p_0 - 1) k_r + Σ_{j≠r} p_{1+j} k_j).
func PatchNCE(t *Tape, q, k *Var, temp float32) *Var {
	n, d := q.Shape[0], q.Shape[1]
	negs := make([]float32, n*n)
	linalg.Gemm(false, true, n, n, d, 1, q.Data, k.Data, 0, negs)
	logits := make([]float32, n*(n+1))
	for r := 0; r < n; r++ {
		copy(logits[r*(n+1)+1:(r+1)*(n+1)], negs[r*n:(r+1)*n])
	}
	probs := make([]float64, n*(n+1))
	rows := Zeros(n)
	parallelFor(n, 30*n, func(r int) {
		lr := logits[r*(n+1) : (r+1)*(n+1)]
		neg := lr[1:]
		lr[0] = dot32(q.Data[r*d:(r+1)*d], k.Data[r*d:(r+1)*d])
		neg[r] = -10
		for j := range lr {
			lr[j] /= temp
		}
		mx := lr[0]
		for _, v := range lr {
			mx = max(mx, v)
		}
		var s float64
		pr := probs[r*(n+1) : (r+1)*(n+1)]
		for j, v := range lr {
			pr[j] = math.Exp(float64(v - mx))
			s += pr[j]
		}
		for j := range pr {
			pr[j] /= s
		}
		rows.Data[r] = float32(math.Log(s) + float64(mx-lr[0]))
	})
	t.record(rows, func() {
		if rows.Grad == nil {
			return
		}
		// dq = C k with C[r,r] = g_r (p_r0 - 1) and C[r,j] = g_r p_r(1+j) for j ≠ r.
		coef := make([]float32, n*n)
		parallelFor(n, 2*n, func(r int) {
			g := float64(rows.Grad[r]) / float64(temp)
			pr := probs[r*(n+1) : (r+1)*(n+1)]
			for j := 0; j < n; j++ {
				coef[r*n+j] = float32(g * pr[1+j])
			}
			coef[r*n+r] = float32(g * (pr[0] - 1))
		})
		linalg.Gemm(false, false, n, d, n, 1, coef, k.Data, 1, q.grad())
	}, q)
	return rows
}

func dot32(a, b []float32) float32 {
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(dst []float32, a float32, x []float32) {
	for i, v := range x {
		dst[i] += a * v
	}
}

// Mean is the mean of all elements of x, as a scalar Var scaled by scale.
func Mean(t *Tape, x *Var, scale float32) *Var {
	n := float32(len(x.Data))
	y := NewVar([]float32{sum32(x.Data) / n * scale})
	t.record(y, func() {
		if y.Grad == nil {
			return
		}
		g := y.Grad[0] * scale / n
		dx := x.grad()
		for i := range dx {
			dx[i] += g
		}
	}, x)
	return y
}
