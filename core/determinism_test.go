package core

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"sweep/internal/tensortest"
	"sweep/vocab"
)

// TestIterationIndependentOfThreadCount trains the same iterations on 1 and on 2 threads:
// the weights must be bit-identical, so a run's numbers do not depend on its device slot.
func TestIterationIndependentOfThreadCount(t *testing.T) {
	train := func(procs int) *Model {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		rng := rand.New(rand.NewPCG(9, 9))
		o := benchOptions(16, 32, vocab.ModeGlobal)
		m := NewModel(o, rng)
		for range 2 {
			a, b := tensortest.RandVar(rng, 1, 3, 32, 32), tensortest.RandVar(rng, 1, 3, 32, 32)
			m.Iteration(a, b, RandomPicker{rng}, RandomPicker{rng}, 2e-4)
		}
		return m
	}
	one, two := train(1), train(2)
	for name, n := range one.Nets() {
		for i, p := range n.Params {
			if !slices.Equal(p.Data, two.Nets()[name].Params[i].Data) {
				t.Errorf("%s.%s differs between 1 and 2 threads", name, p.Name)
			}
		}
	}
}
