package core

import (
	"math"

	"sweep/tensor"
	"sweep/vec"
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
	k := vec.AdamConsts{B1: float32(a.Beta1), B2: float32(a.Beta2), C1: float32(1 - a.Beta1), C2: float32(1 - a.Beta2),
		Step: float32(lr / bc1), BC2Sqrt: float32(math.Sqrt(bc2)), Eps: float32(a.Eps)}
	for _, p := range net.Params {
		if p.M == nil {
			p.M, p.V = make([]float32, p.Len()), make([]float32, p.Len())
		}
		g := p.GradBuf()
		tensor.Chunks(len(g), func(lo, hi int) { vec.Adam(p.M[lo:hi], p.V[lo:hi], p.Data[lo:hi], g[lo:hi], k) })
	}
}
