package tensor

import (
	"slices"
	"testing"
)

// scaleBack is a backward pass that reads its input x, sends a gradient to y without
// reading it, and reads a list of tensors.
type scaleBack struct {
	x      *Var
	y      GradOf
	others []*Var
	k      float32
}

func (s scaleBack) Backward(dy []float32) {}

// Reads takes exactly the *Var and []*Var fields, nil ones left out, whatever the field
// order; GradOf fields are not read.
func TestReads(t *testing.T) {
	x, y, o1, o2 := Zeros(1), Zeros(1), Zeros(1), Zeros(1)
	for _, c := range []struct {
		b    Backward
		want []*Var
	}{
		{scaleBack{x, y.GradOnly(), []*Var{o1, nil, o2}, 2}, []*Var{x, o1, o2}},
		{scaleBack{nil, y.GradOnly(), nil, 2}, nil},
		{&scaleBack{x: x}, []*Var{x}},
	} {
		if got := Reads(c.b); !slices.Equal(got, c.want) {
			t.Errorf("Reads(%+v) = %v, want %v", c.b, got, c.want)
		}
	}
}

// A recorded step keeps what it reads from Free and drops it once it has run; the output
// loses its gradient and, unless kept, its data.
func TestRecordKeepsReadsUntilTheStepRan(t *testing.T) {
	tp := NewTape(&Pool{})
	in := Zeros(4)
	in.NeedsGrad = true
	read, unread := tp.Empty(4), tp.Empty(4)
	out := tp.Empty(1)
	tp.Record(out, scaleBack{x: read, y: unread.GradOnly()}, in)
	tp.Free(read, unread)
	if read.Data == nil || unread.Data != nil {
		t.Fatalf("after Free: read kept %v, unread kept %v; want true, false", read.Data != nil, unread.Data != nil)
	}
	if !out.NeedsGrad {
		t.Error("Record did not mark the output as needing a gradient")
	}
	tp.Backward(out)
	if out.Grad == nil {
		t.Error("the loss lost its gradient")
	}
}

// Nothing is recorded on a nil tape or when no input needs a gradient.
func TestRecordSkipsWithoutGradient(t *testing.T) {
	var nilTape *Tape
	nilTape.Record(Zeros(1), scaleBack{}, Zeros(1))
	tp := NewTape(nil)
	out := Zeros(1)
	tp.Record(out, scaleBack{}, Zeros(1))
	if len(tp.steps) != 0 || out.NeedsGrad {
		t.Error("recorded a step no gradient reaches")
	}
}
