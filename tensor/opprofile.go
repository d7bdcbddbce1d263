package tensor

import (
	"reflect"
	"strings"
	"sync"
	"time"
)

// OpProfile accumulates, per op, the time of its forward and backward passes and the
// floating-point work its matrix products did, over every tape that profiles into it.
//
// An op's forward time is the time from the previous op's Record (or the tape's last Mark)
// to its own Record, so work a tape does not record (scores, inference on a nil tape) is
// charged to the next recorded op unless a Mark names it.
type OpProfile struct {
	Ops   map[string]*OpTime
	Flops func() int64 // the running count of matrix-product FLOP; nil: not counted
	mark  time.Time
	flops int64
}

// OpTime is one op's share of the work. Its memory traffic is an estimate from the tensors'
// sizes: forward, every input and the output once; backward, the output's gradient and every
// input and its gradient once.
type OpTime struct {
	Calls                       int
	Forward, Backward           time.Duration
	ForwardFlop, BackwardFlop   int64
	ForwardBytes, BackwardBytes int64
}

// NewOpProfile returns an empty profile that counts FLOP with flops (nil: not at all).
func NewOpProfile(flops func() int64) *OpProfile {
	return &OpProfile{Ops: map[string]*OpTime{}, Flops: flops}
}

// ProfileOps makes the tape add each op's time to p; nil turns it off.
func (t *Tape) ProfileOps(p *OpProfile) {
	t.ops = p
	if p != nil {
		p.start()
	}
}

// Mark charges the time since the last op to name, for work the tape does not record.
func (t *Tape) Mark(name string) {
	if t != nil && t.ops != nil {
		t.ops.Mark(name)
	}
}

// Mark charges the time and FLOP since the last op or mark to name.
func (p *OpProfile) Mark(name string) { p.forward(name, false, 0) }

func (p *OpProfile) start() {
	p.mark = time.Now()
	if p.Flops != nil {
		p.flops = p.Flops()
	}
}

// forward charges the interval since the mark and bytes of memory traffic to op's forward
// pass (counting a call when call is set) and starts the next interval.
func (p *OpProfile) forward(op string, call bool, bytes int64) {
	d, f := p.since()
	o := p.op(op)
	o.Forward += d
	o.ForwardFlop += f
	o.ForwardBytes += bytes
	if call {
		o.Calls++
	}
}

// backward charges the interval since the mark and bytes of memory traffic to op's backward
// pass.
func (p *OpProfile) backward(op string, bytes int64) {
	d, f := p.since()
	o := p.op(op)
	o.Backward += d
	o.BackwardFlop += f
	o.BackwardBytes += bytes
}

// since is the time and FLOP since the mark, which it moves to now.
func (p *OpProfile) since() (time.Duration, int64) {
	now := time.Now()
	d := now.Sub(p.mark)
	p.mark = now
	var f int64
	if p.Flops != nil {
		n := p.Flops()
		f, p.flops = n-p.flops, n
	}
	return d, f
}

func (p *OpProfile) op(name string) *OpTime {
	o := p.Ops[name]
	if o == nil {
		o = &OpTime{}
		p.Ops[name] = o
	}
	return o
}

var opNames sync.Map // reflect.Type -> string

// OpName names the op whose saved state b is: its type's name without the "Back" suffix
// the ops give their state types ("im2colBack" is "im2col").
func OpName(b Backward) string {
	t := reflect.TypeOf(b)
	if n, ok := opNames.Load(t); ok {
		return n.(string)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	n := strings.TrimSuffix(t.Name(), "Back")
	opNames.Store(reflect.TypeOf(b), n)
	return n
}
