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
	f := [9]float32(DownFilter)
	return depthwise(t, xp, ho, wo, func(in, out []float32) {
		for oy := 0; oy < ho; oy++ {
			r0, r1, r2 := in[2*oy*w:][:w], in[(2*oy+1)*w:][:w], in[(2*oy+2)*w:][:w]
			o := out[oy*wo:][:wo]
			for ox := range o {
				x := 2 * ox
				var s float32
				s += f[0]*r0[x] + f[1]*r0[x+1] + f[2]*r0[x+2]
				s += f[3]*r1[x] + f[4]*r1[x+1] + f[5]*r1[x+2]
				s += f[6]*r2[x] + f[7]*r2[x+1] + f[8]*r2[x+2]
				o[ox] = s
			}
		}
	}, func(dout, din []float32) {
		for oy := 0; oy < ho; oy++ {
			r0, r1, r2 := din[2*oy*w:][:w], din[(2*oy+1)*w:][:w], din[(2*oy+2)*w:][:w]
			for ox, g := range dout[oy*wo:][:wo] {
				x := 2 * ox
				r0[x] += f[0] * g
				r0[x+1] += f[1] * g
				r0[x+2] += f[2] * g
				r1[x] += f[3] * g
				r1[x+1] += f[4] * g
				r1[x+2] += f[5] * g
				r2[x] += f[6] * g
				r2[x+1] += f[7] * g
				r2[x+2] += f[8] * g
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
	f := [16]float32(UpFilter)
	taps := func(o int) (i0, k0 int) { // the two (input, tap) pairs feeding full-output index o+1
		q := o + 3 // o+1 = 2i-2+k  =>  2i+k = o+3
		return q / 2, q % 2
	}
	// Each output pixel reads input rows iy and iy-1 through filter rows ky and ky+2, and
	// columns ix and ix-1 through filter columns kx and kx+2, in that order.
	ix, kx := make([]int, wo), make([]int, wo)
	for ox := range wo {
		ix[ox], kx[ox] = taps(ox)
	}
	return depthwise(t, xp, ho, wo, func(in, out []float32) {
		for oy := 0; oy < ho; oy++ {
			iy, ky := taps(oy)
			r0, r1 := in[iy*w:][:w], in[(iy-1)*w:][:w]
			f0, f1 := f[ky*4:][:4], f[(ky+2)*4:][:4]
			o := out[oy*wo:][:wo]
			for ox := range o {
				x, k := ix[ox], kx[ox]
				var s float32
				s += f0[k] * r0[x]
				s += f0[k+2] * r0[x-1]
				s += f1[k] * r1[x]
				s += f1[k+2] * r1[x-1]
				o[ox] = s
			}
		}
	}, func(dout, din []float32) {
		for oy := 0; oy < ho; oy++ {
			iy, ky := taps(oy)
			r0, r1 := din[iy*w:][:w], din[(iy-1)*w:][:w]
			f0, f1 := f[ky*4:][:4], f[(ky+2)*4:][:4]
			for ox, g := range dout[oy*wo:][:wo] {
				x, k := ix[ox], kx[ox]
				r0[x] += f0[k] * g
				r0[x-1] += f0[k+2] * g
				r1[x] += f1[k] * g
				r1[x-1] += f1[k+2] * g
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
	t.Record(y, depthwiseBack{xp.GradOnly(), adjoint, c, plane, ho * wo}, xp)
	t.Free(xp)
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
