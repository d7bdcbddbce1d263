package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"sweep/internal/tensortest"
	"sweep/tensor"
)

// TestGlobalRouteIsMatMulOfAttentionRows checks that GlobalRoute, which recomputes the
// attention rows in its backward pass, gives the same bits as the two ops it fuses: vs, vt,
// the attention rows and both maps' gradients.
func TestGlobalRouteIsMatMulOfAttentionRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	sel := []int{3, 40, 7, 7, 99}
	src, tgt := tensortest.RandVar(rng, 0.5, 100, 12), tensortest.RandVar(rng, 0.5, 100, 12)
	run := func(fused bool) [][]float32 {
		fs, ft := tensor.NewVar(slices.Clone(src.Data), src.Shape...), tensor.NewVar(slices.Clone(tgt.Data), tgt.Shape...)
		fs.NeedsGrad, ft.NeedsGrad = true, true
		tp := tensor.NewTape(&tensor.Pool{})
		var vs, vt, a *tensor.Var
		if fused {
			vs, vt, a = GlobalRoute(tp, fs, ft, sel, true)
		} else {
			a = GlobalAttentionRows(tp, fs, sel)
			vs, vt = MatMul(nil, a, fs), MatMul(tp, a, ft)
		}
		tp.Keep(vs, vt, a)
		tp.Backward(tensortest.Project(tp, vt))
		return [][]float32{vs.Data, vt.Data, a.Data, fs.Grad, ft.Grad}
	}
	fused, plain := run(true), run(false)
	for i, name := range []string{"vs", "vt", "attention rows", "source gradient", "target gradient"} {
		if !slices.Equal(fused[i], plain[i]) {
			t.Errorf("%s: GlobalRoute differs from MatMul(GlobalAttentionRows)", name)
		}
	}
}
