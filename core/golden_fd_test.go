package core

import (
	"math"
	"testing"

	"sweep/ops"
	"sweep/tensor"
)

// probeParam is the generator parameter whose gradient is probed by central differences:
// the last decoder convolution. It reaches the loss only through fake_B and idt_B, so the
// anchors (decided on the real images' maps) and the detached keys do not move with it,
// and the differences measure exactly the gradient that backward computes.
const probeParam = "model.30.weight"

const (
	probeStep   = 3e-7 // along a unit direction; larger steps meet the curvature of the self-routed softmax
	probeTolOur = 0.02 // |FD - g·u| / |g| for our gradient
)

// generatorLoss is loss.G of the G step, computed off the tape: LSGAN against D plus the
// mean of the two NCE directions, as Model.Iteration computes it.
func generatorLoss(m *Model, realA, realB *tensor.Var, pickX, pickY Picker) float64 {
	fakeB, featsA := m.G.Forward(nil, realA, false)
	idtB, featsB := m.G.Forward(nil, realB, false)
	gan := ops.MSEToConst(nil, m.D.Forward(nil, fakeB), 1)
	_, featsFake := m.G.Forward(nil, fakeB, true)
	_, featsIdt := m.G.Forward(nil, idtB, true)
	x := m.F.NCE(nil, featsA, featsFake, m.Opt.NCE, pickX, nil)
	y := m.F.NCE(nil, featsB, featsIdt, m.Opt.NCE, pickY, nil)
	return float64(m.Opt.LambdaGAN*gan.Data[0]) + 0.5*float64(x.Data[0]) + 0.5*float64(y.Data[0])
}

// directional returns the central difference of loss.G along the unit vector of dir in the
// probe parameter, and that unit vector.
func directional(m *Model, dir []float32, realA, realB *tensor.Var, pickX, pickY Picker) (float64, []float64) {
	p := m.G.Param(probeParam)
	var norm float64
	for _, v := range dir {
		norm += float64(v) * float64(v)
	}
	u := make([]float64, len(dir))
	for i, v := range dir {
		u[i] = float64(v) / math.Sqrt(norm)
	}
	orig := append([]float32{}, p.Data...)
	at := func(h float64) float64 {
		for i := range p.Data {
			p.Data[i] = float32(float64(orig[i]) + h*u[i])
		}
		return generatorLoss(m, realA, realB, pickX, pickY)
	}
	fd := (at(probeStep) - at(-probeStep)) / (2 * probeStep)
	copy(p.Data, orig)
	return fd, u
}

func dot(a []float32, u []float64) float64 {
	var s float64
	for i, v := range a {
		s += float64(v) * u[i]
	}
	return s
}

// checkGDirection checks our generator gradient by central differences of loss.G, on m0 (a
// fresh copy of the initial model) after its D step: along its own direction, the
// differences must agree with what backward computed. The fixture's grad.G is compared
// element by element in checkParams; this probe checks ours independently of it.
func checkGDirection(t *testing.T, m0 *Model, ours *Generator, realA, realB *tensor.Var, pickX, pickY Picker, lr float64) {
	t.Helper()
	s := &Step{}
	s.FakeB, _ = m0.G.Forward(nil, realA, false)
	m0.stepD(s, realB, lr)
	m0.D.SetTrainable(false)
	g := ours.Param(probeParam).Grad
	fd, u := directional(m0, g, realA, realB, pickX, pickY)
	gu := dot(g, u)
	if e := math.Abs(fd-gu) / gu; e > probeTolOur {
		t.Errorf("grad.G.%s: along our gradient, central differences give %.5g, backward %.5g (relative %.2g)", probeParam, fd, gu, e)
	}
}
