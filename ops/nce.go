package ops

import (
	"math"

	"sweep/linalg"
	"sweep/tensor"
	"sweep/vec"
)

// PatchNCE is the contrastive loss of CUT for one image's n anchors: queries q [n,d] against
// detached keys k [n,d]. Row r's logits are [q_r·k_r, q_r·k_j for every j] / T, with the
// (r, r) negative set to -10 before the division; the loss is the cross-entropy with the
// positive as target. It returns the per-row losses [n]. The softmax's exponentials are
// float32 (vec.ExpShifted, within an ulp of math.Exp's), as in PyTorch's float32 loss;
// their sum and the loss are float64.
//
// Backward (only q receives a gradient): with p = softmax(logits_r),
// dq_r = (dl_r / T) · ((p_0 - 1) k_r + Σ_{j≠r} p_{1+j} k_j).
func PatchNCE(t *tensor.Tape, q, k *tensor.Var, temp float32) *tensor.Var {
	n, d := q.Shape[0], q.Shape[1]
	probs := make([]float32, n*(n+1)) // each row's logits, then their softmax
	linalg.GemmStrided(false, true, n, n, d, 1, q.Data, d, k.Data, d, 0, probs[1:], n+1)
	rows := tensor.Zeros(n)
	tensor.ParallelFor(n, 30*n, func(r int) {
		lr := probs[r*(n+1) : (r+1)*(n+1)]
		lr[0] = dot32(q.Data[r*d:(r+1)*d], k.Data[r*d:(r+1)*d])
		lr[1+r] = -10
		for j := range lr {
			lr[j] /= temp
		}
		mx := lr[0]
		for _, v := range lr {
			mx = max(mx, v)
		}
		pos := lr[0]
		vec.ExpShifted(lr, lr, mx)
		var s float64
		for _, e := range lr {
			s += float64(e)
		}
		for j, e := range lr {
			lr[j] = float32(float64(e) / s)
		}
		rows.Data[r] = float32(math.Log(s) + float64(mx-pos))
	})
	t.Record(rows, patchNCEBack{q.GradOnly(), k, probs, temp}, q)
	return rows
}

// patchNCEBack is dq = C k with C[r,r] = g_r (p_r0 - 1) and C[r,j] = g_r p_r(1+j) for j ≠ r,
// g_r = dl_r / T, from the keys k and the softmax probabilities.
type patchNCEBack struct {
	q     tensor.GradOf
	k     *tensor.Var
	probs []float32
	temp  float32
}

func (s patchNCEBack) Backward(dl []float32) {
	n, d := s.k.Shape[0], s.k.Shape[1]
	coef := make([]float32, n*n)
	tensor.ParallelFor(n, 2*n, func(r int) {
		g := float64(dl[r]) / float64(s.temp)
		pr := s.probs[r*(n+1) : (r+1)*(n+1)]
		for j := 0; j < n; j++ {
			coef[r*n+j] = float32(g * float64(pr[1+j]))
		}
		coef[r*n+r] = float32(g * (float64(pr[0]) - 1))
	})
	linalg.Gemm(false, false, n, d, n, 1, coef, s.k.Data, 1, s.q.Buf())
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
func Mean(t *tensor.Tape, x *tensor.Var, scale float32) *tensor.Var {
	n := float32(len(x.Data))
	y := tensor.NewVar([]float32{sum32(x.Data) / n * scale})
	t.Record(y, meanBack{x.GradOnly(), scale, n}, x)
	return y
}

// meanBack is dx += dy · scale / n.
type meanBack struct {
	x        tensor.GradOf
	scale, n float32
}

func (s meanBack) Backward(dy []float32) {
	g := dy[0] * s.scale / s.n
	dx := s.x.Buf()
	for i := range dx {
		dx[i] += g
	}
}
