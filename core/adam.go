package core

import (
	"math"

	"sweep/tensor"
)

// Adam is PyTorch's Adam (no weight decay, no amsgrad), computed in float32 as PyTorch does:
//
//	m ← β₁m + (1-β₁)g,  v ← β₂v + (1-β₂)g²,
//	p ← p - lr/(1-β₁ᵗ) · m / (√v/√(1-β₂ᵗ) + ε)
type Adam struct {
	Beta1, Beta2, Eps float64
	Step              int
}

// NewAdam returns the optimizer with the given betas and PyTorch's eps 1e-8.
func NewAdam(beta1, beta2 float64) *Adam { return &Adam{Beta1: beta1, Beta2: beta2, Eps: 1e-8} }

// Update takes one step on every parameter of net with learning rate lr.
func (a *Adam) Update(net *Net, lr float64) {
	a.Step++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.Step))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.Step))
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	c1, c2 := float32(1-a.Beta1), float32(1-a.Beta2)
	stepSize := float32(lr / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	eps := float32(a.Eps)
	for _, p := range net.Params {
		if p.M == nil {
			p.M, p.V = make([]float32, p.Len()), make([]float32, p.Len())
		}
		g := p.GradBuf()
		tensor.Chunks(len(g), func(lo, hi int) {
			gs := g[lo:hi]
			ms, vs, ps := p.M[lo:hi][:len(gs)], p.V[lo:hi][:len(gs)], p.Data[lo:hi][:len(gs)]
			for i, gi := range gs {
				m := ms[i]*b1 + c1*gi
				v := vs[i]*b2 + c2*gi*gi
				ms[i], vs[i] = m, v
				denom := float32(math.Sqrt(float64(v)))/bc2Sqrt + eps
				ps[i] -= stepSize * (m / denom)
			}
		})
	}
}
