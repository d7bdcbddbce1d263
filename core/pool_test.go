package core

import (
	"math/rand/v2"
	"slices"
	"testing"

	"sweep/internal/tensortest"
	"sweep/vocab"
)

// trainRecycling trains three iterations, with tensors recycled through the pool and freed
// early or every tensor fresh from the heap, keeping the steps' records or not. It returns
// the model, every step's losses and a sample output, and with records samples of them.
func trainRecycling(t *testing.T, pooled, keep bool) (m *Model, losses, records []float32) {
	rng := rand.New(rand.NewPCG(5, 5))
	m = NewModel(benchOptions(16, 32, vocab.ModeGlobal), rng)
	m.KeepRecords = keep
	if !pooled {
		m.pool = nil
		for _, n := range m.Nets() {
			for _, p := range n.Params {
				p.UsePool(nil)
			}
		}
	}
	for range 3 {
		a, b := tensortest.RandVar(rng, 1, 3, 32, 32), tensortest.RandVar(rng, 1, 3, 32, 32)
		s := m.Iteration(a, b, RandomPicker{rng}, RandomPicker{rng}, 2e-4)
		losses = append(losses, s.LossD, s.LossG, s.NCEX, s.NCEY, s.FakeB.Data[7])
		if keep {
			records = append(records, s.X[4].Q.Data[3], s.X[4].Attn.Data[5], s.Y[3].Attn.Data[2])
		} else if s.X != nil || s.Y != nil || s.FeatsRealA != nil || s.FeatsFakeB != nil {
			t.Fatal("a step without KeepRecords shows records")
		}
	}
	return m, losses, records
}

// TestRecycledTensorsChangeNothing checks that recycling tensors early, and without the
// steps' records recycling more of them and recomputing the attention rows, leaves weights
// and losses bit-identical to fresh heap tensors that keep everything.
func TestRecycledTensorsChangeNothing(t *testing.T) {
	heap, lh, rh := trainRecycling(t, false, true)
	for _, keep := range []bool{true, false} {
		pooled, lp, rp := trainRecycling(t, true, keep)
		if !slices.Equal(lp, lh) {
			t.Errorf("records kept %v: losses differ: pooled %v, heap %v", keep, lp, lh)
		}
		if keep && !slices.Equal(rp, rh) {
			t.Errorf("records differ: pooled %v, heap %v", rp, rh)
		}
		for name, n := range pooled.Nets() {
			for i, p := range n.Params {
				if !slices.Equal(p.Data, heap.Nets()[name].Params[i].Data) {
					t.Errorf("records kept %v: %s.%s differs between pooled and heap tensors", keep, name, p.Name)
				}
			}
		}
	}
}
