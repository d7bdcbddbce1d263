package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"sweep/internal/tensortest"
	"sweep/tensor"
)

// fdCase is one differentiable input of one op: the scalar loss f as a function of param.
type fdCase struct {
	name  string
	param *tensor.Var
	f     func(tp *tensor.Tape) *tensor.Var
	step  float32 // 1e-2 unless set; ops with a kink at 0 (the ReLUs) use a narrower one
}

// TestOpsFiniteDifferences checks the backward pass of every differentiable op, for every
// input that takes a gradient, against central differences of its forward pass.
func TestOpsFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range fdCases(rng) {
		t.Run(c.name, func(t *testing.T) {
			step := c.step
			if step == 0 {
				step = 1e-2
			}
			tensortest.FDCheck(t, c.name, c.param, c.f, step, 30, 2e-2, rng)
		})
	}
}

func fdCases(rng *rand.Rand) []fdCase {
	randVar := func(scale float32, shape ...int) *tensor.Var { return tensortest.RandVar(rng, scale, shape...) }
	proj := tensortest.Project
	x, x2 := randVar(1, 3, 9, 9), randVar(1, 3, 9, 9)
	c := randVar(1, 3, 9, 9)
	byC := func(tp *tensor.Tape, y *tensor.Var) *tensor.Var { return tensortest.Projection(tp, y, c.Data) }
	// Position-major features [L, C] of a 5x5 map, selected queries (one repeated, one at a
	// corner so the local window sticks out) and their attention rows.
	f, f2 := randVar(0.5, 25, 6), randVar(0.5, 25, 6)
	sel := []int{0, 7, 12, 7, 24}
	la := randVar(0.3, len(sel), LocalWindow*LocalWindow)
	a, b := randVar(1, 4, 5), randVar(1, 5, 3)
	lx, lw, lb := randVar(1, 4, 5), randVar(0.5, 3, 5), randVar(0.5, 3)
	q, k := unitRows(randVar(1, 6, 8)), unitRows(randVar(1, 6, 8))
	cases := []fdCase{
		{name: "relu", param: x, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, ReLU(tp, x)) }, step: 1e-3},
		{name: "leakyrelu", param: x, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, LeakyReLU(tp, x, 0.2)) }, step: 1e-3},
		{name: "tanh", param: x, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, Tanh(tp, x)) }},
		{name: "add.a", param: x, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, Add(tp, x, x2)) }},
		{name: "add.b", param: x2, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, Add(tp, x, x2)) }},
		{name: "reflectpad", param: x, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, ReflectPad(tp, x, 2)) }},
		{name: "replicatepad", param: x, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, ReplicatePad(tp, x, 2)) }},
		{name: "downsample", param: x, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Downsample(tp, x)) }},
		{name: "upsample", param: x, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Upsample(tp, x)) }},
		{name: "instnorm", param: x, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, InstanceNorm(tp, x)) }},
		{name: "instnormrelu", param: x, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, InstanceNormAct(tp, x, 0)) }, step: 1e-3},
		{name: "instnormleaky", param: x, f: func(tp *tensor.Tape) *tensor.Var { return byC(tp, InstanceNormAct(tp, x, 0.2)) }, step: 1e-3},
		{name: "adaptiveavgpool", param: x, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, AdaptiveAvgPool(tp, x, 4, 4)) }},
		{name: "gatherpositions", param: x, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, GatherPositions(tp, x, []int{0, 5, 80, 5})) }},
		{name: "positions", param: x, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Positions(tp, x)) }},
		{name: "gatherrows", param: f, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, GatherRows(tp, f, sel)) }},
		{name: "matmul.a", param: a, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, MatMul(tp, a, b)) }},
		{name: "matmul.b", param: b, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, MatMul(tp, a, b)) }},
		{name: "globalattentionrows", param: f, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, GlobalAttentionRows(tp, f, sel)) }},
		// Global routing as QS-Attn uses it: the attention of one map applied to itself and to another.
		{name: "globalroute.self", param: f, f: func(tp *tensor.Tape) *tensor.Var {
			return proj(tp, MatMul(tp, GlobalAttentionRows(tp, f, sel), f))
		}},
		{name: "globalroute.other", param: f2, f: func(tp *tensor.Tape) *tensor.Var {
			return proj(tp, MatMul(tp, GlobalAttentionRows(nil, f, sel), f2))
		}},
		{name: "globalroute.src", param: f, f: func(tp *tensor.Tape) *tensor.Var {
			_, vt, _ := GlobalRoute(tp, f, f2, sel, false)
			return proj(tp, vt)
		}},
		{name: "globalroute.tgt", param: f2, f: func(tp *tensor.Tape) *tensor.Var {
			_, vt, _ := GlobalRoute(tp, f, f2, sel, false)
			return proj(tp, vt)
		}},
		{name: "localattentionrows", param: f, f: func(tp *tensor.Tape) *tensor.Var {
			return proj(tp, LocalAttentionRows(tp, f, 5, 5, sel))
		}},
		{name: "localroute.a", param: la, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, LocalRoute(tp, la, f, 5, 5, sel)) }},
		{name: "localroute.f", param: f, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, LocalRoute(tp, la, f, 5, 5, sel)) }},
		{name: "localroute.self", param: f, f: func(tp *tensor.Tape) *tensor.Var {
			return proj(tp, LocalRoute(tp, LocalAttentionRows(tp, f, 5, 5, sel), f, 5, 5, sel))
		}},
		{name: "linear.x", param: lx, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Linear(tp, lx, lw, lb)) }},
		{name: "linear.w", param: lw, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Linear(tp, lx, lw, lb)) }},
		{name: "linear.b", param: lb, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Linear(tp, lx, lw, lb)) }},
		{name: "l2normalizerows", param: lx, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, L2NormalizeRows(tp, lx)) }},
		{name: "patchnce", param: q, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, PatchNCE(tp, q, k, 0.07)) }, step: 1e-3},
		{name: "mean", param: x, f: func(tp *tensor.Tape) *tensor.Var { return Mean(tp, ReLU(tp, x), 0.7) }, step: 1e-3},
		{name: "msetoconst", param: x, f: func(tp *tensor.Tape) *tensor.Var { return MSEToConst(tp, x, 0.5) }},
		{name: "stack", param: x2, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Stack(tp, x, x2, x)) }},
		{name: "image", param: c, f: func(tp *tensor.Tape) *tensor.Var { return proj(tp, Image(tp, c, 3, 1)) }},
		{name: "weightedsum", param: x, f: func(tp *tensor.Tape) *tensor.Var {
			return WeightedSum(tp, []float32{0.3, -1.2}, MSEToConst(tp, x, 1), byC(tp, Tanh(tp, x)))
		}},
	}
	cases = append(cases, convCases(rng, x)...)
	return append(cases, geometryConvCases(rng, x)...)
}

// convCases are Conv2D's three inputs at the generator's and discriminator's kernel sizes,
// through im2col and, for 3x3 kernels, through Winograd's F(2x2, 3x3).
func convCases(rng *rand.Rand, x *tensor.Var) []fdCase {
	var cases []fdCase
	x8 := tensortest.RandVar(rng, 1, 8, 7, 7)
	batch, batch8 := tensortest.RandVar(rng, 1, 3*2, 9, 9), tensortest.RandVar(rng, 1, 8*2, 7, 7)
	for _, g := range []struct {
		x            *tensor.Var
		o, k, pad, n int
		opt          ConvOptions
	}{
		{x, 4, 3, 1, 1, ConvOptions{}}, {x, 4, 4, 1, 1, ConvOptions{}}, {x, 4, 7, 0, 1, ConvOptions{}}, {x, 4, 1, 0, 1, ConvOptions{}},
		{x8, 8, 3, 1, 1, ConvOptions{WinogradEverywhere: true}}, {x8, 8, 3, 0, 1, ConvOptions{WinogradEverywhere: true}},
		// Batches of two images: whole, in bands of three output rows, and through Winograd.
		{batch, 4, 3, 1, 2, ConvOptions{}}, {batch, 4, 4, 1, 2, ConvOptions{BandFloats: 3 * 16 * 9 * 2 * 3}},
		{batch8, 8, 3, 1, 2, ConvOptions{WinogradEverywhere: true}},
	} {
		w := tensortest.RandVar(rng, 0.3, g.o, g.x.Shape[0]/g.n, g.k, g.k)
		b := tensortest.RandVar(rng, 0.3, g.o)
		conv := func(tp *tensor.Tape) *tensor.Var {
			return tensortest.Project(tp, g.opt.Conv2DBatch(tp, g.x, w, b, g.pad, g.n))
		}
		name := fmt.Sprintf("conv%dpad%d", g.k, g.pad)
		if g.opt.WinogradEverywhere {
			name += "winograd"
		}
		if g.n > 1 {
			name += fmt.Sprintf("batch%d", g.n)
		}
		if g.opt.BandFloats > 0 {
			name += "bands"
		}
		for _, p := range []struct {
			in string
			v  *tensor.Var
		}{{"x", g.x}, {"w", w}, {"b", b}} {
			cases = append(cases, fdCase{name: name + "." + p.in, param: p.v, f: conv})
		}
	}
	return cases
}

// geometryConvCases are Conv2DGeometry's three inputs at DRN's strided and dilated
// geometries: 3x3 stride 2, the 1x1 stride-2 shortcut, 3x3 dilations 2 and 4 (padding
// equal to the dilation), a stride and a dilation together, and a dilated convolution
// split into bands of two output rows.
func geometryConvCases(rng *rand.Rand, x *tensor.Var) []fdCase {
	var cases []fdCase
	for _, g := range []struct {
		o, k int
		geo  ConvGeometry
		band int
	}{
		{4, 3, ConvGeometry{Pad: 1, Stride: 2}, 0}, {4, 1, ConvGeometry{Stride: 2}, 0},
		{4, 3, ConvGeometry{Pad: 2, Dilation: 2}, 0}, {4, 3, ConvGeometry{Pad: 4, Dilation: 4}, 0},
		{4, 3, ConvGeometry{Pad: 1, Stride: 2, Dilation: 2}, 0}, {4, 3, ConvGeometry{Pad: 2, Dilation: 2}, 3 * 9 * 9 * 2},
	} {
		w := tensortest.RandVar(rng, 0.3, g.o, x.Shape[0], g.k, g.k)
		b := tensortest.RandVar(rng, 0.3, g.o)
		opt := ConvOptions{BandFloats: g.band}
		conv := func(tp *tensor.Tape) *tensor.Var {
			return tensortest.Project(tp, opt.Conv2DGeometry(tp, x, w, b, g.geo))
		}
		name := fmt.Sprintf("conv%dpad%dstride%ddil%d", g.k, g.geo.Pad, max(1, g.geo.Stride), max(1, g.geo.Dilation))
		if g.band > 0 {
			name += "bands"
		}
		for _, p := range []struct {
			in string
			v  *tensor.Var
		}{{"x", x}, {"w", w}, {"b", b}} {
			cases = append(cases, fdCase{name: name + "." + p.in, param: p.v, f: conv})
		}
	}
	return cases
}

// unitRows scales each row of v to unit length, as netF's output is.
func unitRows(v *tensor.Var) *tensor.Var {
	d := v.Shape[1]
	for r := 0; r < v.Shape[0]; r++ {
		row := v.Data[r*d : (r+1)*d]
		n := float32(math.Sqrt(float64(dot32(row, row))))
		for i := range row {
			row[i] /= n
		}
	}
	return v
}
