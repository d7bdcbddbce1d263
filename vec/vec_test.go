package vec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// lengths cover empty slices, tails shorter than a vector, whole vectors and long slices.
var lengths = []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 1000, 4099}

// values are floats of both signs, half of them of magnitudes near 1, where the order of
// operations shows in the last bits, the rest from 1e-42 (subnormal) to 1e30, with exact
// zeros of both signs among them.
func values(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(16) {
		case 0:
			s[i] = 0
		case 1:
			s[i] = float32(math.Copysign(0, -1))
		case 2, 3, 4, 5, 6, 7, 8:
			s[i] = float32(rng.NormFloat64())
		default:
			s[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(73)-42)))
		}
	}
	return s
}

func abs(s []float32) []float32 {
	for i, x := range s {
		s[i] = float32(math.Abs(float64(x)))
	}
	return s
}

// sameBits reports the first index where got and want differ in their bits (NaNs of any
// payload count as equal), or -1.
func sameBits(got, want []float32) int {
	for i := range want {
		g, w := got[i], want[i]
		if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
			return i
		}
	}
	return -1
}

// kernelCase runs one kernel, as in use and as plain Go, on the same random inputs of
// length n and returns both results by name.
type kernelCase struct {
	name string
	run  func(rng *rand.Rand, n int) map[string][2][]float32
}

var kernelCases = []kernelCase{
	{"Add", func(rng *rand.Rand, n int) map[string][2][]float32 {
		dst, src := values(rng, n), values(rng, n)
		want := slices.Clone(dst)
		addGo(want, src)
		Add(dst, src)
		return map[string][2][]float32{"dst": {dst, want}}
	}},
	{"Adam", func(rng *rand.Rand, n int) map[string][2][]float32 {
		m, v, p, g := values(rng, n), abs(values(rng, n)), values(rng, n), values(rng, n)
		k := AdamConsts{B1: 0.5, B2: 0.999, C1: 0.5, C2: 1 - float32(0.999), Step: 2e-4 / 0.75, BC2Sqrt: 0.0447, Eps: 1e-8}
		wm, wv, wp := slices.Clone(m), slices.Clone(v), slices.Clone(p)
		adamGo(wm, wv, wp, g, k)
		Adam(m, v, p, g, k)
		return map[string][2][]float32{"m": {m, wm}, "v": {v, wv}, "p": {p, wp}}
	}},
	{"NormAct", func(rng *rand.Rand, n int) map[string][2][]float32 {
		in, mean, invStd, l := values(rng, n), rng.NormFloat64(), rng.ExpFloat64(), randomLeak(rng)
		got, want := make([]float32, n), make([]float32, n)
		normActGo(want, in, mean, invStd, l)
		NormAct(got, in, mean, invStd, l)
		return map[string][2][]float32{"out": {got, want}}
	}},
	{"NormActGrad", func(rng *rand.Rand, n int) map[string][2][]float32 {
		dx, dy, in, l := values(rng, n), values(rng, n), values(rng, n), randomLeak(rng)
		mean, invStd, mg, mgy := rng.NormFloat64(), rng.ExpFloat64(), rng.NormFloat64(), rng.NormFloat64()
		want := slices.Clone(dx)
		normActGradGo(want, dy, in, mean, invStd, mg, mgy, l)
		NormActGrad(dx, dy, in, mean, invStd, mg, mgy, l)
		return map[string][2][]float32{"dx": {dx, want}}
	}},
	tilesCase("TileBT", TileBT, tileBTGo, 16, func(n int) int { return 4 * (2*n + 2) }, 4),
	tilesCase("TileB", TileB, tileBGo, 4, func(n int) int { return 16 * n }, 16),
	tilesCase("TileAT", func(y []float32, ys int, m []float32, ms, n int) { TileAT(y, ys, m, ms, n, 0.37) },
		func(y []float32, ys int, m []float32, ms, n int) { tileATGo(y, ys, m, ms, n, 0.37) }, 2, func(n int) int { return 16 * n }, 16),
	tilesCase("TileA", TileA, tileAGo, 16, func(n int) int { return 2 * (2 * n) }, 2),
	{"AddTaps", func(rng *rand.Rand, wo int) map[string][2][]float32 {
		outs, ys, offs := 1+rng.IntN(4), wo+rng.IntN(3), tapOffsets(rng)
		x, w := values(rng, wo+20), make([]float32, 8*outs*len(offs))
		for i := 0; i < len(w); i += 8 {
			for j, v := 0, values(rng, 1)[0]; j < 8; j++ {
				w[i+j] = v // each weight eight times over
			}
		}
		got := values(rng, outs*ys)
		want := slices.Clone(got)
		AddTaps(got, ys, outs, wo, x, offs, w)
		addTapsGo(want, ys, outs, wo, x, offs, w)
		return map[string][2][]float32{"y": {got, want}}
	}},
	{"DotTaps", func(rng *rand.Rand, wo int) map[string][2][]float32 {
		rows, dys, xs, offs := 1+rng.IntN(3), wo+rng.IntN(3), wo+20+rng.IntN(3), tapOffsets(rng)
		dy, x, got := values(rng, rows*dys), values(rng, rows*xs), values(rng, 8*len(offs))
		want := slices.Clone(got)
		DotTaps(got, dy, dys, rows, wo, x, xs, offs)
		dotTapsGo(want, dy, dys, rows, wo, x, xs, offs)
		return map[string][2][]float32{"acc": {got, want}}
	}},
	{"ExpShifted", func(rng *rand.Rand, n int) map[string][2][]float32 {
		in := logits(rng, n)
		shift := float32(0)
		for _, v := range in {
			shift = max(shift, v)
		}
		got, want := make([]float32, n), make([]float32, n)
		ExpShifted(got, in, shift)
		expShiftedGo(want, in, shift)
		return map[string][2][]float32{"out": {got, want}}
	}},
	{"CopyRows", func(rng *rand.Rand, n int) map[string][2][]float32 {
		rows, stride := 1+rng.IntN(5), n+rng.IntN(4)
		src, got := values(rng, rows*stride), values(rng, rows*n+3)
		want := slices.Clone(got)
		CopyRows(got, src, n, rows, stride)
		copyRowsGo(want, src, n, rows, stride)
		return map[string][2][]float32{"dst": {got, want}}
	}},
	{"AddRows", func(rng *rand.Rand, n int) map[string][2][]float32 {
		rows, stride := 1+rng.IntN(5), n+rng.IntN(4)
		src, got := values(rng, rows*n), values(rng, rows*stride)
		want := slices.Clone(got)
		AddRows(got, stride, src, n, rows)
		addRowsGo(want, stride, src, n, rows)
		return map[string][2][]float32{"dst": {got, want}}
	}},
}

// tilesCase compares a tile kernel with its plain-Go form for n tiles: outRows rows (or
// lanes) of output a few floats longer apart than they need, whose gaps must stay
// untouched, from inRows rows of input (inLen(n) floats in all, plus gaps), of random
// values and of signed zeros.
func tilesCase(name string, inUse, plain tilesKernel, outRows int, inLen func(n int) int, inRows int) kernelCase {
	return kernelCase{name, func(rng *rand.Rand, n int) map[string][2][]float32 {
		is := inLen(n)/inRows + rng.IntN(4)
		os := tileRow(name, n) + 1 + rng.IntN(4)
		out := map[string][2][]float32{}
		for name, in := range map[string][]float32{"out": values(rng, inRows*is), "out from signed zeros": signedZeros(rng, inRows*is)} {
			got := values(rng, outRows*os)
			want := slices.Clone(got)
			inUse(got, os, in, is, n)
			plain(want, os, in, is, n)
			out[name] = [2][]float32{got, want}
		}
		return out
	}}
}

// signedZeros are n random zeros of either sign: sums of zeros are where the order of
// additions, onto +0 or not, shows.
func signedZeros(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		if rng.IntN(2) == 0 {
			s[i] = float32(math.Copysign(0, -1))
		}
	}
	return s
}

// tileRow is the length of one output row (or lane) of a tile kernel for n tiles.
func tileRow(name string, n int) int {
	switch name {
	case "TileB":
		return 2*n + 2
	case "TileAT":
		return 2 * n
	}
	return n
}

// tapOffsets are 1 to 9 taps' offsets in [0, 20), as a small kernel's over a narrow map.
func tapOffsets(rng *rand.Rand) []int {
	offs := make([]int, 1+rng.IntN(9))
	for i := range offs {
		offs[i] = rng.IntN(20)
	}
	return offs
}

// logits are softmax inputs: mostly within tens of the maximum, some past the point where
// the shifted exponential underflows (-104), some at exactly the boundary, and -Inf.
func logits(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch rng.IntN(10) {
		case 0:
			s[i] = float32(-104 - rng.Float64()*1e3)
		case 1:
			s[i] = []float32{-104, -103.99999, float32(math.Inf(-1)), -87.3, -103.3}[rng.IntN(5)]
		default:
			s[i] = float32(rng.NormFloat64() * 20)
		}
	}
	return s
}

// randomLeak is ReLU's, the discriminator's 0.2 or the identity's slope.
func randomLeak(rng *rand.Rand) Leak { return NewLeak([]float32{0, 0.2, 1}[rng.IntN(3)]) }

// TestKernelsMatchPlainGo checks that the loops in use (vector ones in a GOEXPERIMENT=simd
// build on an AVX2 CPU) give the plain-Go loops' bits on every element. A reordering inside
// the float64 arithmetic of the norm kernels moves a float32 result only once in about 2^29
// elements, beyond any test: their vector forms repeat the plain expressions term by term.
func TestKernelsMatchPlainGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range kernelCases {
		for _, n := range lengths {
			for name, pair := range c.run(rng, n) {
				if i := sameBits(pair[0], pair[1]); i >= 0 {
					t.Errorf("%s (%s), n %d: %s[%d] is %g, want %g", c.name, Vectorised(), n, name, i, pair[0][i], pair[1][i])
				}
			}
		}
	}
}

// TestPlaneSumsMatchPlainGo checks that the instance norm's plane sums in use give the
// plain-Go loops' float64 bits, which the kernel table's float32 comparison cannot hold.
func TestPlaneSumsMatchPlainGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range lengths {
		in, dy, l := values(rng, n), values(rng, n), randomLeak(rng)
		mean, invStd := rng.NormFloat64(), rng.ExpFloat64()
		sg, sgy := NormGradSums(dy, in, mean, invStd, l)
		wg, wgy := normGradSumsGo(dy, in, mean, invStd, l)
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"sum", kernels.sum(in), sumGo(in)},
			{"sumSquares", kernels.sumSquares(in, mean), sumSquaresGo(in, mean)},
			{"Σg", sg, wg}, {"Σg·ŷ", sgy, wgy},
		} {
			if math.Float64bits(c.got) != math.Float64bits(c.want) {
				t.Errorf("%s (%s), n %d: %g, want %g", c.name, Vectorised(), n, c.got, c.want)
			}
		}
	}
}

// TestLeakFactor checks the branch-free factor against its definition, signed zeros and
// infinities included.
func TestLeakFactor(t *testing.T) {
	l := NewLeak(0.2)
	for _, c := range []struct{ v, want float32 }{
		{1, 1}, {1e-42, 1}, {float32(math.Inf(1)), 1}, {0, 0.2}, {float32(math.Copysign(0, -1)), 0.2},
		{-1e-42, 0.2}, {-3, 0.2}, {float32(math.Inf(-1)), 0.2},
	} {
		if got := l.Factor(c.v); got != c.want {
			t.Errorf("Factor(%g) = %g, want %g", c.v, got, c.want)
		}
	}
}

// TestAdamStep checks one step of the plain-Go Adam against the formula in float64 on
// values where float32 rounding is far below the tolerance.
func TestAdamStep(t *testing.T) {
	m, v, p, g := []float32{0.1, -0.2}, []float32{0.01, 0.04}, []float32{1, -1}, []float32{0.3, 0.5}
	k := AdamConsts{B1: 0.5, B2: 0.999, C1: 0.5, C2: 0.001, Step: 0.01, BC2Sqrt: 0.5, Eps: 1e-8}
	want := make([]float64, 2)
	for i := range want {
		mi := 0.5*float64(m[i]) + 0.5*float64(g[i])
		vi := 0.999*float64(v[i]) + 0.001*float64(g[i])*float64(g[i])
		want[i] = float64(p[i]) - 0.01*mi/(math.Sqrt(vi)/0.5+1e-8)
	}
	adamGo(m, v, p, g, k)
	for i := range want {
		if math.Abs(float64(p[i])-want[i]) > 1e-6 {
			t.Errorf("p[%d] = %g, want %g", i, p[i], want[i])
		}
	}
}

func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 1 << 15
	m, v, p, g := values(rng, n), abs(values(rng, n)), values(rng, n), values(rng, n)
	k := AdamConsts{B1: 0.5, B2: 0.999, C1: 0.5, C2: 0.001, Step: 1e-4, BC2Sqrt: 0.03, Eps: 1e-8}
	l := NewLeak(0)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"add", func() { Add(m, g) }}, {"add-go", func() { addGo(m, g) }},
		{"adam", func() { Adam(m, v, p, g, k) }}, {"adam-go", func() { adamGo(m, v, p, g, k) }},
		{"normact", func() { NormAct(m, g, 0.1, 1.3, l) }}, {"normact-go", func() { normActGo(m, g, 0.1, 1.3, l) }},
		{"normactgrad", func() { NormActGrad(m, v, g, 0.1, 1.3, 0.2, 0.3, l) }},
		{"normactgrad-go", func() { normActGradGo(m, v, g, 0.1, 1.3, 0.2, 0.3, l) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.f()
			}
			b.SetBytes(int64(4 * n))
		})
	}
}

// TestRows checks CopyRows and AddRows against their definitions on a 3x2 block of a
// stride-4 array.
func TestRows(t *testing.T) {
	strided := []float32{1, 2, -1, -1, 3, 4, -1, -1, 5, 6}
	dst := make([]float32, 6)
	CopyRows(dst, strided, 2, 3, 4)
	if want := []float32{1, 2, 3, 4, 5, 6}; !slices.Equal(dst, want) {
		t.Errorf("CopyRows: %v, want %v", dst, want)
	}
	AddRows(strided, 4, []float32{10, 20, 30, 40, 50, 60}, 2, 3)
	if want := []float32{11, 22, -1, -1, 33, 44, -1, -1, 55, 66}; !slices.Equal(strided, want) {
		t.Errorf("AddRows: %v, want %v", strided, want)
	}
}
