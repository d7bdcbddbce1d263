package ops

import (
	"sync"

	"sweep/linalg"
	"sweep/tensor"
	"sweep/vec"
)

// ConvOptions choose how Conv2D computes, never what it computes: each choice is an exact
// lowering of the same convolution, different only in rounding. The zero value is the
// default.
type ConvOptions struct {
	// WinogradEverywhere sends every 3x3 convolution between layers of 8 channels or more
	// through F(2x2, 3x3), whatever the sizes, so that the golden fixtures (8 to 32 channels
	// on small maps) check it too.
	WinogradEverywhere bool
	// BandFloats bounds the column buffers of one band of output rows (0: DefaultBandFloats).
	BandFloats int
}

// DefaultBandFloats bounds the im2col buffer of one band of output rows (8 MB): a 7x7
// convolution over 64 channels at 256x256 would otherwise need a 3 GB buffer.
const DefaultBandFloats = tensor.MinScratch

func (o ConvOptions) band() int {
	if o.BandFloats > 0 {
		return o.BandFloats
	}
	return DefaultBandFloats
}

// Conv2D is a stride-1 convolution with zero padding pad (at most k-1), lowered to matrix
// products over bands of output rows:
//
//	y[o, p] = b[o] + Σ_k W[o, k] · col[k, p],   col = im2col(x), k = (c, ky, kx), p = (y, x)
//
// Backward: dW += dy colᵀ, db += rowsum(dy), and dx either as col2im(Wᵀ dy) or as the
// convolution of dy, zero-padded by k-1-pad, with the flipped kernel W'[c, o, ky, kx] =
// W[o, c, k-1-ky, k-1-kx]. Both cost the same products; the second gathers O·k² rows of dy
// instead of scattering C·k² rows back, but must copy the kernel first, so it is taken
// where that moves less memory: large maps, few output channels (the generator's 64→3
// output layer: 21 times less traffic), never the discriminator's small deep maps.
// The columns are rebuilt from x band by band in the backward pass instead of being kept:
// im2col costs little beside the products, and memory stays bounded whatever the image size.
// x is [C,H,W], w is [O,C,k,k], b is [O] or nil. 3x3 kernels between wide layers on large
// maps go through Winograd's F(2x2, 3x3) instead (winograd.go), unpadded convolutions into
// few channels through the direct sum (conv_direct.go).
func Conv2D(t *tensor.Tape, x, w, b *tensor.Var, pad int) *tensor.Var {
	return ConvOptions{}.Conv2D(t, x, w, b, pad)
}

// Conv2D is the package's Conv2D computed as o chooses.
func (o ConvOptions) Conv2D(t *tensor.Tape, x, w, b *tensor.Var, pad int) *tensor.Var {
	return o.Conv2DBatch(t, x, w, b, pad, 1)
}

// Conv2DBatch is Conv2D on a batch of n images (see Stack): x is [C·n, H, W] and y
// [O·n, Ho, Wo]. The column matrix holds all n images' columns side by side, so every
// product has n times the columns of one image's and the kernel is packed once for all.
func (o ConvOptions) Conv2DBatch(t *tensor.Tape, x, w, b *tensor.Var, pad, n int) *tensor.Var {
	c, oc, k := w.Shape[1], w.Shape[0], w.Shape[2]
	if n < 1 || x.Shape[0] != c*n {
		panic("ops: Conv2D channel mismatch")
	}
	if pad > k-1 {
		panic("ops: Conv2D padding larger than kernel-1")
	}
	if o.useWinograd(c, oc, k, x.Shape[1], x.Shape[2], pad, n) {
		return winogradConv(t, x, w, b, pad, n, o.band())
	}
	g := newConvGeom(c, x.Shape[1], x.Shape[2], k, pad, 1, 1, o.band()).batch(n)
	if useDirect(g, oc) {
		return directConv(t, x, w, b, g)
	}
	return im2colConv(t, x, w, b, g)
}

// fillBias sets each of the o output rows of y, n long (every image's plane of one channel),
// to its channel's bias, or to zero without one.
func fillBias(y []float32, b *tensor.Var, o, n int) {
	tensor.ParallelFor(o, n, func(oc int) {
		row, v := y[oc*n:(oc+1)*n], float32(0)
		if b != nil {
			v = b.Data[oc]
		}
		for i := range row {
			row[i] = v
		}
	})
}

// addBiasGrad adds to the bias gradient, when one is wanted, the sums of the o output
// gradient rows of dy, n long.
func addBiasGrad(b tensor.GradOf, dy []float32, o, n int) {
	if !b.Wanted() {
		return
	}
	db := b.Buf()
	tensor.ParallelFor(o, n, func(oc int) { db[oc] += sum32(dy[oc*n : (oc+1)*n]) })
}

// convInputs is x, w and, when there is one, b.
func convInputs(x, w, b *tensor.Var) []*tensor.Var {
	if b == nil {
		return []*tensor.Var{x, w}
	}
	return []*tensor.Var{x, w, b}
}

// im2colConv is the convolution of geometry g (Conv2D, or Conv2DGeometry's strided and
// dilated ones) through im2col columns, in bands of at most g.band floats.
func im2colConv(t *tensor.Tape, x, w, b *tensor.Var, g convGeom) *tensor.Var {
	o := w.Shape[0]
	y := t.Empty(o*g.imgs, g.ho, g.wo)
	fillBias(y.Data, b, o, g.outRow())
	g.addConv(t.Pool(), x.Data, o, w.Data, y.Data)
	t.Record(y, im2colBack{x, w, b.GradOnly(), g, t.Pool()}, convInputs(x, w, b)...)
	return y
}

// im2colBack is the convolution's backward pass (see Conv2D), from x and the kernel w.
type im2colBack struct {
	x, w *tensor.Var
	b    tensor.GradOf
	g    convGeom
	pool *tensor.Pool
}

func (s im2colBack) Backward(dy []float32) {
	x, w, g, pool := s.x, s.w, s.g, s.pool
	o := w.Shape[0]
	kk, n := g.c*g.k*g.k, g.outRow()
	addBiasGrad(s.b, dy, o, n)
	if w.NeedsGrad && x.NeedsGrad && !g.flipCheaper(o) && 2*kk*n <= g.band {
		g.gradsSideBySide(pool, x, w, dy, o)
		return
	}
	if w.NeedsGrad {
		g.bands(pool, func(r0, r1 int, col []float32) {
			im2col(x.Data, g, r0, r1, col)
			g.products(r0, r1, func(colAt, at, cols, ldcol int) {
				linalg.GemmStrided(false, true, o, kk, cols, 1, dy[at:], n, col[colAt:], ldcol, 1, w.GradBuf(), kk)
			})
		})
	}
	if x.NeedsGrad {
		g.addInputGrad(pool, w, dy, o, x.GradBuf())
	}
}

// gradsSideBySide adds dW and dx (by col2im) for a convolution whose columns fit twice in
// one band: one copy for each product, both in the tape's scratch buffer.
// The two products are independent, so each runs as one single-threaded kernel call beside
// the other instead of both being split in pieces that would each pack the shared operand.
func (g convGeom) gradsSideBySide(pool *tensor.Pool, x, w *tensor.Var, dy []float32, o int) {
	kk, n := g.c*g.k*g.k, g.outRow()
	cols := pool.Scratch(2 * kk * n)
	colW, colX := cols[:kk*n], cols[kk*n:]
	dw, dx := w.GradBuf(), x.GradBuf()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		im2col(x.Data, g, 0, g.ho, colW)
		linalg.GemmSerial(false, true, o, kk, n, 1, dy, n, colW, n, 1, dw, kk)
	}()
	linalg.GemmSerial(true, false, kk, n, o, 1, w.Data, kk, dy, n, 0, colX, n)
	col2im(colX, g, 0, g.ho, dx)
	wg.Wait()
	pool.DoneScratch(cols)
}

// addConv adds the convolution of x with w ([o, g.c, k, k]) to y, band by band.
func (g convGeom) addConv(pool *tensor.Pool, x []float32, o int, w, y []float32) {
	kk, n := g.c*g.k*g.k, g.outRow()
	g.bands(pool, func(r0, r1 int, col []float32) {
		im2col(x, g, r0, r1, col)
		g.products(r0, r1, func(colAt, at, cols, ldcol int) {
			linalg.GemmStrided(false, false, o, cols, kk, 1, w, kk, col[colAt:], ldcol, 1, y[at:], n)
		})
	})
}

// flipCheaper reports whether dx by the flipped kernel moves less memory than col2im. The
// flip reads and writes the kernel (O·C·k²) and dy's columns (O·k²·H·W); col2im writes
// C·k²·Ho·Wo column entries, reads them back and adds them onto dx. Only a stride-1,
// undilated convolution has that flipped form here; every other goes through col2im.
func (g convGeom) flipCheaper(o int) bool {
	if !g.unit() {
		return false
	}
	kk := g.k * g.k
	return 2*(o*g.c*kk+o*kk*g.h*g.w*g.imgs) < 3*g.c*kk*g.outRow()
}

// col2im is im2col's adjoint: it adds every column entry of rows [r0, r1) back onto the
// input pixel it came from, tap by tap in the order of the column rows.
func col2im(col []float32, g convGeom, r0, r1 int, dx []float32) {
	g.columnTaps(dx, col, r0, r1, func(t colTap) {
		if t.whole() {
			vec.AddRows(t.plane[t.at(t.r0):], g.w, t.rows, g.wo, t.r1-t.r0)
			return
		}
		if t.lo >= t.hi {
			return
		}
		for oy := max(t.r0, t.oyLo); oy < min(t.r1, t.oyHi); oy++ {
			seg, in := t.row(oy), t.input(oy)
			if g.stride == 1 {
				vec.Add(in[t.x0+t.lo:t.x0+t.hi], seg[t.lo:t.hi])
				continue
			}
			for ox := t.lo; ox < t.hi; ox++ {
				in[g.stride*ox+t.x0] += seg[ox]
			}
		}
	})
}

// flipKernel writes wf[c, o, ky, kx] = w[o, c, k-1-ky, k-1-kx]. It is a transpose of the
// [o][c] blocks, done flipBlock input channels at a time so that both the reads and the
// flipBlock output streams stay in the L1 cache.
func flipKernel(w []float32, o, c, k int, wf []float32) {
	kk := k * k
	tensor.ParallelFor((c+flipBlock-1)/flipBlock, flipBlock*o*kk, func(blk int) {
		c0, c1 := blk*flipBlock, min(c, (blk+1)*flipBlock)
		for oc := range o {
			for ci := c0; ci < c1; ci++ {
				src, dst := w[(oc*c+ci)*kk:(oc*c+ci+1)*kk], wf[(ci*o+oc)*kk:(ci*o+oc+1)*kk]
				for q, v := range src {
					dst[len(dst)-1-q] = v
				}
			}
		}
	})
}

const flipBlock = 32

// convGeom is the geometry of one convolution: c input channels of h x w, a k x k kernel
// with zero padding pad, stride and dilation, giving ho x wo outputs, computed in bands of
// at most band column floats, for a batch of imgs images. A band's column matrix holds,
// for each row (c, ky, kx), the band's columns of every image in turn: [c·k²][imgs][nb].
type convGeom struct{ c, h, w, k, pad, stride, dil, ho, wo, band, imgs int }

// newConvGeom is the geometry of a convolution, its output size as PyTorch's Conv2d has it:
//
//	ho = ⌊(h + 2·pad - dil·(k-1) - 1) / stride⌋ + 1   (wo likewise)
//
// which for stride 1 and dilation 1 is h + 2·pad - k + 1.
func newConvGeom(c, h, w, k, pad, stride, dil, band int) convGeom {
	span := dil*(k-1) + 1
	ho, wo := (h+2*pad-span)/stride+1, (w+2*pad-span)/stride+1
	if h+2*pad < span || w+2*pad < span {
		ho, wo = 0, 0 // the kernel does not fit: no outputs (Go's division rounds toward 0)
	}
	return convGeom{c: c, h: h, w: w, k: k, pad: pad, stride: stride, dil: dil, ho: ho, wo: wo, band: band, imgs: 1}
}

// batch is g for a batch of n images.
func (g convGeom) batch(n int) convGeom {
	g.imgs = n
	return g
}

// outRow is the length of an output channel's row of a product: every image's plane.
func (g convGeom) outRow() int { return g.imgs * g.ho * g.wo }

// products calls f for the matrix products of a band of output rows [r0, r1): one over all
// images' columns when the band covers the whole map, else one per image. colAt is the
// product's first column in the band's column matrix (row stride ldcol) and at its first
// column in an output channel's row (outRow long); cols is its width.
func (g convGeom) products(r0, r1 int, f func(colAt, at, cols, ldcol int)) {
	nb, plane := (r1-r0)*g.wo, g.ho*g.wo
	if nb == plane {
		f(0, 0, g.imgs*nb, g.imgs*nb)
		return
	}
	for i := range g.imgs {
		f(i*nb, i*plane+r0*g.wo, nb, g.imgs*nb)
	}
}

// unit reports whether the convolution has stride 1 and dilation 1.
func (g convGeom) unit() bool { return g.stride == 1 && g.dil == 1 }

// bands calls f for consecutive bands [r0, r1) of output rows whose im2col columns fit in
// g.band floats, with a column buffer of that band's size from pool. The bands depend only on the
// geometry, so results do not depend on anything else.
func (g convGeom) bands(pool *tensor.Pool, f func(r0, r1 int, col []float32)) {
	if g.ho <= 0 || g.wo <= 0 {
		return
	}
	kk := g.c * g.k * g.k * g.imgs
	rows := max(1, g.band/(kk*g.wo))
	col := pool.Scratch(kk * min(rows, g.ho) * g.wo)
	defer pool.DoneScratch(col)
	for r0 := 0; r0 < g.ho; r0 += rows {
		r1 := min(g.ho, r0+rows)
		f(r0, r1, col[:kk*(r1-r0)*g.wo])
	}
}

// im2col writes the columns of output rows [r0, r1), with s the stride and d the dilation:
// col[(c·k+ky)·k+kx, (oy-r0)·wo+ox] = x[c, s·oy+d·ky-pad, s·ox+d·kx-pad] (0 outside).
func im2col(x []float32, g convGeom, r0, r1 int, col []float32) {
	g.columnTaps(x, col, r0, r1, func(t colTap) {
		if t.whole() {
			vec.CopyRows(t.rows, t.plane[t.at(t.r0):], g.wo, t.r1-t.r0, g.w)
			return
		}
		for oy := t.r0; oy < t.r1; oy++ {
			seg := t.row(oy)
			if oy < t.oyLo || oy >= t.oyHi || t.lo >= t.hi {
				clear(seg)
				continue
			}
			in := t.input(oy)
			clear(seg[:t.lo])
			if g.stride == 1 {
				copy(seg[t.lo:t.hi], in[t.x0+t.lo:])
			} else {
				for ox := t.lo; ox < t.hi; ox++ {
					seg[ox] = in[g.stride*ox+t.x0]
				}
			}
			clear(seg[t.hi:])
		}
	})
}

// colTap is one kernel tap (c, ky, kx) of the column matrix of output rows [r0, r1): its
// rows, the input plane they read, the output rows [oyLo, oyHi) whose input row
// stride·oy + iy0 lies inside the image, and the output columns [lo, hi) whose input column
// stride·ox + x0 does.
type colTap struct {
	rows, plane           []float32
	r0, r1, wo, w, stride int
	iy0, oyLo, oyHi       int
	x0, lo, hi            int
}

// row is the tap's column row of output row oy.
func (t colTap) row(oy int) []float32 { return t.rows[(oy-t.r0)*t.wo:][:t.wo] }

// whole reports whether every row of [r0, r1) reads a whole run of wo input floats (stride
// 1, no padding in the way): then the tap is one strided block of the plane, from at(r0).
func (t colTap) whole() bool {
	return t.stride == 1 && t.lo == 0 && t.hi == t.wo && t.oyLo <= t.r0 && t.r1 <= t.oyHi
}

// rowAt is the offset in the plane of the input row that output row oy reads.
func (t colTap) rowAt(oy int) int { return (t.stride*oy + t.iy0) * t.w }

// at is the offset in the plane of the input float that output (oy, 0) reads; with no
// padding in the way (whole) it lies inside the plane.
func (t colTap) at(oy int) int { return t.rowAt(oy) + t.x0 }

// input is the input row that output row oy reads (oy in [oyLo, oyHi)).
func (t colTap) input(oy int) []float32 { return t.plane[t.rowAt(oy):][:t.w] }

// columnTaps calls f, in parallel over input planes, for every tap of the column matrix of
// output rows [r0, r1) in the column rows' order, with x the input (or its gradient).
func (g convGeom) columnTaps(x, col []float32, r0, r1 int, f func(t colTap)) {
	if r1 <= r0 || g.wo <= 0 {
		return // no output rows (the kernel may not even fit the map): no columns
	}
	nb := (r1 - r0) * g.wo
	tensor.ParallelFor(g.c*g.imgs, g.k*g.k*nb, func(p int) {
		ci, img := p/g.imgs, p%g.imgs
		t := colTap{plane: x[p*g.h*g.w : (p+1)*g.h*g.w], r0: r0, r1: r1, wo: g.wo, w: g.w, stride: g.stride}
		for ky := 0; ky < g.k; ky++ {
			t.iy0 = g.dil*ky - g.pad
			t.oyLo, t.oyHi = validRange(t.iy0, g.stride, g.h, g.ho)
			for kx := 0; kx < g.k; kx++ {
				t.rows = col[((((ci*g.k+ky)*g.k+kx)*g.imgs)+img)*nb:][:nb]
				t.x0 = g.dil*kx - g.pad
				t.lo, t.hi = validRange(t.x0, g.stride, g.w, g.wo)
				f(t)
			}
		}
	})
}

// validRange is the range of output columns ox whose input column s·ox + x0 lies in
// [0, w), clipped to [0, wo]: lo = ⌈-x0/s⌉ and hi = ⌊(w-1-x0)/s⌋ + 1 (lo ≥ hi when none
// does). For s = 1 this is [max(0, -x0), w - x0).
func validRange(x0, s, w, wo int) (lo, hi int) {
	if x0 < 0 {
		lo = (-x0 + s - 1) / s
	}
	if x0 < w {
		hi = (w-1-x0)/s + 1
	}
	return min(lo, wo), max(min(hi, wo), 0)
}

func sum32(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x
	}
	return s
}
