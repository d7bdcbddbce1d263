package core

import (
	"math/rand/v2"
	"slices"
	"testing"

	"sweep/internal/tensortest"
	"sweep/vocab"
)

// TestRecycledTensorsChangeNothing trains the same iterations with tensors recycled through
// the pool and freed early, and with every tensor fresh from the heap: weights and losses
// must be bit-identical.
func TestRecycledTensorsChangeNothing(t *testing.T) {
	train := func(pooled bool) (*Model, []float32) {
		rng := rand.New(rand.NewPCG(5, 5))
		m := NewModel(benchOptions(16, 32, vocab.ModeGlobal), rng)
		if !pooled {
			m.pool = nil
			for _, n := range m.Nets() {
				for _, p := range n.Params {
					p.UsePool(nil)
				}
			}
		}
		var losses []float32
		for range 3 {
			a, b := tensortest.RandVar(rng, 1, 3, 32, 32), tensortest.RandVar(rng, 1, 3, 32, 32)
			s := m.Iteration(a, b, RandomPicker{rng}, RandomPicker{rng}, 2e-4)
			losses = append(losses, s.LossD, s.LossG, s.NCEX, s.NCEY, s.FakeB.Data[7], s.X[4].Q.Data[3])
		}
		return m, losses
	}
	pooled, lp := train(true)
	heap, lh := train(false)
	if !slices.Equal(lp, lh) {
		t.Errorf("losses differ: pooled %v, heap %v", lp, lh)
	}
	for name, n := range pooled.Nets() {
		for i, p := range n.Params {
			if !slices.Equal(p.Data, heap.Nets()[name].Params[i].Data) {
				t.Errorf("%s.%s differs between pooled and heap tensors", name, p.Name)
			}
		}
	}
}
