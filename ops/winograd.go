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
// layers wide enough for the 16 products to run near the kernel's peak, with products of
// at least 64 columns (tiles of all images) and at least a quarter as many tiles as output
// channels. On smaller maps the kernel outweighs the image, and transforming it costs more
// than the products save. Forward and backward of a 256-channel layer, 2 cores
// (BenchmarkConvLowerings): at 16x16 Winograd takes 4.7 ms against im2col's 5.6 (one image)
// and 7.8 against 10.0 (two); at 8x8 with two images 4.6 against 3.0.
// With WinogradEverywhere, every 3x3 kernel between layers of 8 channels or more does.
func (opt ConvOptions) useWinograd(c, o, k, h, w, pad, imgs int) bool {
	if opt.WinogradEverywhere {
		return k == 3 && c >= 8 && o >= 8
	}
	g := newWinoGeom(c, o, h, w, pad, imgs, 0)
	tiles := g.th * g.tw * imgs
	return k == 3 && c >= 32 && o >= 32 && tiles >= 64 && 4*tiles >= o
}

// winoPlane is the stride between the 16 matrices of a transformed tensor of n elements
// each: one cache line more than n, so that the 16 streams a transform reads or writes at
// once never share a cache set, which they would whenever n is a multiple of 1024.
func winoPlane(n int) int { return n + 16 }

// winoGeom is a 3x3 convolution's geometry in 2x2 output tiles: th x tw tiles cover the
// ho x wo output; the last row or column of tiles may stick out by one. A band's transforms
// take at most band floats. With a batch of imgs images, a transformed matrix holds the
// band's tiles of every image in turn: v[ξ][c][imgs][tiles], m[ξ][o][imgs][tiles].
type winoGeom struct{ c, o, h, w, pad, ho, wo, th, tw, band, imgs int }

func newWinoGeom(c, o, h, w, pad, imgs, band int) winoGeom {
	ho, wo := h+2*pad-2, w+2*pad-2
	return winoGeom{c, o, h, w, pad, ho, wo, (ho + 1) / 2, (wo + 1) / 2, band, imgs}
}

// winoWork is the workspace of one pass, carved out of the tape's scratch buffer: the
// transformed kernel or, in the backward pass once it is done with that, its gradient
// (u: [16][o][c]); the input and output transforms of one band of tile rows
// (v: [16][c][tiles], m: [16][o][tiles]); and the transforms' row buffers.
type winoWork struct{ u, v, m, rows []float32 }

// bandRows is the number of tile rows per band: a band's input and output transforms
// together stay within g.band floats. The bands depend only on the geometry.
func (g winoGeom) bandRows() int { return max(1, g.band/(winoSize*(g.c+g.o)*g.tw*g.imgs)) }

// work returns a workspace and the function that gives it back.
func (g winoGeom) work(pool *tensor.Pool) (winoWork, func()) {
	tiles := min(g.bandRows(), g.th) * g.tw * g.imgs
	sizes := []int{winoSize * winoPlane(g.o*g.c), winoSize * winoPlane(g.c*tiles), winoSize * winoPlane(g.o*tiles), max(g.c, g.o) * g.imgs * g.rowScratch()}
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
	return winoWork{parts[0], parts[1], parts[2], parts[3]}, func() { pool.DoneScratch(buf) }
}

// bands calls f for consecutive bands [r0, r1) of tile rows with the band's slices of the
// workspace's input and output transforms.
func (g winoGeom) bands(w winoWork, f func(r0, r1 int, v, m []float32)) {
	rows := g.bandRows()
	for r0 := 0; r0 < g.th; r0 += rows {
		r1 := min(g.th, r0+rows)
		n := g.bandTiles(r0, r1)
		f(r0, r1, w.v[:winoSize*winoPlane(g.c*n)], w.m[:winoSize*winoPlane(g.o*n)])
	}
}

// bandTiles is the number of tiles of tile rows [r0, r1) over all images: the columns of
// the band's products.
func (g winoGeom) bandTiles(r0, r1 int) int { return (r1 - r0) * g.tw * g.imgs }

// winogradConv is Conv2DBatch for useWinograd's kernels, in bands of at most band floats.
func winogradConv(t *tensor.Tape, x, w, b *tensor.Var, pad, imgs, band int) *tensor.Var {
	g := newWinoGeom(w.Shape[1], w.Shape[0], x.Shape[1], x.Shape[2], pad, imgs, band)
	y := t.Empty(g.o*imgs, g.ho, g.wo)
	ws, done := g.work(t.Pool())
	winoFilter(w.Data, g, ws.u)
	g.bands(ws, func(r0, r1 int, v, m []float32) {
		n := g.bandTiles(r0, r1)
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
	addBiasGrad(s.b, dy, g.o, g.imgs*g.ho*g.wo)
	// dV = Uᵀ·dM runs before dU = dM·Vᵀ, which then takes U's place; over several bands, every
	// band's dV first, then every band's dU, the output adjoint computed again.
	banded := g.bandRows() < g.th
	ws, done := g.work(s.pool)
	defer done()
	if x.NeedsGrad {
		winoFilter(w.Data, g, ws.u)
	}
	if x.NeedsGrad || !banded {
		g.bands(ws, func(r0, r1 int, v, m []float32) {
			n := g.bandTiles(r0, r1)
			winoOutputAdjoint(dy, g, r0, r1, m, ws.rows)
			if x.NeedsGrad {
				linalg.GemmBatch(true, false, g.c, n, g.o, ws.u, m, 0, v, winoSize, winoPlane)
				winoInputAdjoint(v, g, r0, r1, x.GradBuf(), ws.rows)
			}
			if w.NeedsGrad && !banded {
				winoInput(x.Data, g, r0, r1, v, ws.rows)
				linalg.GemmBatch(false, true, g.o, g.c, n, m, v, 0, ws.u, winoSize, winoPlane)
			}
		})
	}
	if !w.NeedsGrad {
		return
	}
	if banded {
		tensor.ClearParallel(ws.u)
		g.bands(ws, func(r0, r1 int, v, m []float32) {
			winoOutputAdjoint(dy, g, r0, r1, m, ws.rows)
			winoInput(x.Data, g, r0, r1, v, ws.rows)
			linalg.GemmBatch(false, true, g.o, g.c, g.bandTiles(r0, r1), m, v, 1, ws.u, winoSize, winoPlane)
		})
	}
	winoFilterAdjoint(ws.u, g, w.GradBuf())
}

// The transforms of a row of tiles and their adjoints are vec's TileBT, TileB, TileAT and TileA.

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

// rowScratch is the per-plane length of the transforms' row buffers: a band's padded input
// rows, two per tile row and two more (four rows, or two output rows of whole tiles, take
// less).
func (g winoGeom) rowScratch() int { return (2*min(g.bandRows(), g.th) + 2) * g.rowWidth() }

// loadRow copies input row iy of one channel plane into row, shifted by pad, with zeros
// outside the image (the whole row when iy is outside).
func (g winoGeom) loadRow(img []float32, iy int, row []float32) {
	if iy < 0 || iy >= g.h {
		clear(row)
		return
	}
	clear(row[:g.pad])
	copy(row[g.pad:g.pad+g.w], img[iy*g.w:(iy+1)*g.w])
	clear(row[g.pad+g.w:])
}

// inputBand returns the input rows of tile rows [r0, r1) and their stride: the plane's own
// rows where they are whole tile rows (no padding, every column and row inside the image),
// else zero-padded copies in rows, each input row copied once.
func (g winoGeom) inputBand(img []float32, r0, r1 int, rows []float32) ([]float32, int) {
	rw, iy0, n := g.rowWidth(), 2*r0-g.pad, 2*(r1-r0)+2
	if g.pad == 0 && g.w == rw && iy0+n <= g.h {
		return img[iy0*g.w:], g.w
	}
	for i := range n {
		g.loadRow(img, iy0+i, rows[i*rw:(i+1)*rw])
	}
	return rows, rw
}

// outputRows reports whether the two output rows from oy on are whole tile rows of the
// plane (even width, both rows inside), which the output transforms then use in place.
func (g winoGeom) outputRows(oy int) bool { return g.wo == 2*g.tw && oy+2 <= g.ho }

// eachChannel calls f for every input plane in parallel with the plane of x, its tiles'
// first column in a transformed matrix of the band's n tiles, and its row scratch.
func (g winoGeom) eachChannel(x, scratch []float32, n int, f func(at int, img, rows []float32)) {
	per := g.rowScratch()
	tensor.ParallelFor(g.c*g.imgs, 16*n/g.imgs, func(p int) {
		f(g.tileAt(p, n), x[p*g.h*g.w:(p+1)*g.h*g.w], scratch[p*per:(p+1)*per])
	})
}

// tileAt is the first column of plane p's tiles in a transformed matrix of a band of n
// tiles over all images: channel p/imgs's row, image p%imgs's run of n/imgs tiles.
func (g winoGeom) tileAt(p, n int) int { return p/g.imgs*n + p%g.imgs*(n/g.imgs) }

// winoInput writes V = Bᵀ d B for every channel and every input tile d of tile rows
// [r0, r1): v[ξ][c][t]. Tile (ti, tj) covers input rows 2ti-pad..2ti-pad+3 and the same
// columns, zero outside the image.
// scratch holds g.rowScratch() floats per plane.
func winoInput(x []float32, g winoGeom, r0, r1 int, v, scratch []float32) {
	n, tw := g.bandTiles(r0, r1), g.tw
	plane := winoPlane(g.c * n)
	g.eachChannel(x, scratch, n, func(at int, img, rows []float32) {
		d, ds := g.inputBand(img, r0, r1, rows)
		for ti := r0; ti < r1; ti++ {
			vec.TileBT(v[at+(ti-r0)*tw:], plane, d[2*(ti-r0)*ds:], ds, tw)
		}
	})
}

// winoInputAdjoint adds B dV Bᵀ, the gradient of every input tile of tile rows [r0, r1),
// onto dx, dropping the positions outside the image.
// scratch holds g.rowScratch() floats per plane.
func winoInputAdjoint(dv []float32, g winoGeom, r0, r1 int, dx, scratch []float32) {
	n, rw, tw := g.bandTiles(r0, r1), g.rowWidth(), g.tw
	plane := winoPlane(g.c * n)
	g.eachChannel(dx, scratch, n, func(at int, img, rows []float32) {
		for ti := r0; ti < r1; ti++ {
			vec.TileB(rows, rw, dv[at+(ti-r0)*tw:], plane, tw)
			for i := range 4 {
				if iy := 2*ti - g.pad + i; iy >= 0 && iy < g.h {
					vec.Add(img[iy*g.w:(iy+1)*g.w], rows[i*rw+g.pad:][:g.w])
				}
			}
		}
	})
}

// winoOutput writes y = Aᵀ M A + b for the 2x2 output tiles of tile rows [r0, r1),
// dropping the positions a last tile sticks out by. scratch holds g.rowScratch() floats per
// output plane.
func winoOutput(m []float32, g winoGeom, r0, r1 int, b *tensor.Var, y, scratch []float32) {
	n, tw := g.bandTiles(r0, r1), g.tw
	plane := winoPlane(g.o * n)
	g.eachOutput(scratch, n, func(pi, at int, rows []float32) {
		out := y[pi*g.ho*g.wo : (pi+1)*g.ho*g.wo]
		var bias float32
		if b != nil {
			bias = b.Data[pi/g.imgs]
		}
		for ti := r0; ti < r1; ti++ {
			oy, tiles := 2*ti, m[at+(ti-r0)*tw:]
			if g.outputRows(oy) {
				vec.TileAT(out[oy*g.wo:], g.wo, tiles, plane, tw, bias)
				continue
			}
			vec.TileAT(rows, 2*tw, tiles, plane, tw, bias)
			for p := range min(2, g.ho-oy) {
				copy(out[(oy+p)*g.wo:(oy+p+1)*g.wo], rows[p*2*tw:])
			}
		}
	})
}

// winoOutputAdjoint writes dM = A dY Aᵀ for the output tiles of tile rows [r0, r1), with the
// positions a last tile sticks out by taken as zero. scratch holds g.rowScratch() floats
// per output plane.
func winoOutputAdjoint(dy []float32, g winoGeom, r0, r1 int, m, scratch []float32) {
	n, tw := g.bandTiles(r0, r1), g.tw
	plane := winoPlane(g.o * n)
	g.eachOutput(scratch, n, func(pi, at int, rows []float32) {
		grad := dy[pi*g.ho*g.wo : (pi+1)*g.ho*g.wo]
		for ti := r0; ti < r1; ti++ {
			oy, tiles := 2*ti, m[at+(ti-r0)*tw:]
			if g.outputRows(oy) {
				vec.TileA(tiles, plane, grad[oy*g.wo:], g.wo, tw)
				continue
			}
			for p := range 2 {
				row := rows[p*2*tw : (p+1)*2*tw]
				clear(row)
				if oy+p < g.ho {
					copy(row, grad[(oy+p)*g.wo:(oy+p+1)*g.wo])
				}
			}
			vec.TileA(tiles, plane, rows, 2*tw, tw)
		}
	})
}

// eachOutput calls f for every output plane in parallel with its tiles' first column in a
// transformed matrix of the band's n tiles and its row scratch.
func (g winoGeom) eachOutput(scratch []float32, n int, f func(plane, at int, rows []float32)) {
	per := g.rowScratch()
	tensor.ParallelFor(g.o*g.imgs, 16*n/g.imgs, func(p int) {
		f(p, g.tileAt(p, n), scratch[p*per:(p+1)*per])
	})
}
