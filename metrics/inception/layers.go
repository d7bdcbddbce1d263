package inception

import (
	"math"

	"sweep/linalg"
)

// fmap is one image's feature map, channel-major (CHW).
type fmap struct {
	c, h, w int
	d       []float32
}

func newFmap(c, h, w int) fmap { return fmap{c, h, w, make([]float32, c*h*w)} }

// matmul sets c (m×n) to a (m×k) times b (k×n), all row-major. Every convolution goes
// through here, so a faster SGEMM can replace this one function.
func matmul(m, n, k int, a, b, c []float32) {
	linalg.Gemm(false, false, m, n, k, 1, a, b, 0, c)
}

// conv is a BasicConv2d: convolution without bias, batch norm, ReLU. The batch norm is
// folded into w and b at load time.
type conv struct {
	cin, cout, kh, kw, sh, sw, ph, pw int
	w                                 []float32 // cout × (cin·kh·kw)
	b                                 []float32 // cout
}

func (c *conv) outSize(h, w int) (int, int) {
	return (h+2*c.ph-c.kh)/c.sh + 1, (w+2*c.pw-c.kw)/c.sw + 1
}

// forward computes relu(w * x + b) by im2col and one matrix product.
func (c *conv) forward(x fmap) fmap {
	oh, ow := c.outSize(x.h, x.w)
	out := newFmap(c.cout, oh, ow)
	cols := x.d
	if c.kh != 1 || c.kw != 1 || c.sh != 1 || c.sw != 1 || c.ph != 0 || c.pw != 0 {
		cols = c.im2col(x, oh, ow)
	}
	matmul(c.cout, oh*ow, c.cin*c.kh*c.kw, c.w, cols, out.d)
	n := oh * ow
	for o := range c.cout {
		row, b := out.d[o*n:(o+1)*n], c.b[o]
		for i, v := range row {
			row[i] = max(v+b, 0)
		}
	}
	return out
}

// im2col lays out the receptive fields of x as a (cin·kh·kw) × (oh·ow) matrix, with
// zeros where a field leaves the (zero-padded) input.
func (c *conv) im2col(x fmap, oh, ow int) []float32 {
	cols := make([]float32, c.cin*c.kh*c.kw*oh*ow)
	row := 0
	for ci := range c.cin {
		plane := x.d[ci*x.h*x.w : (ci+1)*x.h*x.w]
		for ky := range c.kh {
			for kx := range c.kw {
				dst := cols[row*oh*ow : (row+1)*oh*ow]
				c.fillRow(dst, plane, x.h, x.w, ky, kx, oh, ow)
				row++
			}
		}
	}
	return cols
}

func (c *conv) fillRow(dst, plane []float32, h, w, ky, kx, oh, ow int) {
	for oy := range oh {
		iy := oy*c.sh - c.ph + ky
		if iy < 0 || iy >= h {
			continue // dst is already zero
		}
		src, out := plane[iy*w:(iy+1)*w], dst[oy*ow:(oy+1)*ow]
		for ox := range ow {
			if ix := ox*c.sw - c.pw + kx; ix >= 0 && ix < w {
				out[ox] = src[ix]
			}
		}
	}
}

// maxPool is max_pool2d(kernel k, stride s, padding p), padding never winning.
func maxPool(x fmap, k, s, p int) fmap {
	oh, ow := (x.h+2*p-k)/s+1, (x.w+2*p-k)/s+1
	out := newFmap(x.c, oh, ow)
	for ch := range x.c {
		plane := x.d[ch*x.h*x.w:]
		dst := out.d[ch*oh*ow:]
		for oy := range oh {
			y0, y1 := max(oy*s-p, 0), min(oy*s-p+k, x.h)
			for ox := range ow {
				x0, x1 := max(ox*s-p, 0), min(ox*s-p+k, x.w)
				m := float32(math.Inf(-1))
				for y := y0; y < y1; y++ {
					for _, v := range plane[y*x.w+x0 : y*x.w+x1] {
						m = max(m, v)
					}
				}
				dst[oy*ow+ox] = m
			}
		}
	}
	return out
}

// avgPool3 is avg_pool2d(kernel 3, stride 1, padding 1, count_include_pad=False): the
// mean over the part of each window inside the input.
func avgPool3(x fmap) fmap {
	out := newFmap(x.c, x.h, x.w)
	for ch := range x.c {
		plane := x.d[ch*x.h*x.w:]
		dst := out.d[ch*x.h*x.w:]
		for oy := range x.h {
			y0, y1 := max(oy-1, 0), min(oy+2, x.h)
			for ox := range x.w {
				x0, x1 := max(ox-1, 0), min(ox+2, x.w)
				var sum float32
				for y := y0; y < y1; y++ {
					for _, v := range plane[y*x.w+x0 : y*x.w+x1] {
						sum += v
					}
				}
				dst[oy*x.w+ox] = sum / float32((y1-y0)*(x1-x0))
			}
		}
	}
	return out
}

// concat stacks maps of equal size along the channels.
func concat(parts ...fmap) fmap {
	c := 0
	for _, p := range parts {
		c += p.c
	}
	out := fmap{c: c, h: parts[0].h, w: parts[0].w, d: make([]float32, 0, c*parts[0].h*parts[0].w)}
	for _, p := range parts {
		out.d = append(out.d, p.d...)
	}
	return out
}

// lerpTaps holds, for each output coordinate, the two input coordinates and weights
// of linear interpolation.
type lerpTaps struct {
	i0, i1 []int
	l0, l1 []float32
}

// linearTaps follows PyTorch's upsample (align_corners=False, no antialias): source
// coordinate (dst+0.5)·in/out − 0.5, clamped at 0, computed in float32.
func linearTaps(in, out int) lerpTaps {
	t := lerpTaps{make([]int, out), make([]int, out), make([]float32, out), make([]float32, out)}
	scale := float32(in) / float32(out)
	for d := range out {
		src := max(scale*(float32(d)+0.5)-0.5, 0)
		i := min(int(src), in-1)
		l1 := min(max(src-float32(i), 0), 1)
		t.i0[d], t.i1[d] = i, min(i+1, in-1)
		t.l0[d], t.l1[d] = 1-l1, l1
	}
	return t
}

// resizeBilinear is F.interpolate(x, (oh, ow), mode="bilinear", align_corners=False).
func resizeBilinear(x fmap, oh, ow int) fmap {
	ty, tx := linearTaps(x.h, oh), linearTaps(x.w, ow)
	out := newFmap(x.c, oh, ow)
	for ch := range x.c {
		plane := x.d[ch*x.h*x.w:]
		dst := out.d[ch*oh*ow:]
		for oy := range oh {
			r0, r1 := plane[ty.i0[oy]*x.w:], plane[ty.i1[oy]*x.w:]
			for ox := range ow {
				a, b := tx.i0[ox], tx.i1[ox]
				top := r0[a]*tx.l0[ox] + r0[b]*tx.l1[ox]
				bot := r1[a]*tx.l0[ox] + r1[b]*tx.l1[ox]
				dst[oy*ow+ox] = top*ty.l0[oy] + bot*ty.l1[oy]
			}
		}
	}
	return out
}
