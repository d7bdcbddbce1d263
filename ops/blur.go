package ops

import "sweep/tensor"

// Anti-aliased resampling (Zhang 2019, as in CUT): fixed binomial filters applied per channel.

// binomial returns the outer product of the binomial row of length n, normalised to sum 1.
func binomial(n int) []float32 {
	row := make([]float64, n)
	row[0] = 1
	for i := 1; i < n; i++ {
		for j := i; j > 0; j-- {
			row[j] += row[j-1]
		}
	}
	var s float64
	for _, v := range row {
		s += v
	}
	k := make([]float32, n*n)
	for i := range n {
		for j := range n {
			k[i*n+j] = float32(row[i] * row[j] / (s * s))
		}
	}
	return k
}

// DownFilter and UpFilter are the fixed filters stored as the "filt" buffers of Downsample
// and Upsample in PyTorch checkpoints (per channel: [C,1,k,k]).
var (
	DownFilter = binomial(3)
	UpFilter   = scaled(binomial(4), 4)
)

func scaled(v []float32, s float32) []float32 {
	for i := range v {
		v[i] *= s
	}
	return v
}

// Downsample is reflect-pad 1, then the 3x3 binomial filter at stride 2, per channel:
// y[c,oy,ox] = Σ f[ky,kx] · xp[c, 2oy+ky, 2ox+kx]. Output side floor((n-1)/2)+1.
func Downsample(t *tensor.Tape, x *tensor.Var) *tensor.Var {
	xp := ReflectPad(t, x, 1)
	w := xp.Shape[2]
	ho, wo := (xp.Shape[1]-3)/2+1, (w-3)/2+1
	f := DownFilter
	return depthwise(t, xp, ho, wo, func(in, out []float32) {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				var s float32
				for ky := 0; ky < 3; ky++ {
					r := in[(2*oy+ky)*w+2*ox:]
					s += f[ky*3]*r[0] + f[ky*3+1]*r[1] + f[ky*3+2]*r[2]
				}
				out[oy*wo+ox] = s
			}
		}
	}, func(dout, din []float32) {
		for oy := 0; oy < ho; oy++ {
			for ox := 0; ox < wo; ox++ {
				g := dout[oy*wo+ox]
				for ky := 0; ky < 3; ky++ {
					r := din[(2*oy+ky)*w+2*ox:]
					r[0] += f[ky*3] * g
					r[1] += f[ky*3+1] * g
					r[2] += f[ky*3+2] * g
				}
			}
		}
	})
}

// Upsample doubles the size: replicate-pad 1, a depthwise transposed convolution with the
// 4x4 filter (stride 2, padding 2), then drop one row and column at each border. Written
// as the equivalent gather: y[c,oy,ox] = Σ f[ky,kx] · xp[c,iy,ix] over 2iy-2+ky = oy+1 and
// 2ix-2+kx = ox+1.
func Upsample(t *tensor.Tape, x *tensor.Var) *tensor.Var {
	xp := ReplicatePad(t, x, 1)
	w := xp.Shape[2]
	ho, wo := 2*xp.Shape[1]-4, 2*w-4
	f := UpFilter
	taps := func(o int) (i0, k0 int) { // the two (input, tap) pairs feeding full-output index o+1
		q := o + 3 // o+1 = 2i-2+k  =>  2i+k = o+3
		return q / 2, q % 2
	}
	return depthwise(t, xp, ho, wo, func(in, out []float32) {
		for oy := 0; oy < ho; oy++ {
			iy, ky := taps(oy)
			for ox := 0; ox < wo; ox++ {
				ix, kx := taps(ox)
				var s float32
				for a := 0; a < 2; a++ {
					for b := 0; b < 2; b++ {
						s += f[(ky+2*a)*4+kx+2*b] * in[(iy-a)*w+ix-b]
					}
				}
				out[oy*wo+ox] = s
			}
		}
	}, func(dout, din []float32) {
		for oy := 0; oy < ho; oy++ {
			iy, ky := taps(oy)
			for ox := 0; ox < wo; ox++ {
				ix, kx := taps(ox)
				g := dout[oy*wo+ox]
				for a := 0; a < 2; a++ {
					for b := 0; b < 2; b++ {
						din[(iy-a)*w+ix-b] += f[(ky+2*a)*4+kx+2*b] * g
					}
				}
			}
		}
	})
}

// depthwise applies a fixed filter to every channel of the padded input xp, giving
// [C, ho, wo]: forward maps one channel's input plane to its output plane, adjoint adds an
// output-gradient plane back onto the input-gradient plane. xp is freed at once: the
// filter's gradient needs only the shapes.
func depthwise(t *tensor.Tape, xp *tensor.Var, ho, wo int, forward, adjoint func(a, b []float32)) *tensor.Var {
	c, plane := xp.Shape[0], xp.Shape[1]*xp.Shape[2]
	y := t.Empty(c, ho, wo)
	tensor.ParallelFor(c, ho*wo*9, func(ci int) {
		forward(xp.Data[ci*plane:(ci+1)*plane], y.Data[ci*ho*wo:(ci+1)*ho*wo])
	})
	t.Free(xp)
	t.Record(y, depthwiseBack{xp.GradOnly(), adjoint, c, plane, ho * wo}, xp)
	return y
}

// depthwiseBack adds every output-gradient plane back onto its input-gradient plane through
// the filter's adjoint.
type depthwiseBack struct {
	xp              tensor.GradOf
	adjoint         func(dout, din []float32)
	c, plane, outHW int
}

func (s depthwiseBack) Backward(dy []float32) {
	dx, n := s.xp.Buf(), s.outHW
	tensor.ParallelFor(s.c, n*9, func(ci int) {
		s.adjoint(dy[ci*n:(ci+1)*n], dx[ci*s.plane:(ci+1)*s.plane])
	})
}
