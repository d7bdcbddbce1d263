package metrics

import "sweep/internal/imagefile"

// planes is a float32 image of c channel planes of h×w values.
type planes struct {
	c, h, w int
	v       []float32
}

func newPlanes(c, h, w int) planes { return planes{c, h, w, make([]float32, c*h*w)} }

func (p planes) at(c, y, x int) float32 { return p.v[(c*p.h+y)*p.w+x] }

// planesOf converts an 8-bit RGB image to float32 planes on 0..255.
func planesOf(img *imagefile.RGB) planes {
	p := newPlanes(3, img.H, img.W)
	n := img.W * img.H
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			p.v[c*n+i] = float32(img.Pix[3*i+c])
		}
	}
	return p
}

// binomial is one axis of the 5×5 kernel [1,4,6,4,1]ᵀ[1,4,6,4,1]/256.
var binomial = [5]float64{1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16}

// mirror maps an index outside [0,n) as scipy.ndimage's mode 'mirror' does: the edge sample
// is not repeated (-1 → 1, n → n-2).
func mirror(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// blur convolves every plane with the binomial kernel times gain, mirror borders. The sums
// are taken in float64 and rounded to float32 once, as scipy does for float32 input.
func blur(p planes, gain float64) planes {
	out := newPlanes(p.c, p.h, p.w)
	tmp := make([]float64, p.h*p.w)
	xi, yi := tapIndex(p.w), tapIndex(p.h)
	for c := 0; c < p.c; c++ {
		src := p.v[c*p.h*p.w : (c+1)*p.h*p.w]
		for y := 0; y < p.h; y++ {
			row := src[y*p.w : (y+1)*p.w]
			for x := 0; x < p.w; x++ {
				t := xi[5*x : 5*x+5]
				tmp[y*p.w+x] = binomial[0]*float64(row[t[0]]) + binomial[1]*float64(row[t[1]]) +
					binomial[2]*float64(row[t[2]]) + binomial[3]*float64(row[t[3]]) + binomial[4]*float64(row[t[4]])
			}
		}
		dst := out.v[c*p.h*p.w : (c+1)*p.h*p.w]
		for y := 0; y < p.h; y++ {
			t := yi[5*y : 5*y+5]
			r0, r1, r2, r3, r4 := tmp[t[0]*p.w:], tmp[t[1]*p.w:], tmp[t[2]*p.w:], tmp[t[3]*p.w:], tmp[t[4]*p.w:]
			for x := 0; x < p.w; x++ {
				s := binomial[0]*r0[x] + binomial[1]*r1[x] + binomial[2]*r2[x] + binomial[3]*r3[x] + binomial[4]*r4[x]
				dst[y*p.w+x] = float32(s * gain)
			}
		}
	}
	return out
}

// tapIndex returns, for each of n positions, the 5 mirrored source indices of its taps.
func tapIndex(n int) []int {
	idx := make([]int, 5*n)
	for i := 0; i < n; i++ {
		for k := 0; k < 5; k++ {
			idx[5*i+k] = mirror(i+k-2, n)
		}
	}
	return idx
}

// pyrDown blurs and keeps every second sample starting at 0.
func pyrDown(p planes) planes {
	b := blur(p, 1)
	out := newPlanes(p.c, (p.h+1)/2, (p.w+1)/2)
	for c := 0; c < p.c; c++ {
		for y := 0; y < out.h; y++ {
			for x := 0; x < out.w; x++ {
				out.v[(c*out.h+y)*out.w+x] = b.at(c, 2*y, 2*x)
			}
		}
	}
	return out
}

// pyrUp puts p at the even positions of a zero h×w grid and blurs with 4× the kernel.
func pyrUp(p planes, h, w int) planes {
	z := newPlanes(p.c, h, w)
	for c := 0; c < p.c; c++ {
		for y := 0; y < p.h; y++ {
			for x := 0; x < p.w; x++ {
				z.v[(c*h+2*y)*w+2*x] = p.at(c, y, x)
			}
		}
	}
	return blur(z, 4)
}

// laplacianPyramid returns n levels, finest first: level i = G_i − pyrUp(G_{i+1}); the last
// level is the Gaussian G_{n-1} itself.
func laplacianPyramid(img planes, n int) []planes {
	levels := make([]planes, n)
	g := img
	for i := 0; i < n-1; i++ {
		next := pyrDown(g)
		up := pyrUp(next, g.h, g.w)
		band := newPlanes(g.c, g.h, g.w)
		for j := range band.v {
			band.v[j] = g.v[j] - up.v[j]
		}
		levels[i] = band
		g = next
	}
	levels[n-1] = g
	return levels
}

// pyramidLevels counts the levels whose shorter side is at least minRes.
func pyramidLevels(h, w, minRes int) int {
	n := 0
	for h >= minRes && w >= minRes {
		n++
		h, w = (h+1)/2, (w+1)/2
	}
	return n
}
