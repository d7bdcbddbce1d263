package core

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
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

// TestBatchedIterationMatchesUnbatched runs the same iteration with the images in batches
// and one at a time (as on maps above batchMaxPixels): the losses and every weight gradient
// must agree to rounding. (The biases before an instance norm have a gradient of zero in
// exact arithmetic, rounding noise here, which the golden test compares on its own scale.)
func TestBatchedIterationMatchesUnbatched(t *testing.T) {
	iterate := func(maxPixels int) (*Model, *Step) {
		defer func(old int) { batchMaxPixels = old }(batchMaxPixels)
		batchMaxPixels = maxPixels
		rng := rand.New(rand.NewPCG(7, 7))
		m := NewModel(benchOptions(16, 32, vocab.ModeGlobal), rng)
		m.KeepRecords = true // keeps D's gradients
		a, b := tensortest.RandVar(rng, 1, 3, 32, 32), tensortest.RandVar(rng, 1, 3, 32, 32)
		return m, m.Iteration(a, b, RandomPicker{rng}, RandomPicker{rng}, 2e-4)
	}
	batched, bs := iterate(1 << 30)
	alone, as := iterate(0)
	for name, v := range bs.Losses() {
		if w := as.Losses()[name]; math.Abs(v-w) > 1e-5*math.Abs(w) {
			t.Errorf("loss %s: %g batched, %g alone", name, v, w)
		}
	}
	for name, n := range batched.Nets() {
		for i, p := range n.Params {
			if !strings.HasSuffix(p.Name, "weight") {
				continue
			}
			if e := tensortest.RelErr(p.Grad, alone.Nets()[name].Params[i].Grad); e > 1e-4 {
				t.Errorf("%s.%s: gradients differ by %.2g between batched and alone", name, p.Name, e)
			}
		}
	}
}
