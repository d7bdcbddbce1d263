package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// lossOf is a fixed random projection of a Var, so its gradient is easy to check.
func projection(t *Tape, y *Var, c []float32) *Var {
	w := NewVar(c, y.Shape...)
	p := Zeros(y.Shape...)
	for i := range p.Data {
		p.Data[i] = y.Data[i] * c[i]
	}
	s := NewVar([]float32{sum32(p.Data)})
	t.record(s, func() {
		if s.Grad == nil {
			return
		}
		dy := y.grad()
		for i := range dy {
			dy[i] += s.Grad[0] * w.Data[i]
		}
	}, y)
	return s
}

// fdCheck compares the tape gradient of a scalar function of param with central
// differences at sampled elements; the error is ‖fd - g‖/‖fd‖ over the samples, which
// float32 rounding and ReLU kinks perturb far less than any single element.
func fdCheck(t *testing.T, name string, param *Var, f func(t *Tape) *Var, samples int, rng *rand.Rand) {
	t.Helper()
	param.NeedsGrad = true
	param.Grad = nil
	tp := &Tape{}
	tp.Backward(f(tp))
	g := append([]float32{}, param.Grad...)
	h := float32(fdStep)
	var diff, ref float64
	for s := 0; s < samples; s++ {
		i := rng.IntN(param.Len())
		old := param.Data[i]
		param.Data[i] = old + h
		up := float64(f(nil).Data[0])
		param.Data[i] = old - h
		down := float64(f(nil).Data[0])
		param.Data[i] = old
		fd := (up - down) / (2 * float64(h))
		diff += (fd - float64(g[i])) * (fd - float64(g[i]))
		ref += fd * fd
	}
	e := math.Sqrt(diff / ref)
	if e > 2e-2 {
		t.Errorf("%s: finite-difference mismatch %.3g", name, e)
	}
	t.Logf("%s: FD relative error %.2g", name, e)
}

var fdStep = 1e-2

func randVar(rng *rand.Rand, scale float32, shape ...int) *Var {
	v := Zeros(shape...)
	for i := range v.Data {
		v.Data[i] = float32(rng.NormFloat64()) * scale
	}
	return v
}

func TestOpsFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randVar(rng, 1, 3, 9, 9)
	c := randVar(rng, 1, 3, 9, 9)
	proj := func(tp *Tape, y *Var) *Var { return projection(tp, y, randFixed(y.Len())) }
	// Ops with a kink at 0 (the ReLUs) use a narrower step so the differences stay off it.
	cases := []struct {
		name string
		step float64
		f    func(tp *Tape) *Var
	}{
		{"reflectpad", 1e-2, func(tp *Tape) *Var { return proj(tp, ReflectPad(tp, x, 2)) }},
		{"downsample", 1e-2, func(tp *Tape) *Var { return proj(tp, Downsample(tp, x)) }},
		{"upsample", 1e-2, func(tp *Tape) *Var { return proj(tp, Upsample(tp, x)) }},
		{"instnorm", 1e-2, func(tp *Tape) *Var { return projection(tp, InstanceNorm(tp, x), c.Data) }},
		{"instnormrelu", 1e-3, func(tp *Tape) *Var { return projection(tp, InstanceNormAct(tp, x, 0), c.Data) }},
		{"instnormleaky", 1e-3, func(tp *Tape) *Var { return projection(tp, InstanceNormAct(tp, x, 0.2), c.Data) }},
		{"tanh", 1e-2, func(tp *Tape) *Var { return projection(tp, Tanh(tp, x), c.Data) }},
		{"pool", 1e-2, func(tp *Tape) *Var { return proj(tp, AdaptiveAvgPool(tp, x, 4, 4)) }},
		{"gatherpositions", 1e-2, func(tp *Tape) *Var { return proj(tp, GatherPositions(tp, x, []int{0, 5, 80, 5})) }},
		{"positions", 1e-2, func(tp *Tape) *Var { return proj(tp, Positions(tp, x)) }},
	}
	defer func(h float64) { fdStep = h }(fdStep)
	for _, c := range cases {
		fdStep = c.step
		fdCheck(t, c.name, x, c.f, 30, rng)
	}
	fdStep = 1e-2
	for _, g := range []struct{ k, pad int }{{3, 1}, {4, 1}, {7, 0}, {1, 0}} {
		w := randVar(rng, 0.3, 4, 3, g.k, g.k)
		b := randVar(rng, 0.3, 4)
		conv := func(tp *Tape) *Var { y := Conv2D(tp, x, w, b, g.pad); return projection(tp, y, randFixed(y.Len())) }
		name := fmt.Sprintf("conv%dpad%d", g.k, g.pad)
		fdCheck(t, name+".x", x, conv, 30, rng)
		fdCheck(t, name+".w", w, conv, 30, rng)
		fdCheck(t, name+".b", b, conv, 4, rng)
	}
}

func randFixed(n int) []float32 {
	r := rand.New(rand.NewPCG(7, uint64(n)))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func TestLeakFactor(t *testing.T) {
	negZero := float32(math.Copysign(0, -1))
	for _, c := range []struct{ v, want float32 }{
		{1, 1}, {1e-38, 1}, {float32(math.Inf(1)), 1}, {0, 0.2}, {negZero, 0.2}, {-1e-38, 0.2}, {-3, 0.2},
	} {
		if got := newLeak(0.2).factor(c.v); got != c.want {
			t.Errorf("factor(%v) = %v, want %v", c.v, got, c.want)
		}
	}
}
