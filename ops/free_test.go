package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"sweep/internal/tensortest"
	"sweep/tensor"
)

// TestFreeKeepsWhatBackwardReads frees two intermediates: the one a recorded step reads
// stays, the other goes back to the pool, and the gradients equal a tape that frees nothing.
func TestFreeKeepsWhatBackwardReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x := tensortest.RandVar(rng, 1, 2, 5, 5)
	c := tensortest.RandFixed(2 * 9 * 9)
	run := func(tp *tensor.Tape) (read, unread *tensor.Var) {
		x.NeedsGrad, x.Grad = true, nil
		read = ReflectPad(tp, x, 1)           // InstanceNormAct reads its input
		unread = InstanceNormAct(tp, read, 0) // ReflectPad reads nothing
		y := ReflectPad(tp, unread, 1)
		tp.Free(read, unread)
		tp.Backward(tensortest.Projection(tp, y, c))
		return read, unread
	}
	run(&tensor.Tape{})
	want := slices.Clone(x.Grad)
	tp := tensor.NewTape(&tensor.Pool{})
	read, unread := run(tp)
	if !slices.Equal(x.Grad, want) {
		t.Error("gradients differ when intermediates are freed")
	}
	if read.Data != nil || unread.Data != nil {
		t.Error("backward did not release the intermediates' data")
	}
	tp = tensor.NewTape(&tensor.Pool{})
	read = ReflectPad(tp, x, 1)
	unread = InstanceNormAct(tp, read, 0)
	_ = ReflectPad(tp, unread, 1)
	tp.Free(read, unread)
	if read.Data == nil {
		t.Error("free dropped data a recorded step reads")
	}
	if unread.Data != nil {
		t.Error("free kept data no step reads")
	}
}
