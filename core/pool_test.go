package core

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRecycledTensorsChangeNothing trains the same iterations with tensors recycled through
// the pool and freed early, and with every tensor fresh from the heap: weights and losses
// must be bit-identical.
func TestRecycledTensorsChangeNothing(t *testing.T) {
	train := func(pooled bool) (*Model, []float32) {
		rng := rand.New(rand.NewPCG(5, 5))
		m := NewModel(benchOptions(16, 32, ModeGlobal), rng)
		if !pooled {
			m.pool = nil
			for _, n := range m.Nets() {
				for _, p := range n.Params {
					p.pool = nil
				}
			}
		}
		var losses []float32
		for range 3 {
			a, b := randVar(rng, 1, 3, 32, 32), randVar(rng, 1, 3, 32, 32)
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

// TestFreeKeepsWhatBackwardReads frees two intermediates: the one a recorded step reads
// stays, the other goes back to the pool, and the gradients equal a tape that frees nothing.
func TestFreeKeepsWhatBackwardReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := randVar(rng, 1, 2, 5, 5)
	c := randFixed(2 * 9 * 9)
	run := func(tp *Tape) (read, unread *Var) {
		x.NeedsGrad, x.Grad = true, nil
		read = ReflectPad(tp, x, 1)           // InstanceNormAct reads its input
		unread = InstanceNormAct(tp, read, 0) // ReflectPad reads nothing
		y := ReflectPad(tp, unread, 1)
		tp.free(read, unread)
		tp.Backward(projection(tp, y, c))
		return read, unread
	}
	run(&Tape{})
	want := slices.Clone(x.Grad)
	tp := NewTape(&Pool{})
	read, unread := run(tp)
	if !slices.Equal(x.Grad, want) {
		t.Error("gradients differ when intermediates are freed")
	}
	if read.Data != nil || unread.Data != nil {
		t.Error("backward did not release the intermediates' data")
	}
	tp = NewTape(&Pool{})
	read = ReflectPad(tp, x, 1)
	unread = InstanceNormAct(tp, read, 0)
	_ = ReflectPad(tp, unread, 1)
	tp.free(read, unread)
	if read.Data == nil {
		t.Error("free dropped data a recorded step reads")
	}
	if unread.Data != nil {
		t.Error("free kept data no step reads")
	}
}

func TestSizeClass(t *testing.T) {
	for _, c := range []struct{ n, want int }{{1, 1}, {16, 16}, {17, 18}, {31, 32}, {4096, 4096}, {4097, 4608}, {589824, 589824}, {82944, 90112}} {
		if got := sizeClass(c.n); got != c.want {
			t.Errorf("sizeClass(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	for n := 1; n < 1<<20; n += 997 {
		if c := sizeClass(n); c < n || 8*c > 9*n || sizeClass(c) != c {
			t.Fatalf("sizeClass(%d) = %d: not a class within 1/8 above n", n, c)
		}
	}
}
