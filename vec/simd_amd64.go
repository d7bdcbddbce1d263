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
		kernels.tileBT, kernels.tileB, kernels.tileAT, kernels.tileA = tileBTX8, tileBX8, tileATX8, tileAX8
		kernels.copyRows, kernels.addRows = copyRowsX8, addRowsX8
		kernels.expShifted = expShiftedX4
		kernels.sum, kernels.sumSquares, kernels.normGradSums = sumX8, sumSquaresX8, normGradSumsX8
		kernels.addTaps, kernels.dotTaps = addTapsX8, dotTapsX8
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

func load4(s []float32) archsimd.Float32x4 { return archsimd.LoadFloat32x4Slice(s) }

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
		yh := normalised(load4(in[i:]), mu, is)
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
		yh32 := normalised(load4(in[i:]), mu, is)
		g := load4(dy[i:]).ConvertToFloat64().Mul(l4.factor(yh32).ConvertToFloat64())
		r := g.Sub(mgv).Sub(yh32.ConvertToFloat64().Mul(mgyv)).Mul(is).ConvertToFloat32()
		load4(dx[i:]).Add(r).StoreSlice(dx[i:])
	}
	archsimd.ClearAVXUpperBits()
	normActGradGo(dx[n:], dy[n:], in[n:], mean, invStd, mg, mgy, l)
}

// neg is -x, a flip of the sign bit as Go's unary minus does it.
func neg(x archsimd.Float32x8) archsimd.Float32x8 {
	return x.AsInt32x8().Xor(archsimd.BroadcastInt32x8(math.MinInt32)).AsFloat32x8()
}

// The tile kernels do eight tiles at a time; within a tile row the 1-D transform along
// the rows needs the rows' even and odd columns apart, which VPERMPS and VPERM2F128 give.

var (
	splitIndices = [8]uint32{0, 2, 4, 6, 1, 3, 5, 7}
	zipIndices   = [8]uint32{0, 4, 1, 5, 2, 6, 3, 7}
	rotIndices   = [8]uint32{7, 0, 1, 2, 3, 4, 5, 6}
	laneNumbers  = [8]int32{0, 1, 2, 3, 4, 5, 6, 7}
)

// deinterleave splits the 16 floats a, b into their even and their odd elements.
func deinterleave(a, b archsimd.Float32x8, split archsimd.Uint32x8) (even, odd archsimd.Float32x8) {
	a, b = a.Permute(split), b.Permute(split) // a0 a2 a4 a6 a1 a3 a5 a7
	return a.Select128FromPair(0, 2, b), a.Select128FromPair(1, 3, b)
}

// interleave is deinterleave's inverse: the 16 floats even[0], odd[0], even[1], ...
func interleave(even, odd archsimd.Float32x8, zip archsimd.Uint32x8) (a, b archsimd.Float32x8) {
	lo, hi := even.Select128FromPair(0, 2, odd), even.Select128FromPair(1, 3, odd) // e0..e3 o0..o3
	return lo.Permute(zip), hi.Permute(zip)
}

// The tile kernels keep their vectors in named variables: an array of vectors is zeroed
// and copied with SSE moves, which stall amid the vector code.

type x8 = archsimd.Float32x8

// btRow is Bᵀ along a tile row's input row r for eight tiles: d0..d3 are r's columns 2j,
// 2j+1, 2j+2 and 2j+3 of tile j.
func btRow(r []float32, split archsimd.Uint32x8) (q0, q1, q2, q3 x8) {
	e, o := deinterleave(load(r), load(r[8:]), split)
	e1, o1 := deinterleave(load(r[2:]), load(r[10:]), split)
	return e.Sub(e1), o.Add(e1), e1.Sub(o), o.Sub(o1)
}

// btColumn stores Bᵀ down column b of eight tiles into lanes b, 4+b, 8+b and 12+b of v.
func btColumn(v []float32, vs int, q0, q1, q2, q3 x8) {
	q0.Sub(q2).StoreSlice(v)
	q1.Add(q2).StoreSlice(v[4*vs:])
	q2.Sub(q1).StoreSlice(v[8*vs:])
	q1.Sub(q3).StoreSlice(v[12*vs:])
}

func tileBTX8(v []float32, vs int, d []float32, ds, n int) {
	c := n &^ (lanes - 1)
	if c > 0 {
		split := archsimd.LoadUint32x8(&splitIndices)
		for j := 0; j < c; j += lanes {
			a0, a1, a2, a3 := btRow(d[2*j:], split)
			b0, b1, b2, b3 := btRow(d[ds+2*j:], split)
			c0, c1, c2, c3 := btRow(d[2*ds+2*j:], split)
			d0, d1, d2, d3 := btRow(d[3*ds+2*j:], split)
			btColumn(v[j:], vs, a0, b0, c0, d0)
			btColumn(v[vs+j:], vs, a1, b1, c1, d1)
			btColumn(v[2*vs+j:], vs, a2, b2, c2, d2)
			btColumn(v[3*vs+j:], vs, a3, b3, c3, d3)
		}
		archsimd.ClearAVXUpperBits()
	}
	tileBTGo(v[c:], vs, d[2*c:], ds, n-c)
}

// bColumn is B down column b of eight tiles, from lanes b, 4+b, 8+b and 12+b of v.
func bColumn(v []float32, vs int) (q0, q1, q2, q3 x8) {
	v0, v1, v2, v3 := load(v), load(v[4*vs:]), load(v[8*vs:]), load(v[12*vs:])
	return v0, v1.Sub(v2).Add(v3), v1.Add(v2).Sub(v0), neg(v3)
}

// tileBRow is the carry of B along one row of tiles: it stores the row's 16 columns of
// eight tiles, even ones (0 + d2 of the tile before) + d0 and odd ones (0 + d3 of the tile
// before) + d1, which are the sums tileBGo's additions onto zero make, in order. d2 and d3
// come rotated one lane on, the last tile's in lane 0; before are the previous eight
// tiles' (zero for the first).
type tileBRow struct{ d2, d3 x8 }

func (before tileBRow) store(r []float32, s0, s1, s2, s3 x8, k tileBConsts) tileBRow {
	now := tileBRow{s1.Add(s2).Sub(s0).Permute(k.rot), neg(s3).Permute(k.rot)}
	var zero x8
	even := zero.Add(now.d2.Merge(before.d2, k.notFirst)).Add(s0)
	odd := zero.Add(now.d3.Merge(before.d3, k.notFirst)).Add(s1.Sub(s2).Add(s3))
	a, b := interleave(even, odd, k.zip)
	a.StoreSlice(r)
	b.StoreSlice(r[8:])
	return now
}

// last stores, in lane 0 of even and odd, what the last tile adds onto zero at columns 2n
// and 2n+1.
func (before tileBRow) last(even, odd *[8]float32) {
	var zero x8
	zero.Add(before.d2).Store(even)
	zero.Add(before.d3).Store(odd)
}

type tileBConsts struct {
	zip, rot archsimd.Uint32x8
	notFirst archsimd.Mask32x8
}

func tileBX8(d []float32, ds int, v []float32, vs, n int) {
	c := n &^ (lanes - 1)
	for i := range 4 {
		clear(d[i*ds+2*c:][:2*(n-c)+2])
	}
	if c == 0 {
		addTileB(d, ds, v, vs, n)
		return
	}
	k := tileBConsts{archsimd.LoadUint32x8(&zipIndices), archsimd.LoadUint32x8(&rotIndices),
		archsimd.LoadInt32x8(&laneNumbers).Greater(archsimd.Int32x8{})}
	var tails [8][8]float32 // zeroed here, before any vector code: Go zeroes with SSE moves
	var r0, r1, r2, r3 tileBRow
	for j := 0; j < c; j += lanes {
		a0, b0, c0, e0 := bColumn(v[j:], vs)
		a1, b1, c1, e1 := bColumn(v[vs+j:], vs)
		a2, b2, c2, e2 := bColumn(v[2*vs+j:], vs)
		a3, b3, c3, e3 := bColumn(v[3*vs+j:], vs)
		r0 = r0.store(d[2*j:], a0, a1, a2, a3, k)
		r1 = r1.store(d[ds+2*j:], b0, b1, b2, b3, k)
		r2 = r2.store(d[2*ds+2*j:], c0, c1, c2, c3, k)
		r3 = r3.store(d[3*ds+2*j:], e0, e1, e2, e3, k)
	}
	r0.last(&tails[0], &tails[1])
	r1.last(&tails[2], &tails[3])
	r2.last(&tails[4], &tails[5])
	r3.last(&tails[6], &tails[7])
	archsimd.ClearAVXUpperBits()
	for i := range 4 {
		d[i*ds+2*c], d[i*ds+2*c+1] = tails[2*i][0], tails[2*i+1][0]
	}
	addTileB(d[2*c:], ds, v[c:], vs, n-c)
}

// atColumn is Aᵀ down column b of eight tiles, from lanes b, 4+b, 8+b and 12+b of m.
func atColumn(m []float32, ms int) (s0, s1 x8) {
	m0, m1, m2, m3 := load(m), load(m[4*ms:]), load(m[8*ms:]), load(m[12*ms:])
	return m0.Add(m1).Add(m2), m1.Sub(m2).Sub(m3)
}

// atRow stores Aᵀ along an output row of eight tiles plus the bias: 16 columns of y.
func atRow(y []float32, s0, s1, s2, s3, bias x8, zip archsimd.Uint32x8) {
	a, b := interleave(s0.Add(s1).Add(s2).Add(bias), s1.Sub(s2).Sub(s3).Add(bias), zip)
	a.StoreSlice(y)
	b.StoreSlice(y[8:])
}

func tileATX8(y []float32, ys int, m []float32, ms, n int, bias float32) {
	c := n &^ (lanes - 1)
	if c > 0 {
		zip, bv := archsimd.LoadUint32x8(&zipIndices), splat(bias)
		for j := 0; j < c; j += lanes {
			p0, q0 := atColumn(m[j:], ms)
			p1, q1 := atColumn(m[ms+j:], ms)
			p2, q2 := atColumn(m[2*ms+j:], ms)
			p3, q3 := atColumn(m[3*ms+j:], ms)
			atRow(y[2*j:], p0, p1, p2, p3, bv, zip)
			atRow(y[ys+2*j:], q0, q1, q2, q3, bv, zip)
		}
		archsimd.ClearAVXUpperBits()
	}
	tileATGo(y[2*c:], ys, m[c:], ms, n-c, bias)
}

// aRow is A along an output-gradient row of eight tiles.
func aRow(y []float32, split archsimd.Uint32x8) (s0, s1, s2, s3 x8) {
	y0, y1 := deinterleave(load(y), load(y[8:]), split)
	return y0, y0.Add(y1), y0.Sub(y1), neg(y1)
}

// aColumn stores A down column b of eight tiles into lanes b, 4+b, 8+b and 12+b of m.
func aColumn(m []float32, ms int, s0, s1 x8) {
	s0.StoreSlice(m)
	s0.Add(s1).StoreSlice(m[4*ms:])
	s0.Sub(s1).StoreSlice(m[8*ms:])
	neg(s1).StoreSlice(m[12*ms:])
}

func tileAX8(m []float32, ms int, y []float32, ys, n int) {
	c := n &^ (lanes - 1)
	if c > 0 {
		split := archsimd.LoadUint32x8(&splitIndices)
		for j := 0; j < c; j += lanes {
			p0, p1, p2, p3 := aRow(y[2*j:], split)
			q0, q1, q2, q3 := aRow(y[ys+2*j:], split)
			aColumn(m[j:], ms, p0, q0)
			aColumn(m[ms+j:], ms, p1, q1)
			aColumn(m[2*ms+j:], ms, p2, q2)
			aColumn(m[3*ms+j:], ms, p3, q3)
		}
		archsimd.ClearAVXUpperBits()
	}
	tileAGo(m[c:], ms, y[2*c:], ys, n-c)
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
		x := load4(in[i:]).Sub(sh)
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

// The plane sums keep partial sums 0-3 in one vector and 4-7 in another, adding eight
// float32s at a time, widened to float64 four by four. They load four floats at a time:
// taking the halves of eight loaded at once (VEXTRACTF128) made the gradient sums 20x slower.

// partials are the two vectors' partial sums.
func partials(s *partialSums, lo, hi archsimd.Float64x4) {
	lo.Store((*[4]float64)(s[:4]))
	hi.Store((*[4]float64)(s[4:]))
}

func sumX8(v []float32) float64 {
	var s partialSums
	n := len(v) &^ (lanes - 1)
	var lo, hi archsimd.Float64x4
	for i := 0; i < n; i += lanes {
		lo = lo.Add(load4(v[i:]).ConvertToFloat64())
		hi = hi.Add(load4(v[i+4:]).ConvertToFloat64())
	}
	partials(&s, lo, hi)
	archsimd.ClearAVXUpperBits()
	addSums(&s, v[n:], n)
	return s.total()
}

func sumSquaresX8(v []float32, mean float64) float64 {
	var s partialSums
	n := len(v) &^ (lanes - 1)
	mu := archsimd.BroadcastFloat64x4(mean)
	var lo, hi archsimd.Float64x4
	for i := 0; i < n; i += lanes {
		dl, dh := load4(v[i:]).ConvertToFloat64().Sub(mu), load4(v[i+4:]).ConvertToFloat64().Sub(mu)
		lo, hi = lo.Add(dl.Mul(dl)), hi.Add(dh.Mul(dh))
	}
	partials(&s, lo, hi)
	archsimd.ClearAVXUpperBits()
	addSquares(&s, v[n:], n, mean)
	return s.total()
}

func normGradSumsX8(dy, in []float32, mean, invStd float64, l Leak) (sg, sgy float64) {
	var g, gy partialSums
	n := len(in) &^ (lanes - 1)
	mu, is, l4 := archsimd.BroadcastFloat64x4(mean), archsimd.BroadcastFloat64x4(invStd), l.x4()
	var gLo, gHi, gyLo, gyHi archsimd.Float64x4
	for i := 0; i < n; i += lanes {
		a, ay := gradTerms(load4(in[i:]), load4(dy[i:]), mu, is, l4)
		b, by := gradTerms(load4(in[i+4:]), load4(dy[i+4:]), mu, is, l4)
		gLo, gyLo, gHi, gyHi = gLo.Add(a), gyLo.Add(ay), gHi.Add(b), gyHi.Add(by)
	}
	partials(&g, gLo, gHi)
	partials(&gy, gyLo, gyHi)
	archsimd.ClearAVXUpperBits()
	addGradSums(&g, &gy, dy[n:], in[n:], n, mean, invStd, l)
	return g.total(), gy.total()
}

// gradTerms are g and g·ŷ of four elements of x with gradients d.
func gradTerms(x, d archsimd.Float32x4, mu, is archsimd.Float64x4, l4 leak4) (g, gy archsimd.Float64x4) {
	yh32 := normalised(x, mu, is)
	g = d.ConvertToFloat64().Mul(l4.factor(yh32).ConvertToFloat64())
	return g, g.Mul(yh32.ConvertToFloat64())
}

// The direct convolution's kernels keep four independent sums in flight, four vectors of
// an output row or four taps, so that the additions' latency does not bound them.

func addTapsX8(y []float32, ys, n, wo int, x []float32, offs []int, w []float32) {
	v := wo &^ (lanes - 1)
	if v > 0 {
		for i := range n {
			row := y[i*ys:][:v]
			p := 0
			for ; p+4*lanes <= v; p += 4 * lanes {
				a0, a1, a2, a3 := load(row[p:]), load(row[p+8:]), load(row[p+16:]), load(row[p+24:])
				for t, off := range offs {
					wt, in := load(w[(t*n+i)*8:]), x[off+p:][:4*lanes]
					a0 = a0.Add(wt.Mul(load(in)))
					a1 = a1.Add(wt.Mul(load(in[8:])))
					a2 = a2.Add(wt.Mul(load(in[16:])))
					a3 = a3.Add(wt.Mul(load(in[24:])))
				}
				a0.StoreSlice(row[p:])
				a1.StoreSlice(row[p+8:])
				a2.StoreSlice(row[p+16:])
				a3.StoreSlice(row[p+24:])
			}
			for ; p < v; p += lanes {
				a := load(row[p:])
				for t, off := range offs {
					a = a.Add(load(w[(t*n+i)*8:]).Mul(load(x[off+p:])))
				}
				a.StoreSlice(row[p:])
			}
		}
		archsimd.ClearAVXUpperBits()
	}
	if v < wo {
		addTapsGo(y[v:], ys, n, wo-v, x[v:], offs, w)
	}
}

func dotTapsX8(acc, dy []float32, dys, rows, wo int, x []float32, xs int, offs []int) {
	v := wo &^ (lanes - 1)
	if v > 0 {
		t := 0
		for ; t+4 <= len(offs); t += 4 {
			o0, o1, o2, o3 := offs[t], offs[t+1], offs[t+2], offs[t+3]
			a := acc[t*8:][:32]
			a0, a1, a2, a3 := load(a), load(a[8:]), load(a[16:]), load(a[24:])
			for r := range rows {
				d, in := dy[r*dys:][:v], x[r*xs:]
				for p := 0; p < v; p += lanes {
					dp := load(d[p:])
					a0 = a0.Add(dp.Mul(load(in[o0+p:])))
					a1 = a1.Add(dp.Mul(load(in[o1+p:])))
					a2 = a2.Add(dp.Mul(load(in[o2+p:])))
					a3 = a3.Add(dp.Mul(load(in[o3+p:])))
				}
			}
			a0.StoreSlice(a)
			a1.StoreSlice(a[8:])
			a2.StoreSlice(a[16:])
			a3.StoreSlice(a[24:])
		}
		for ; t < len(offs); t++ {
			a := load(acc[t*8:])
			for r := range rows {
				d, in := dy[r*dys:][:v], x[r*xs+offs[t]:]
				for p := 0; p < v; p += lanes {
					a = a.Add(load(d[p:]).Mul(load(in[p:])))
				}
			}
			a.StoreSlice(acc[t*8:])
		}
		archsimd.ClearAVXUpperBits()
	}
	if v < wo {
		dotTapsFrom(acc, dy, dys, rows, v, wo, x, xs, offs)
	}
}
