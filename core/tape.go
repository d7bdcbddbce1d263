// Package core is the QS-Attn / CUT training core: the networks, the anchor selection
// modes, the losses, Adam, and the training iteration, with every operation's forward and
// backward written out by hand and checked against the PyTorch golden fixtures.
//
// Differentiation is reverse mode on a tape: each op computes its output and, when any
// input needs a gradient, appends a closure that maps the output's gradient to its inputs'.
package core

import "time"

// Var is a tensor on the tape: row-major data, and a gradient of the same size that is
// allocated when something first flows into it.
type Var struct {
	Shape     []int
	Data      []float32
	Grad      []float32
	NeedsGrad bool
}

// NewVar wraps data (not copied) in a Var of the given shape.
func NewVar(data []float32, shape ...int) *Var {
	if len(data) != numel(shape) {
		panic("core: data length does not match shape")
	}
	return &Var{Shape: append([]int{}, shape...), Data: data}
}

// Zeros returns a zero Var of the given shape.
func Zeros(shape ...int) *Var { return NewVar(make([]float32, numel(shape)), shape...) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (v *Var) Len() int { return len(v.Data) }

// grad returns the gradient buffer, allocating it on first use.
func (v *Var) grad() []float32 {
	if v.Grad == nil {
		v.Grad = make([]float32, len(v.Data))
	}
	return v.Grad
}

// ZeroGrad clears the gradient.
func (v *Var) ZeroGrad() {
	for i := range v.Grad {
		v.Grad[i] = 0
	}
}

// Detached returns a Var sharing v's data that no gradient reaches.
func (v *Var) Detached() *Var { return &Var{Shape: v.Shape, Data: v.Data} }

// Tape records backward closures in execution order. A nil *Tape records nothing,
// which is how inference and no-grad computations run.
type Tape struct {
	steps   []step
	section string
	prof    Profile
	mark    time.Time
}

// step is one recorded backward function, the output whose gradient it consumes, and the
// section of the model it belongs to.
type step struct {
	out     *Var
	back    func()
	section string
}

// Profile accumulates time per model section ("generator", "attention", ...), forward and
// backward together.
type Profile map[string]time.Duration

// Profile makes the tape add its time to p, per section; nil turns profiling off.
func (t *Tape) Profile(p Profile) {
	t.prof, t.mark = p, time.Now()
}

// Section charges the time since the last mark to the current section and starts name.
// It returns the previous section, so a caller can return to it.
func (t *Tape) Section(name string) (previous string) {
	if t == nil {
		return ""
	}
	previous = t.section
	if t.prof != nil {
		now := time.Now()
		t.prof[t.section] += now.Sub(t.mark)
		t.mark = now
	}
	t.section = name
	return previous
}

// record appends a backward step for out when the tape is live and some input needs a
// gradient, and marks out as needing one.
func (t *Tape) record(out *Var, back func(), inputs ...*Var) {
	if t == nil {
		return
	}
	for _, in := range inputs {
		if in.NeedsGrad {
			t.steps = append(t.steps, step{out, back, t.section})
			out.NeedsGrad = true
			return
		}
	}
}

// Backward seeds d loss / d loss = 1 and runs the recorded steps in reverse, then clears the
// tape. When a step has run, every consumer of its output has already added its share, so
// the output's gradient is released: intermediate gradients live only between an op and its
// inputs, which bounds the memory of the backward pass.
func (t *Tape) Backward(loss *Var) {
	t.Section(t.section)
	loss.grad()[0] += 1
	for i := len(t.steps) - 1; i >= 0; i-- {
		start := time.Now()
		t.steps[i].back()
		if t.prof != nil {
			t.prof[t.steps[i].section] += time.Since(start)
		}
		if t.steps[i].out != loss {
			t.steps[i].out.Grad = nil
		}
		t.steps[i] = step{}
	}
	t.steps = t.steps[:0]
}
