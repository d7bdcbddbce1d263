package core

import "sweep/core/linalg"

// Conv2D is a stride-1 convolution with zero padding pad, lowered to one matrix product:
//
//	y[o, p] = b[o] + sum_k W[o, k] * col[k, p],   col = im2col(x), k = (c, ky, kx), p = (y, x)
//
// Backward: dW += dy * colᵀ, db += rowsum(dy), dx = col2im(Wᵀ * dy). The columns are
// rebuilt from x in the backward pass instead of being kept: im2col costs little beside the
// products, and the tape then holds no k²-times-larger copy of every conv input.
// x is [C,H,W], w is [O,C,k,k], b is [O] or nil.
func Conv2D(t *Tape, x, w, b *Var, pad int) *Var {
	c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2]
	o, k := w.Shape[0], w.Shape[2]
	if w.Shape[1] != c {
		panic("core: Conv2D channel mismatch")
	}
	ho, wo := h+2*pad-k+1, wd+2*pad-k+1
	kk, n := c*k*k, ho*wo
	col := make([]float32, kk*n)
	im2col(x.Data, c, h, wd, k, pad, ho, wo, col)
	y := Zeros(o, ho, wo)
	if b != nil {
		for oc := 0; oc < o; oc++ {
			row := y.Data[oc*n : (oc+1)*n]
			for i := range row {
				row[i] = b.Data[oc]
			}
		}
	}
	linalg.Gemm(false, false, o, n, kk, 1, w.Data, col, 1, y.Data)
	inputs := []*Var{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	y.NeedsGrad = t.record(func() {
		dy := y.Grad
		if dy == nil {
			return
		}
		if w.NeedsGrad {
			col := make([]float32, kk*n)
			im2col(x.Data, c, h, wd, k, pad, ho, wo, col)
			linalg.Gemm(false, true, o, kk, n, 1, dy, col, 1, w.grad())
		}
		if b != nil && b.NeedsGrad {
			db := b.grad()
			for oc := 0; oc < o; oc++ {
				db[oc] += sum32(dy[oc*n : (oc+1)*n])
			}
		}
		if x.NeedsGrad {
			dcol := make([]float32, kk*n)
			linalg.Gemm(true, false, kk, n, o, 1, w.Data, dy, 0, dcol)
			col2im(dcol, c, h, wd, k, pad, ho, wo, x.grad())
		}
	}, inputs...)
	return y
}

// im2col writes col[(c*k+ky)*k+kx, oy*wo+ox] = x[c, oy+ky-pad, ox+kx-pad] (0 outside).
func im2col(x []float32, c, h, w, k, pad, ho, wo int, col []float32) {
	parallelFor(c, k*k*ho*wo, func(ci int) {
		plane := x[ci*h*w : (ci+1)*h*w]
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				dst := col[((ci*k+ky)*k+kx)*ho*wo:]
				lo, hi := validRange(kx, pad, w, wo)
				for oy := 0; oy < ho; oy++ {
					row := dst[oy*wo : (oy+1)*wo]
					iy := oy + ky - pad
					if iy < 0 || iy >= h || lo >= hi {
						clear(row)
						continue
					}
					clear(row[:lo])
					copy(row[lo:hi], plane[iy*w+lo+kx-pad:])
					clear(row[hi:])
				}
			}
		}
	})
}

// validRange is the range of output columns ox whose input column ox+kx-pad lies in [0, w).
func validRange(kx, pad, w, wo int) (lo, hi int) {
	return min(max(0, pad-kx), wo), max(min(wo, w+pad-kx), 0)
}

// col2im is im2col's adjoint: it adds every column entry back onto the input pixel it came from.
func col2im(col []float32, c, h, w, k, pad, ho, wo int, dx []float32) {
	parallelFor(c, k*k*ho*wo, func(ci int) {
		plane := dx[ci*h*w : (ci+1)*h*w]
		for ky := 0; ky < k; ky++ {
			for kx := 0; kx < k; kx++ {
				src := col[((ci*k+ky)*k+kx)*ho*wo:]
				lo, hi := validRange(kx, pad, w, wo)
				for oy := 0; oy < ho; oy++ {
					iy := oy + ky - pad
					if iy < 0 || iy >= h || lo >= hi {
						continue
					}
					addTo(plane[iy*w+lo+kx-pad:iy*w+hi+kx-pad], src[oy*wo+lo:oy*wo+hi])
				}
			}
		}
	})
}

func sum32(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x
	}
	return s
}
