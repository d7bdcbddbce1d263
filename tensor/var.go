// Package tensor holds the values the training core computes with: Var (a tensor and its
// gradient), the Tape that records each op's backward step, the Pool that recycles their
// memory from one iteration to the next, and the parallel loops every op runs on.
//
// Memory lifetime is explicit in the types: an op's saved state (a Backward value) holds a
// *Var for every tensor whose data its backward pass reads, and a GradOf for every input it
// only sends a gradient to. The tape keeps exactly the former alive, so a backward pass can
// never read data that was given back.
package tensor

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
	if len(data) != Numel(shape) {
		panic("tensor: data length does not match shape")
	}
	return &Var{Shape: append([]int{}, shape...), Data: data}
}

// Zeros returns a zero Var of the given shape.
func Zeros(shape ...int) *Var { return NewVar(make([]float32, Numel(shape)), shape...) }

// Scalar returns a Var holding the single value v.
func Scalar(v float32) *Var { return NewVar([]float32{v}) }

// Numel is the element count of a shape.
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (v *Var) Len() int { return len(v.Data) }

// GradBuf returns the gradient buffer for adding into, allocating it (zero) on first use.
func (v *Var) GradBuf() []float32 {
	if v.Grad == nil {
		v.Grad = v.pool.Get(Numel(v.Shape))
		if v.pool != nil {
			ClearParallel(v.Grad) // recycled: it holds an earlier tensor's values
		}
	}
	return v.Grad
}

// ZeroGrad clears the gradient.
func (v *Var) ZeroGrad() { clear(v.Grad) }

// DropGrad gives the gradient buffer back to the pool and forgets it.
func (v *Var) DropGrad() {
	if v.pool != nil && v.Grad != nil {
		v.pool.Put(v.Grad)
	}
	v.Grad = nil
}

// ResetGrad makes the gradient zero for the next backward pass: a pooled buffer goes back to
// the pool (the next pass takes a cleared one), a heap buffer is cleared in place.
func (v *Var) ResetGrad() {
	if v.pool != nil {
		v.DropGrad()
	}
	v.ZeroGrad()
}

// UsePool makes v's gradient come from p (nil: the heap), for parameters, which live across
// iterations while their gradients do not.
func (v *Var) UsePool(p *Pool) { v.pool = p }

// Detached returns a Var sharing v's data that no gradient reaches. The data stays v's: if
// a tape recycles it, the detached Var loses it too, so detach only what is kept.
func (v *Var) Detached() *Var { return &Var{Shape: v.Shape, Data: v.Data} }

// drop gives v's data back to its pool and forgets it, so that a late use fails loudly.
func (v *Var) drop() {
	if v.pool != nil && v.Data != nil {
		v.pool.Put(v.Data)
		v.Data = nil
	}
}

// GradOf is access to a tensor's gradient without its data: an op's saved state holds one
// for each input whose gradient its backward pass adds to but whose data it does not read.
type GradOf struct{ v *Var }

// GradOnly returns v's gradient without its data; v may be nil (an absent bias).
func (v *Var) GradOnly() GradOf { return GradOf{v} }

// Wanted reports whether the tensor needs a gradient (never for the GradOf of a nil Var).
func (g GradOf) Wanted() bool { return g.v != nil && g.v.NeedsGrad }

// Buf is the tensor's GradBuf.
func (g GradOf) Buf() []float32 { return g.v.GradBuf() }
