package ops

import (
	"sweep/linalg"
	"sweep/tensor"
	"sweep/vec"
)

// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016) computes each 2x2 block of a 3x3 convolution's output from a 4x4
// input tile with 16 multiplications instead of 36:
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
//	Bᵀ = ⎡1  0 -1  0⎤   G = ⎡ 1    0    0 ⎤   Aᵀ = ⎡1 1  1  0⎤
//	     ⎢0  1  1  0⎥       ⎢1/2  1/2  1/2⎥        ⎣0 1 -1 -1⎦
//	     ⎢0 -1  1  0⎥       ⎢1/2 -1/2  1/2⎥
//	     ⎣0  1  0 -1⎦       ⎣ 0    0    1 ⎦
//
// Over channels the elementwise product becomes 16 independent matrix products, one per
// transformed position ξ: M[ξ] = U[ξ]·V[ξ] with U[ξ] = (G g Gᵀ)[ξ] as [O,C] and V[ξ] =
// (Bᵀ d B)[ξ] as [C,tiles]. The backward pass runs the adjoints of the same linear maps,
//
//	dM = A dY Aᵀ,  dU[ξ] = dM[ξ]·V[ξ]ᵀ,  dV[ξ] = U[ξ]ᵀ·dM[ξ],  dg = Gᵀ dU G,  dd = B dV Bᵀ,
//
// so it is the exact gradient of what the forward pass computes, and the products of all
// three passes shrink by 2.25x. Every 2-D transform is separable: a 1-D transform along the
// rows of a tile, then along its columns.

// winoSize is the number of transformed positions ξ of a 4x4 tile.
const winoSize = 16

// useWinograd reports whether a convolution goes through F(2x2, 3x3): 3x3 kernels between
// layers wide enough for the 16 products to run near the kernel's peak, on maps with at
// least as many tiles as output channels. On smaller maps the kernel outweighs the image,
// and transforming it (three times per pass) costs more than the products save: at 16x16
// with 256 channels F(2x2, 3x3) is 15% slower than im2col, at 32x32 35% faster.
// With WinogradEverywhere, every 3x3 kernel between layers of 8 channels or more does.
func (opt ConvOptions) useWinograd(c, o, k, h, w, pad int) bool {
	if opt.WinogradEverywhere {
		return k == 3 && c >= 8 && o >= 8
	}
	g := newWinoGeom(c, o, h, w, pad, 0)
	return k == 3 && c >= 32 && o >= 32 && g.th*g.tw >= o
}

// winoPlane is the stride between the 16 matrices of a transformed tensor of n elements
// each: one cache line more than n, so that the 16 streams a transform reads or writes at
// once never share a cache set, which they would whenever n is a multiple of 1024.
func winoPlane(n int) int { return n + 16 }

// winoGeom is a 3x3 convolution's geometry in 2x2 output tiles: th x tw tiles cover the
// ho x wo output; the last row or column of tiles may stick out by one. A band's transforms
// take at most band floats.
type winoGeom struct{ c, o, h, w, pad, ho, wo, th, tw, band int }

func newWinoGeom(c, o, h, w, pad, band int) winoGeom {
	ho, wo := h+2*pad-2, w+2*pad-2
	return winoGeom{c, o, h, w, pad, ho, wo, (ho + 1) / 2, (wo + 1) / 2, band}
}

// winoWork is the workspace of one pass, carved out of the tape's scratch buffer: the
// transformed kernel and, for the weight gradient, its gradient (u, du: [16][o][c]); the
// input and output transforms of one band of tile rows (v: [16][c][tiles], m:
// [16][o][tiles]); and the row buffers of the input transforms.
type winoWork struct{ u, du, v, m, rows []float32 }

// bandRows is the number of tile rows per band: a band's input and output transforms
// together stay within g.band floats. The bands depend only on the geometry.
func (g winoGeom) bandRows() int { return max(1, g.band/(winoSize*(g.c+g.o)*g.tw)) }

// rowScratch is the per-channel length of the input transforms' row buffers: four padded
// input rows and their row transforms.
func (g winoGeom) rowScratch() int { return 4*g.rowWidth() + 16*g.tw }

// work returns a workspace with kernels transformed-kernel buffers (1 or 2) and the function
// that gives it back.
func (g winoGeom) work(pool *tensor.Pool, kernels int) (winoWork, func()) {
	tiles := min(g.bandRows(), g.th) * g.tw
	sizes := []int{winoSize * winoPlane(g.o*g.c), 0, winoSize * winoPlane(g.c*tiles), winoSize * winoPlane(g.o*tiles), max(g.c, g.o) * g.rowScratch()}
	if kernels == 2 {
		sizes[1] = sizes[0]
	}
	total := 0
	for _, n := range sizes {
		total += n
	}
	buf := pool.Scratch(total)
	parts := make([][]float32, len(sizes))
	rest := buf
	for i, n := range sizes {
		parts[i], rest = rest[:n:n], rest[n:]
	}
	return winoWork{parts[0], parts[1], parts[2], parts[3], parts[4]}, func() { pool.DoneScratch(buf) }
}

// bands calls f for consecutive bands [r0, r1) of tile rows with the band's slices of the
// workspace's input and output transforms.
func (g winoGeom) bands(w winoWork, f func(r0, r1 int, v, m []float32)) {
	rows := g.bandRows()
	for r0 := 0; r0 < g.th; r0 += rows {
		r1 := min(g.th, r0+rows)
		n := (r1 - r0) * g.tw
		f(r0, r1, w.v[:winoSize*winoPlane(g.c*n)], w.m[:winoSize*winoPlane(g.o*n)])
	}
}

// winogradConv is Conv2D for useWinograd's kernels, in bands of at most band floats.
func winogradConv(t *tensor.Tape, x, w, b *tensor.Var, pad, band int) *tensor.Var {
	g := newWinoGeom(x.Shape[0], w.Shape[0], x.Shape[1], x.Shape[2], pad, band)
	y := t.Empty(g.o, g.ho, g.wo)
	ws, done := g.work(t.Pool(), 1)
	winoFilter(w.Data, g, ws.u)
	g.bands(ws, func(r0, r1 int, v, m []float32) {
		n := (r1 - r0) * g.tw
		winoInput(x.Data, g, r0, r1, v, ws.rows)
		linalg.GemmBatch(false, false, g.o, n, g.c, ws.u, v, 0, m, winoSize, winoPlane)
		winoOutput(m, g, r0, r1, b, y.Data, ws.rows)
	})
	done()
	t.Record(y, winogradBack{x, w, b.GradOnly(), g, t.Pool()}, convInputs(x, w, b)...)
	return y
}

// winogradBack adds the convolution's gradients for the output gradient dy, from x and the
// kernel w, through the adjoint transforms.
type winogradBack struct {
	x, w *tensor.Var
	b    tensor.GradOf
	g    winoGeom
	pool *tensor.Pool
}

func (s winogradBack) Backward(dy []float32) {
	x, w, g := s.x, s.w, s.g
	if s.b.Wanted() {
		db, n := s.b.Buf(), g.ho*g.wo
		tensor.ParallelFor(g.o, n, func(oc int) { db[oc] += sum32(dy[oc*n : (oc+1)*n]) })
	}
	ws, done := g.work(s.pool, 2)
	defer done()
	if x.NeedsGrad {
		winoFilter(w.Data, g, ws.u)
	}
	if w.NeedsGrad {
		tensor.ClearParallel(ws.du)
	}
	g.bands(ws, func(r0, r1 int, v, m []float32) {
		n := (r1 - r0) * g.tw
		winoOutputAdjoint(dy, g, r0, r1, m, ws.rows)
		if w.NeedsGrad {
			winoInput(x.Data, g, r0, r1, v, ws.rows)
			linalg.GemmBatch(false, true, g.o, g.c, n, m, v, 1, ws.du, winoSize, winoPlane)
		}
		if x.NeedsGrad {
			linalg.GemmBatch(true, false, g.c, n, g.o, ws.u, m, 0, v, winoSize, winoPlane)
			winoInputAdjoint(v, g, r0, r1, x.GradBuf(), ws.rows)
		}
	})
	if w.NeedsGrad {
		winoFilterAdjoint(ws.du, g, w.GradBuf())
	}
}

// The 1-D transforms and their adjoints are vec's BT, B, AT and A (and their lane forms).

// gt is G·g.
func gt(g0, g1, g2 float32) (float32, float32, float32, float32) {
	return g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2
}

// filterTransform is G ⊗ G as a 16x9 matrix: U[ξ=(i,j)] = Σ G[i][a]·G[j][b]·g[a][b].
var filterTransform = func() (t [winoSize * 9]float32) {
	for tap := range 9 {
		var col [3]float32 // G applied to the unit kernel's column: one tap at a time
		a, b := tap/3, tap%3
		col[a] = 1
		var gi, gj [4]float32
		gi[0], gi[1], gi[2], gi[3] = gt(col[0], col[1], col[2])
		var row [3]float32
		row[b] = 1
		gj[0], gj[1], gj[2], gj[3] = gt(row[0], row[1], row[2])
		for i := range 4 {
			for j := range 4 {
				t[(i*4+j)*9+tap] = gi[i] * gj[j]
			}
		}
	}
	return t
}()

// winoFilter writes U = G g Gᵀ for every (output, input) channel pair: u[ξ][o·c]. The
// transform is linear in the nine taps, so all pairs go through one matrix product.
func winoFilter(w []float32, g winoGeom, u []float32) {
	pairs := g.o * g.c
	linalg.GemmStrided(false, true, winoSize, pairs, 9, 1, filterTransform[:], 9, w, 9, 0, u, winoPlane(pairs))
}

// winoFilterAdjoint adds Gᵀ dU G to the 3x3 kernel gradients: the transposed product.
func winoFilterAdjoint(du []float32, g winoGeom, dw []float32) {
	pairs := g.o * g.c
	linalg.GemmStrided(true, false, pairs, 9, winoSize, 1, du, winoPlane(pairs), filterTransform[:], 9, 1, dw, 9)
}

// rowWidth is the length of a zero-padded input row covering every tile column.
func (g winoGeom) rowWidth() int { return 2*g.tw + 2 }

// loadRow copies input row iy of one channel plane into row, shifted by pad, with zeros
// outside the image (the whole row when iy is outside).
func (g winoGeom) loadRow(img []float32, iy int, row []float32) {
	clear(row)
	if iy >= 0 && iy < g.h {
		copy(row[g.pad:g.pad+g.w], img[iy*g.w:(iy+1)*g.w])
	}
}

// eachChannel calls f for every input channel in parallel with that channel's plane of x
// and its scratch: four padded input rows and their row transforms (see lane). n is the
// band's tile count, for the cost estimate.
func (g winoGeom) eachChannel(x, scratch []float32, n int, f func(ci int, img, rows, r []float32)) {
	rw, per := g.rowWidth(), g.rowScratch()
	tensor.ParallelFor(g.c, 16*n, func(ci int) {
		s := scratch[ci*per : (ci+1)*per]
		f(ci, x[ci*g.h*g.w:(ci+1)*g.h*g.w], s[:4*rw], s[4*rw:])
	})
}

// winoInput writes V = Bᵀ d B for every channel and every input tile d of tile rows
// [r0, r1): v[ξ][c][t]. Tile (ti, tj) covers input rows 2ti-pad..2ti-pad+3 and the same
// columns, zero outside the image.
// scratch holds g.rowScratch() floats per channel.
func winoInput(x []float32, g winoGeom, r0, r1 int, v, scratch []float32) {
	n, rw, tw := (r1-r0)*g.tw, g.rowWidth(), g.tw
	plane := winoPlane(g.c * n)
	g.eachChannel(x, scratch, n, func(ci int, img, rows, r []float32) {
		for ti := r0; ti < r1; ti++ {
			for i := range 4 { // Bᵀ along each of the tile row's 4 input rows
				row := rows[i*rw : (i+1)*rw]
				g.loadRow(img, 2*ti-g.pad+i, row)
				q0, q1, q2, q3 := lane(r, 4*i, tw), lane(r, 4*i+1, tw), lane(r, 4*i+2, tw), lane(r, 4*i+3, tw)
				for tj := range q0 {
					d := row[2*tj : 2*tj+4 : 2*tj+4]
					q0[tj], q1[tj], q2[tj], q3[tj] = vec.BT(d[0], d[1], d[2], d[3])
				}
			}
			base := ci*n + (ti-r0)*tw
			for b := range 4 { // Bᵀ along the columns
				vec.BTLanes(v[b*plane+base:], 4*plane, r[b*tw:], 4*tw, tw)
			}
		}
	})
}

// lane is the k-th run of tw floats of s: the transforms keep row i's b-th transformed
// column of every tile, r[i][b][tj], as lane 4i+b.
func lane(s []float32, k, tw int) []float32 { return s[k*tw:][:tw] }

// winoInputAdjoint adds B dV Bᵀ, the gradient of every input tile of tile rows [r0, r1),
// onto dx, dropping the positions outside the image.
// scratch holds g.rowScratch() floats per channel.
func winoInputAdjoint(dv []float32, g winoGeom, r0, r1 int, dx, scratch []float32) {
	n, rw, tw := (r1-r0)*g.tw, g.rowWidth(), g.tw
	plane := winoPlane(g.c * n)
	g.eachChannel(dx, scratch, n, func(ci int, img, rows, r []float32) {
		for ti := r0; ti < r1; ti++ {
			base := ci*n + (ti-r0)*tw
			for b := range 4 { // B along the columns
				vec.BLanes(r[b*tw:], 4*tw, dv[b*plane+base:], 4*plane, tw)
			}
			clear(rows)
			for i := range 4 { // B along the rows, tiles overlapping by two columns
				row := rows[i*rw : (i+1)*rw]
				q0, q1, q2, q3 := lane(r, 4*i, tw), lane(r, 4*i+1, tw), lane(r, 4*i+2, tw), lane(r, 4*i+3, tw)
				for tj := range q0 {
					d0, d1, d2, d3 := vec.B(q0[tj], q1[tj], q2[tj], q3[tj])
					d := row[2*tj : 2*tj+4 : 2*tj+4]
					d[0] += d0
					d[1] += d1
					d[2] += d2
					d[3] += d3
				}
				if iy := 2*ti - g.pad + i; iy >= 0 && iy < g.h {
					vec.Add(img[iy*g.w:(iy+1)*g.w], row[g.pad:g.pad+g.w])
				}
			}
		}
	})
}

// winoOutput writes y = Aᵀ M A + b for the 2x2 output tiles of tile rows [r0, r1),
// dropping the positions a last tile sticks out by. scratch holds g.rowScratch() floats per
// output channel.
func winoOutput(m []float32, g winoGeom, r0, r1 int, b *tensor.Var, y, scratch []float32) {
	n, tw := (r1-r0)*g.tw, g.tw
	plane := winoPlane(g.o * n)
	g.eachOutput(scratch, n, func(oc int, s, row []float32) {
		out := y[oc*g.ho*g.wo : (oc+1)*g.ho*g.wo]
		var bias float32
		if b != nil {
			bias = b.Data[oc]
		}
		for ti := r0; ti < r1; ti++ {
			base := oc*n + (ti-r0)*tw
			for j := range 4 { // Aᵀ along the columns: s[p][j] is lane 4p+j
				vec.ATLanes(s[j*tw:], 4*tw, m[j*plane+base:], 4*plane, tw)
			}
			for p := range min(2, g.ho-2*ti) { // Aᵀ along the rows
				q0, q1, q2, q3 := lane(s, 4*p, tw), lane(s, 4*p+1, tw), lane(s, 4*p+2, tw), lane(s, 4*p+3, tw)
				for tj := range q0 {
					pair := row[2*tj : 2*tj+2 : 2*tj+2]
					y0, y1 := vec.AT(q0[tj], q1[tj], q2[tj], q3[tj])
					pair[0], pair[1] = y0+bias, y1+bias
				}
				oy := 2*ti + p
				copy(out[oy*g.wo:(oy+1)*g.wo], row)
			}
		}
	})
}

// winoOutputAdjoint writes dM = A dY Aᵀ for the output tiles of tile rows [r0, r1), with the
// positions a last tile sticks out by taken as zero. scratch holds g.rowScratch() floats
// per output channel.
func winoOutputAdjoint(dy []float32, g winoGeom, r0, r1 int, m, scratch []float32) {
	n, tw := (r1-r0)*g.tw, g.tw
	plane := winoPlane(g.o * n)
	g.eachOutput(scratch, n, func(oc int, s, row []float32) {
		grad := dy[oc*g.ho*g.wo : (oc+1)*g.ho*g.wo]
		for ti := r0; ti < r1; ti++ {
			for p := range 2 { // A along the rows: s[p][j] is lane 4p+j
				clear(row)
				if oy := 2*ti + p; oy < g.ho {
					copy(row, grad[oy*g.wo:(oy+1)*g.wo])
				}
				q0, q1, q2, q3 := lane(s, 4*p, tw), lane(s, 4*p+1, tw), lane(s, 4*p+2, tw), lane(s, 4*p+3, tw)
				for tj := range q0 {
					pair := row[2*tj : 2*tj+2 : 2*tj+2]
					q0[tj], q1[tj], q2[tj], q3[tj] = vec.A(pair[0], pair[1])
				}
			}
			base := oc*n + (ti-r0)*tw
			for j := range 4 { // A along the columns
				vec.ALanes(m[j*plane+base:], 4*plane, s[j*tw:], 4*tw, tw)
			}
		}
	})
}

// eachOutput calls f for every output channel in parallel with that channel's scratch: the
// eight lanes s[p][j] of a tile row's half-transformed outputs, and one output row padded to
// whole tiles. n is the band's tile count, for the cost estimate.
func (g winoGeom) eachOutput(scratch []float32, n int, f func(oc int, s, row []float32)) {
	per := g.rowScratch()
	tensor.ParallelFor(g.o, 16*n, func(oc int) {
		sc := scratch[oc*per : (oc+1)*per]
		f(oc, sc[:8*g.tw], sc[8*g.tw:10*g.tw])
	})
}
