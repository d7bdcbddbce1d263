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
	pool      *Pool // where data and gradient come from and go back to, if anywhere
	keep      bool  // the data outlives the backward pass
	saved     bool  // some recorded backward step reads the data
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
		v.Grad = v.pool.get(numel(v.Shape))
		if v.pool != nil {
			clearParallel(v.Grad) // recycled: it holds an earlier tensor's values
		}
	}
	return v.Grad
}

// ZeroGrad clears the gradient.
func (v *Var) ZeroGrad() {
	for i := range v.Grad {
		v.Grad[i] = 0
	}
}

// Detached returns a Var sharing v's data that no gradient reaches. The data stays v's: if
// a tape recycles it, the detached Var loses it too, so detach only what is kept.
func (v *Var) Detached() *Var { return &Var{Shape: v.Shape, Data: v.Data} }

// Tape records backward closures in execution order. A nil *Tape records nothing,
// which is how inference and no-grad computations run.
//
// A tape with a Pool takes every tensor it computes from the pool. The backward pass gives
// each one back as soon as it has run past the op that made it, unless Keep pinned it, and
// Release gives back the rest; a nil tape or one without a pool allocates from the heap.
type Tape struct {
	steps   []step
	section string
	prof    Profile
	mark    time.Time
	pool    *Pool
	owned   []*Var
}

// NewTape returns a tape that draws its tensors from pool (nil: from the heap).
func NewTape(pool *Pool) *Tape { return &Tape{pool: pool} }

// zeros returns a zero Var of the given shape, owned by the tape.
func (t *Tape) zeros(shape ...int) *Var {
	v := t.empty(shape...)
	if v.pool != nil {
		clearParallel(v.Data)
	}
	return v
}

// empty is zeros for an op that writes every element itself: from the pool, the contents
// are undefined.
func (t *Tape) empty(shape ...int) *Var {
	if t == nil || t.pool == nil {
		return Zeros(shape...)
	}
	v := NewVar(t.pool.get(numel(shape)), shape...)
	v.pool = t.pool
	t.owned = append(t.owned, v)
	return v
}

// Keep pins the data of vs past the backward pass, for whoever reads them after it; Release
// still takes them.
func (t *Tape) Keep(vs ...*Var) {
	for _, v := range vs {
		if v != nil {
			v.keep = true
		}
	}
}

// drop gives v's data back to its pool and forgets it, so that a late use fails loudly.
func (v *Var) drop() {
	if v.pool != nil && v.Data != nil {
		v.pool.put(v.Data)
		v.Data = nil
	}
}

// pooled is the tape's pool, nil for a nil tape or one without: Pool's methods fall back
// to the heap then.
func (t *Tape) pooled() *Pool {
	if t == nil {
		return nil
	}
	return t.pool
}

// Release gives every tensor the tape computed back to its pool: none of them, nor any Var
// holding one, may be used afterwards.
func (t *Tape) Release() {
	if t == nil || t.pool == nil {
		return
	}
	for _, v := range t.owned {
		v.drop()
	}
	t.owned = nil
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
// gradient, and marks out as needing one. The step may read the data of out and of every
// input.
func (t *Tape) record(out *Var, back func(), inputs ...*Var) {
	t.recordUsing(out, append([]*Var{out}, inputs...), back, inputs...)
}

// recordUsing is record for a step that reads the data of uses only: the data of the other
// tensors can go as soon as the forward pass is done with them (see free).
func (t *Tape) recordUsing(out *Var, uses []*Var, back func(), inputs ...*Var) {
	if t == nil {
		return
	}
	for _, in := range inputs {
		if in.NeedsGrad {
			t.steps = append(t.steps, step{out, back, t.section})
			out.NeedsGrad = true
			for _, u := range uses {
				u.saved = true
			}
			return
		}
	}
}

// free gives back the data of tensors the forward pass is done with, unless a recorded step
// reads it or it is kept: the caller's promise that no later op reads vs lets the next
// layers reuse their memory.
func (t *Tape) free(vs ...*Var) {
	for _, v := range vs {
		if !v.saved && !v.keep {
			v.drop()
		}
	}
}

// Backward seeds d loss / d loss = 1 and runs the recorded steps in reverse, then clears the
// tape. When a step has run, every consumer of its output has already added its share and
// used its data, so the output's gradient, and its data unless kept, are released:
// intermediate tensors live only until the backward pass is past them.
func (t *Tape) Backward(loss *Var) {
	t.Section(t.section)
	loss.grad()[0] += 1
	for i := len(t.steps) - 1; i >= 0; i-- {
		start := time.Now()
		t.steps[i].back()
		if t.prof != nil {
			t.prof[t.steps[i].section] += time.Since(start)
		}
		if out := t.steps[i].out; out != loss {
			if out.pool != nil && out.Grad != nil {
				out.pool.put(out.Grad)
			}
			out.Grad = nil
			if !out.keep {
				out.drop() // every op that read it has run its backward
			}
		}
		t.steps[i] = step{}
	}
	t.steps = t.steps[:0]
}
