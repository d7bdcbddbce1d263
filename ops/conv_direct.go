package ops

import (
	"sweep/linalg"
	"sweep/tensor"
	"sweep/vec"
)

// A convolution with few output channels, like the generator's 64→3 output layer, is a
// poor matrix product: its im2col columns copy every input value k² times (49 at 7x7) for a
// product of o rows. The direct convolution reads the input in place instead, tap by tap:
//
//	y[o, p] = b[o] + Σ_t W[o, t] · x[t + p],   dW[o, t] += Σ_p dy[o, p] · x[t + p]
//
// where t runs over the kernel's taps (c, ky, kx) as offsets into x. Each output element sums
// its taps in order; each weight gradient over eight partial sums (p mod 8, vec.DotTaps)
// added pairwise. dx goes through the flipped kernel or col2im, as im2col's does. In the
// output layer (crop 64, two images) this takes forward and weight gradient from 30 ms to
// a few (BenchmarkConvLowerings).

// directMaxOut is the most output channels a direct convolution has.
const directMaxOut = 4

// useDirect reports whether a convolution of geometry g into o channels is direct: few
// outputs, stride 1, no dilation and no zero padding, so that every tap reads inside x.
func useDirect(g convGeom, o int) bool { return o <= directMaxOut && g.unit() && g.pad == 0 }

// directConv is the convolution of geometry g (see useDirect) computed directly.
func directConv(t *tensor.Tape, x, w, b *tensor.Var, g convGeom) *tensor.Var {
	o := w.Shape[0]
	y := t.Empty(o*g.imgs, g.ho, g.wo)
	plane := g.ho * g.wo
	fillBias(y.Data, b, o, g.outRow())
	pool := t.Pool()
	w8 := pool.Get(8 * len(w.Data))
	broadcastByTap(w.Data, o, w8)
	offs := g.tapOffsets()
	tensor.ParallelFor(g.imgs*g.ho, len(offs)*o*g.wo, func(r int) {
		img, oy := r/g.ho, r%g.ho
		vec.AddTaps(y.Data[img*plane+oy*g.wo:], g.imgs*plane, o, g.wo, x.Data[(img*g.h+oy)*g.w:], offs, w8)
	})
	pool.Put(w8)
	t.Record(y, directBack{x, w, b.GradOnly(), g, pool}, convInputs(x, w, b)...)
	return y
}

// broadcastByTap writes the kernel w [o][taps] tap by tap, each weight eight times over:
// w8[(t·o+i)·8 + j] = w[i][t], as vec.AddTaps takes it.
func broadcastByTap(w []float32, o int, w8 []float32) {
	taps := len(w) / o
	for i := range o {
		for t, v := range w[i*taps : (i+1)*taps] {
			lanes := w8[(t*o+i)*8:][:8]
			for j := range lanes {
				lanes[j] = v
			}
		}
	}
}

// tapOffsets are the offsets in x of every tap (c, ky, kx) from an output position's
// first-tap input, in the kernel's order: channel c's plane of the first image, row ky,
// column kx.
func (g convGeom) tapOffsets() []int {
	offs := make([]int, 0, g.c*g.k*g.k)
	for c := range g.c {
		for ky := range g.k {
			for kx := range g.k {
				offs = append(offs, c*g.imgs*g.h*g.w+ky*g.w+kx)
			}
		}
	}
	return offs
}

// directBack is the direct convolution's backward pass: db and dx as im2col's, dW directly.
type directBack im2colBack

func (s directBack) Backward(dy []float32) {
	x, w, g := s.x, s.w, s.g
	o, plane := w.Shape[0], g.ho*g.wo
	addBiasGrad(s.b, dy, o, g.outRow())
	if w.NeedsGrad {
		offs, dw := g.tapOffsets(), w.GradBuf()
		taps := len(offs)
		blocks := (taps + directTapBlock - 1) / directTapBlock
		tensor.ParallelFor(blocks, directTapBlock*o*g.imgs*plane, func(blk int) {
			t0, t1 := blk*directTapBlock, min(taps, (blk+1)*directTapBlock)
			var acc [8 * directTapBlock]float32
			for i := range o {
				clear(acc[:])
				for img := range g.imgs {
					at := (i*g.imgs + img) * plane
					vec.DotTaps(acc[:], dy[at:at+plane], g.wo, g.ho, g.wo, x.Data[img*g.h*g.w:], g.w, offs[t0:t1])
				}
				for t := t0; t < t1; t++ {
					dw[i*taps+t] += vec.SumPartials(acc[(t-t0)*8:])
				}
			}
		})
	}
	if x.NeedsGrad {
		g.addInputGrad(s.pool, w, dy, o, x.GradBuf())
	}
}

// directTapBlock is how many taps one parallel piece of the weight gradient takes.
const directTapBlock = 64

// addInputGrad adds dx for the output gradient dy: through the flipped kernel where that
// moves less memory, else through col2im of Wᵀ·dy.
func (g convGeom) addInputGrad(pool *tensor.Pool, w *tensor.Var, dy []float32, o int, dx []float32) {
	if g.flipCheaper(o) {
		wf := pool.Get(len(w.Data))
		flipKernel(w.Data, o, g.c, g.k, wf)
		back := newConvGeom(o, g.ho, g.wo, g.k, g.k-1-g.pad, 1, 1, g.band).batch(g.imgs)
		back.addConv(pool, dy, g.c, wf, dx)
		pool.Put(wf)
		return
	}
	kk, n := g.c*g.k*g.k, g.outRow()
	g.bands(pool, func(r0, r1 int, col []float32) {
		g.products(r0, r1, func(colAt, at, cols, ldcol int) {
			linalg.GemmStrided(true, false, kk, cols, o, 1, w.Data, kk, dy[at:], n, 0, col[colAt:], ldcol)
		})
		col2im(col, g, r0, r1, dx)
	})
}
