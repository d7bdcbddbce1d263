package data

import "math"

// This file reimplements Pillow's Image.resize(size, BICUBIC) on 8-bit images
// (libImaging/Resample.c): a separable convolution with the Keys cubic (a = -0.5) whose support
// is widened by the scale factor when downscaling (antialiasing), coefficients normalized to
// sum 1 and then converted to 22-bit fixed point, a horizontal pass to 8 bits, then a vertical
// pass to 8 bits. Every step, rounding included, follows Pillow, so results are equal byte for
// byte. The explicit float64 conversions keep the compiler from fusing multiply-adds, which
// would change roundings on some processors.

const precisionBits = 32 - 8 - 2

// kernel holds the fixed-point coefficients of a 1-D resampling from in to out samples.
type kernel struct {
	size  int     // coefficients per output sample
	first []int   // first input sample of each output sample
	count []int   // number of input samples of each output sample
	k     []int32 // out*size coefficients
}

func bicubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	switch {
	case x < 1:
		return float64(float64(float64(float64((a+2)*x)-(a+3))*x)*x) + 1
	case x < 2:
		return float64(float64(float64(float64(x-5)*x)+8)*x-4) * a
	}
	return 0
}

// bicubicKernel is Pillow's precompute_coeffs + normalize_coeffs_8bpc for BICUBIC.
func bicubicKernel(in, out int) kernel {
	scale := float64(in) / float64(out)
	filterscale := max(scale, 1)
	support := 2 * filterscale
	size := int(math.Ceil(support))*2 + 1
	kn := kernel{size: size, first: make([]int, out), count: make([]int, out), k: make([]int32, out*size)}
	w := make([]float64, size)
	for xx := range out {
		center := float64(float64(xx)+0.5) * scale
		ss := 1 / filterscale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), in) - xmin
		ww := 0.0
		for x := range xmax {
			w[x] = bicubic(float64(float64(x+xmin)-center+0.5) * ss)
			ww += w[x]
		}
		for x := range xmax {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			f := float64(v * (1 << precisionBits))
			if v < 0 {
				kn.k[xx*size+x] = int32(-0.5 + f)
			} else {
				kn.k[xx*size+x] = int32(0.5 + f)
			}
		}
		kn.first[xx], kn.count[xx] = xmin, xmax
	}
	return kn
}

func clip8(v int64) uint8 {
	if v >= 1<<precisionBits<<8 {
		return 255
	}
	if v <= 0 {
		return 0
	}
	return uint8(v >> precisionBits)
}

// resizeBicubic resizes m to w x h like Pillow's Image.resize((w, h), Image.BICUBIC).
func resizeBicubic(m *rgb, w, h int) *rgb {
	if m.W != w {
		m = resampleH(m, bicubicKernel(m.W, w))
	}
	if m.H != h {
		m = resampleV(m, bicubicKernel(m.H, h))
	}
	return m
}

func resampleH(m *rgb, kn kernel) *rgb {
	out := newRGB(len(kn.first), m.H)
	for y := range m.H {
		row := m.Pix[3*y*m.W:]
		dst := out.Pix[3*y*out.W:]
		for xx := range out.W {
			k := kn.k[xx*kn.size:]
			x0 := kn.first[xx]
			for c := range 3 {
				ss := int64(1) << (precisionBits - 1)
				for x := range kn.count[xx] {
					ss += int64(row[3*(x0+x)+c]) * int64(k[x])
				}
				dst[3*xx+c] = clip8(ss)
			}
		}
	}
	return out
}

func resampleV(m *rgb, kn kernel) *rgb {
	out := newRGB(m.W, len(kn.first))
	for yy := range out.H {
		k := kn.k[yy*kn.size:]
		y0 := kn.first[yy]
		dst := out.Pix[3*yy*out.W:]
		for i := range 3 * m.W {
			ss := int64(1) << (precisionBits - 1)
			for y := range kn.count[yy] {
				ss += int64(m.Pix[3*(y0+y)*m.W+i]) * int64(k[y])
			}
			dst[i] = clip8(ss)
		}
	}
	return out
}

// nearestIndices maps each output sample of out to its input sample among in, as Pillow's
// NEAREST resize does: the source coordinate starts at half a step and accumulates the step
// in float64, then truncates.
func nearestIndices(in, out int) []int {
	step := float64(in) / float64(out)
	idx := make([]int, out)
	xx := float64(step * 0.5)
	for i := range idx {
		idx[i] = min(int(xx), in-1)
		xx += step
	}
	return idx
}

// resizeNearest resizes a one-byte-per-pixel map (labels, masks) like Pillow's NEAREST.
func resizeNearest(src []uint8, w, h, ow, oh int) []uint8 {
	xs, ys := nearestIndices(w, ow), nearestIndices(h, oh)
	out := make([]uint8, ow*oh)
	for y, sy := range ys {
		for x, sx := range xs {
			out[y*ow+x] = src[sy*w+sx]
		}
	}
	return out
}

// pureLabels resizes a label map to ow x oh keeping only the output pixels whose whole bicubic
// support (the input samples a resized image reads for them) has one label; the others get
// mixed. Such pixels of a resized image depend only on that label's region of the input.
func pureLabels(src []uint8, w, h, ow, oh int, mixed uint8) []uint8 {
	kx, ky := supportKernel(w, ow), supportKernel(h, oh)
	out := make([]uint8, ow*oh)
	for y := range oh {
		for x := range ow {
			out[y*ow+x] = uniformLabel(src, w, kx.first[x], kx.count[x], ky.first[y], ky.count[y], mixed)
		}
	}
	return out
}

func supportKernel(in, out int) kernel {
	if in == out {
		kn := kernel{first: make([]int, out), count: make([]int, out)}
		for i := range out {
			kn.first[i], kn.count[i] = i, 1
		}
		return kn
	}
	return bicubicKernel(in, out)
}

func uniformLabel(src []uint8, w, x0, nx, y0, ny int, mixed uint8) uint8 {
	l := src[y0*w+x0]
	for y := y0; y < y0+ny; y++ {
		for x := x0; x < x0+nx; x++ {
			if src[y*w+x] != l {
				return mixed
			}
		}
	}
	return l
}
