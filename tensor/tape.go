package tensor

import (
	"reflect"
	"sync"
	"time"
	"unsafe"
)

// Backward is one op's saved state and its backward pass. Backward adds the op's share of the
// gradient to its inputs' gradients, given dy, the gradient of the op's output (never nil).
// The state's *Var and []*Var fields are the tensors whose data the backward pass reads: the
// tape keeps exactly those alive until the step has run. Inputs that only receive a gradient
// are held as GradOf, which gives no access to their data.
type Backward interface {
	Backward(dy []float32)
}

// Tape records backward steps in execution order. A nil *Tape records nothing, which is how
// inference and no-grad computations run.
//
// A tape with a Pool takes every tensor it computes from the pool. The backward pass gives
// each one back as soon as it has run past the op that made it, unless Keep pinned it, and
// Release gives back the rest; a nil tape or one without a pool allocates from the heap.
type Tape struct {
	steps   []step
	section string
	prof    Profile
	mark    time.Time
	ops     *OpProfile
	pool    *Pool
	owned   []*Var
}

// NewTape returns a tape that draws its tensors from pool (nil: from the heap).
func NewTape(pool *Pool) *Tape { return &Tape{pool: pool} }

// Zeros returns a zero Var of the given shape, owned by the tape.
func (t *Tape) Zeros(shape ...int) *Var {
	v := t.Empty(shape...)
	if v.pool != nil {
		ClearParallel(v.Data)
	}
	return v
}

// Empty is Zeros for an op that writes every element itself: from the pool, the contents
// are undefined.
func (t *Tape) Empty(shape ...int) *Var {
	if t == nil || t.pool == nil {
		return Zeros(shape...)
	}
	v := NewVar(t.pool.Get(Numel(shape)), shape...)
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

// Pool is the tape's pool, nil for a nil tape or one without: Pool's methods fall back to
// the heap then.
func (t *Tape) Pool() *Pool {
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

// step is one recorded backward pass, the output whose gradient it consumes, the section of
// the model it belongs to and, when profiling ops, its estimated memory traffic.
type step struct {
	out     *Var
	back    Backward
	section string
	bytes   int64 // the backward pass's estimated memory traffic, when profiling ops
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

// Record appends b as the backward step of out when the tape is live and some input needs a
// gradient, marks out as needing one, and keeps the tensors b reads (see Backward).
func (t *Tape) Record(out *Var, b Backward, inputs ...*Var) {
	if t == nil {
		return
	}
	var backBytes int64
	if t.ops != nil {
		var in int64
		for _, v := range inputs {
			in += int64(len(v.Data))
		}
		t.ops.forward(OpName(b), true, 4*(int64(len(out.Data))+in))
		backBytes = 4 * (int64(len(out.Data)) + 2*in)
	}
	for _, in := range inputs {
		if in.NeedsGrad {
			t.steps = append(t.steps, step{out, b, t.section, backBytes})
			out.NeedsGrad = true
			for _, v := range Reads(b) {
				v.saved = true
			}
			return
		}
	}
}

// Free gives back the data of tensors the forward pass is done with, unless a recorded step
// reads it or it is kept: the caller's promise that no later forward op reads vs lets the
// next layers reuse their memory.
func (t *Tape) Free(vs ...*Var) {
	for _, v := range vs {
		if !v.saved && !v.keep {
			v.drop()
		}
	}
}

// Backward seeds d loss / d loss = 1 and runs the recorded steps in reverse, then clears the
// tape. When a step has run, every consumer of its output has already added its share and
// used its data, so the output's gradient, and its data unless kept, are released:
// intermediate tensors live only until the backward pass is past them. A step whose output
// received no gradient is skipped.
func (t *Tape) Backward(loss *Var) {
	t.Section(t.section)
	loss.GradBuf()[0] += 1
	for i := len(t.steps) - 1; i >= 0; i-- {
		start := time.Now()
		s := t.steps[i]
		if t.ops != nil {
			t.ops.start()
		}
		if s.out.Grad != nil {
			s.back.Backward(s.out.Grad)
		}
		if t.ops != nil {
			t.ops.backward(OpName(s.back), s.bytes)
		}
		if t.prof != nil {
			t.prof[s.section] += time.Since(start)
		}
		if s.out != loss {
			s.out.DropGrad()
			if !s.out.keep {
				s.out.drop() // every op that read it has run its backward
			}
		}
		t.steps[i] = step{}
	}
	t.steps = t.steps[:0]
}

// Reads lists the tensors whose data b's backward pass reads: its *Var fields and the
// elements of its []*Var fields, nil ones left out.
func Reads(b Backward) []*Var {
	v := reflect.ValueOf(b)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var out []*Var
	for _, i := range readFields(v.Type()) {
		f := v.Field(i)
		if f.Kind() == reflect.Pointer {
			out = appendVar(out, f)
			continue
		}
		for j := range f.Len() {
			out = appendVar(out, f.Index(j))
		}
	}
	return out
}

// appendVar appends the *Var that p holds, unless nil. The fields are the op's own,
// unexported, so they are read through their address, which reflect gives for them too.
func appendVar(out []*Var, p reflect.Value) []*Var {
	if p.IsNil() {
		return out
	}
	return append(out, (*Var)(unsafe.Pointer(p.Pointer())))
}

var (
	varType     = reflect.TypeFor[*Var]()
	varsType    = reflect.TypeFor[[]*Var]()
	fieldsCache sync.Map // reflect.Type -> []int
)

// readFields is the indices of t's fields of type *Var or []*Var, computed once per type.
func readFields(t reflect.Type) []int {
	if f, ok := fieldsCache.Load(t); ok {
		return f.([]int)
	}
	var idx []int
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if ft := t.Field(i).Type; ft == varType || ft == varsType {
				idx = append(idx, i)
			}
		}
	}
	fieldsCache.Store(t, idx)
	return idx
}
