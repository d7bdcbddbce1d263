//go:build goexperiment.simd

package vec

import (
	"math"
	"simd/archsimd"
	"unsafe"
)

func init() {
	if archsimd.X86.AVX2() {
		kernels.add, kernels.adam = addX8, adamX8
		kernels.normAct, kernels.normActGrad = normActX4, normActGradX4
		kernels.btLanes, kernels.bLanes, kernels.atLanes, kernels.aLanes = btLanesX8, bLanesX8, atLanesX8, aLanesX8
		kernels.copyRows, kernels.addRows = copyRowsX8, addRowsX8
		kernels.expShifted = expShiftedX4
		vectorised = "avx2"
	}
}

// Every kernel ends its vector loop with VZEROUPPER (ClearAVXUpperBits): Go moves slices
// and spills registers with SSE instructions, which stall behind dirty upper halves of the
// AVX registers (5-10x slower lane transforms on AMD Zen 3 without it).

// lanes is the width of a vector of float32s; the tail of a slice shorter than that runs
// through the plain-Go loop.
const lanes = 8

func load(s []float32) archsimd.Float32x8 { return archsimd.LoadFloat32x8Slice(s) }

func splat(x float32) archsimd.Float32x8 { return archsimd.BroadcastFloat32x8(x) }

func addX8(dst, src []float32) {
	n := len(src) &^ (lanes - 1)
	for i := 0; i < n; i += lanes {
		load(dst[i:]).Add(load(src[i:])).StoreSlice(dst[i:])
	}
	archsimd.ClearAVXUpperBits()
	addGo(dst[n:], src[n:])
}

func adamX8(m, v, p, g []float32, k AdamConsts) {
	n := len(g) &^ (lanes - 1)
	b1, b2, c1, c2 := splat(k.B1), splat(k.B2), splat(k.C1), splat(k.C2)
	step, bc2, eps := splat(k.Step), splat(k.BC2Sqrt), splat(k.Eps)
	for i := 0; i < n; i += lanes {
		gi := load(g[i:])
		mi := load(m[i:]).Mul(b1).Add(c1.Mul(gi))
		vi := load(v[i:]).Mul(b2).Add(c2.Mul(gi).Mul(gi))
		mi.StoreSlice(m[i:])
		vi.StoreSlice(v[i:])
		denom := vi.Sqrt().Div(bc2).Add(eps)
		load(p[i:]).Sub(step.Mul(mi.Div(denom))).StoreSlice(p[i:])
	}
	archsimd.ClearAVXUpperBits()
	adamGo(m[n:], v[n:], p[n:], g[n:], k)
}

// leak4 is a Leak's two factors in four lanes each, made once per loop: rebuilt inside it,
// Go moves the slope in with an SSE instruction that stalls the vector code around it.
type leak4 struct{ one, slope archsimd.Float32x4 }

func (l Leak) x4() leak4 {
	return leak4{archsimd.BroadcastFloat32x4(1), archsimd.BroadcastFloat32x4(math.Float32frombits(l.slope))}
}

// factor is Leak.Factor on four lanes: 1 where v's bits are positive as an integer, the
// slope elsewhere.
func (l leak4) factor(v archsimd.Float32x4) archsimd.Float32x4 {
	return l.one.Merge(l.slope, v.AsInt32x4().Greater(archsimd.Int32x4{}))
}

// normalised is ŷ = float32((x - mean)·invStd) on four lanes.
func normalised(x archsimd.Float32x4, mean, invStd archsimd.Float64x4) archsimd.Float32x4 {
	return x.ConvertToFloat64().Sub(mean).Mul(invStd).ConvertToFloat32()
}

func normActX4(out, in []float32, mean, invStd float64, l Leak) {
	n := len(in) &^ 3
	mu, is, l4 := archsimd.BroadcastFloat64x4(mean), archsimd.BroadcastFloat64x4(invStd), l.x4()
	for i := 0; i < n; i += 4 {
		yh := normalised(archsimd.LoadFloat32x4Slice(in[i:]), mu, is)
		yh.Mul(l4.factor(yh)).StoreSlice(out[i:])
	}
	archsimd.ClearAVXUpperBits()
	normActGo(out[n:], in[n:], mean, invStd, l)
}

func normActGradX4(dx, dy, in []float32, mean, invStd, mg, mgy float64, l Leak) {
	n := len(in) &^ 3
	mu, is := archsimd.BroadcastFloat64x4(mean), archsimd.BroadcastFloat64x4(invStd)
	mgv, mgyv, l4 := archsimd.BroadcastFloat64x4(mg), archsimd.BroadcastFloat64x4(mgy), l.x4()
	for i := 0; i < n; i += 4 {
		yh32 := normalised(archsimd.LoadFloat32x4Slice(in[i:]), mu, is)
		g := archsimd.LoadFloat32x4Slice(dy[i:]).ConvertToFloat64().Mul(l4.factor(yh32).ConvertToFloat64())
		r := g.Sub(mgv).Sub(yh32.ConvertToFloat64().Mul(mgyv)).Mul(is).ConvertToFloat32()
		archsimd.LoadFloat32x4Slice(dx[i:]).Add(r).StoreSlice(dx[i:])
	}
	archsimd.ClearAVXUpperBits()
	normActGradGo(dx[n:], dy[n:], in[n:], mean, invStd, mg, mgy, l)
}

// neg is -x, a flip of the sign bit as Go's unary minus does it.
func neg(x archsimd.Float32x8) archsimd.Float32x8 {
	return x.AsInt32x8().Xor(archsimd.BroadcastInt32x8(math.MinInt32)).AsFloat32x8()
}

func btLanesX8(o []float32, os int, d []float32, ds, n int) {
	v := n &^ (lanes - 1)
	for j := 0; j < v; j += lanes {
		d0, d1, d2, d3 := load(d[j:]), load(d[ds+j:]), load(d[2*ds+j:]), load(d[3*ds+j:])
		d0.Sub(d2).StoreSlice(o[j:])
		d1.Add(d2).StoreSlice(o[os+j:])
		d2.Sub(d1).StoreSlice(o[2*os+j:])
		d1.Sub(d3).StoreSlice(o[3*os+j:])
	}
	archsimd.ClearAVXUpperBits()
	btLanesGo(o[v:], os, d[v:], ds, n-v)
}

func bLanesX8(o []float32, os int, vs []float32, ss, n int) {
	v := n &^ (lanes - 1)
	for j := 0; j < v; j += lanes {
		v0, v1, v2, v3 := load(vs[j:]), load(vs[ss+j:]), load(vs[2*ss+j:]), load(vs[3*ss+j:])
		v0.StoreSlice(o[j:])
		v1.Sub(v2).Add(v3).StoreSlice(o[os+j:])
		v1.Add(v2).Sub(v0).StoreSlice(o[2*os+j:])
		neg(v3).StoreSlice(o[3*os+j:])
	}
	archsimd.ClearAVXUpperBits()
	bLanesGo(o[v:], os, vs[v:], ss, n-v)
}

func atLanesX8(o []float32, os int, m []float32, ms, n int) {
	v := n &^ (lanes - 1)
	for j := 0; j < v; j += lanes {
		m0, m1, m2, m3 := load(m[j:]), load(m[ms+j:]), load(m[2*ms+j:]), load(m[3*ms+j:])
		m0.Add(m1).Add(m2).StoreSlice(o[j:])
		m1.Sub(m2).Sub(m3).StoreSlice(o[os+j:])
	}
	archsimd.ClearAVXUpperBits()
	atLanesGo(o[v:], os, m[v:], ms, n-v)
}

func aLanesX8(o []float32, os int, y []float32, ys, n int) {
	v := n &^ (lanes - 1)
	for j := 0; j < v; j += lanes {
		y0, y1 := load(y[j:]), load(y[ys+j:])
		y0.StoreSlice(o[j:])
		y0.Add(y1).StoreSlice(o[os+j:])
		y0.Sub(y1).StoreSlice(o[2*os+j:])
		neg(y1).StoreSlice(o[3*os+j:])
	}
	archsimd.ClearAVXUpperBits()
	aLanesGo(o[v:], os, y[v:], ys, n-v)
}

// The row kernels do every row's whole vectors first and the tails after VZEROUPPER: a
// scalar tail between two rows' vectors would run SSE code amid dirty AVX registers. They
// address the rows by pointer: slicing every row of a 16-float run costs more than moving it.
// CopyRows and AddRows have checked that dst and src hold every row.

func copyRowsX8(dst, src []float32, n, rows, stride int) {
	v := n &^ (lanes - 1)
	if v > 0 {
		d, s := unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0])
		for r := range rows {
			for j := 0; j < v; j += lanes {
				archsimd.LoadFloat32x8(at(s, r*stride+j)).Store(at(d, r*n+j))
			}
		}
		archsimd.ClearAVXUpperBits()
	}
	if v < n {
		copyRowsStrided(dst[v:], src[v:], n-v, rows, n, stride)
	}
}

func addRowsX8(dst []float32, stride int, src []float32, n, rows int) {
	v := n &^ (lanes - 1)
	if v > 0 {
		d, s := unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0])
		for r := range rows {
			for j := 0; j < v; j += lanes {
				dj := at(d, r*stride+j)
				archsimd.LoadFloat32x8(dj).Add(archsimd.LoadFloat32x8(at(s, r*n+j))).Store(dj)
			}
		}
		archsimd.ClearAVXUpperBits()
	}
	if v < n {
		addRowsStrided(dst[v:], stride, src[v:], n-v, rows, n)
	}
}

// at is the 8 floats from float j on at p; j+8 must lie within p's slice, so that no
// pointer ever points past its allocation (the garbage collector and checkptr forbid it).
func at(p unsafe.Pointer, j int) *[8]float32 { return (*[8]float32)(unsafe.Add(p, 4*j)) }

// expShiftedX4 is ExpNonPositive on four lanes, operation for operation: k = ⌊x·log₂e + ½⌋,
// r = x - k·ln 2, the degree-7 Horner polynomial, and k added to the float64 exponent, with
// int64(k) read off the bits of k + 1.5·2⁵² (exact for |k| < 2⁵¹); lanes below -104 give 0.
func expShiftedX4(out, in []float32, shift float32) {
	n := len(in) &^ 3
	sh, limit := archsimd.BroadcastFloat32x4(shift), archsimd.BroadcastFloat32x4(-104)
	log2e, half, ln2 := archsimd.BroadcastFloat64x4(math.Log2E), archsimd.BroadcastFloat64x4(0.5), archsimd.BroadcastFloat64x4(math.Ln2)
	magic := archsimd.BroadcastFloat64x4(0x1.8p52)
	var coef [8]archsimd.Float64x4 // 1, 1, 1/2, ..., 1/5040: the Taylor coefficients
	for i, c := range [8]float64{1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040} {
		coef[i] = archsimd.BroadcastFloat64x4(c)
	}
	for i := 0; i < n; i += 4 {
		x := archsimd.LoadFloat32x4Slice(in[i:]).Sub(sh)
		xd := x.ConvertToFloat64()
		k := xd.Mul(log2e).Add(half).Floor()
		r := xd.Sub(k.Mul(ln2))
		p := r.Mul(coef[7])
		for j := 6; j >= 1; j-- {
			p = r.Mul(coef[j].Add(p))
		}
		p = coef[0].Add(p)
		scale := k.Add(magic).AsUint64x4().Sub(magic.AsUint64x4()).ShiftAllLeft(52)
		e := p.AsUint64x4().Add(scale).AsFloat64x4().ConvertToFloat32()
		archsimd.Float32x4{}.Merge(e, x.Less(limit)).StoreSlice(out[i:])
	}
	archsimd.ClearAVXUpperBits()
	expShiftedGo(out[n:], in[n:], shift)
}
