package ops

import (
	"math"

	"sweep/tensor"
)

// LocalWindow is the side of the local attention window (7x7, stride 1, zero padding 3).
const LocalWindow = 7

// neighbour returns the position at window offset s around position l of an h×w map,
// or -1 outside the map. Offset s = (dy+3)·7 + (dx+3).
func neighbour(l, s, h, w int) int {
	r := LocalWindow / 2
	y, x := l/w+s/LocalWindow-r, l%w+s%LocalWindow-r
	if y < 0 || y >= h || x < 0 || x >= w {
		return -1
	}
	return y*w + x
}

// eachNeighbour calls f for every selected query n at position l and every window offset s
// whose neighbour nb lies inside the h×w map, in that order.
func eachNeighbour(sel []int, h, w int, f func(n, l, s, nb int)) {
	for n, l := range sel {
		for s := 0; s < LocalWindow*LocalWindow; s++ {
			if nb := neighbour(l, s, h, w); nb >= 0 {
				f(n, l, s, nb)
			}
		}
	}
}

// localLogits fills logits[s] = f[nb(l,s)] · f[l] for the 49 offsets (0 outside the map).
func localLogits(f []float32, c, l, h, w int, logits []float32) {
	q := f[l*c : (l+1)*c]
	for s := range logits {
		if nb := neighbour(l, s, h, w); nb >= 0 {
			logits[s] = dot32(f[nb*c:(nb+1)*c], q)
		} else {
			logits[s] = 0
		}
	}
}

// LocalScores is the entropy of every position's local attention over its 7x7 window,
// for f [L,C] laid out on an h×w grid. No gradient.
func LocalScores(f *tensor.Var, h, w int) []float32 {
	c := f.Shape[1]
	scores := make([]float32, h*w)
	row := make([]float32, LocalWindow*LocalWindow)
	for l := range scores {
		localLogits(f.Data, c, l, h, w, row)
		softmaxRowsInPlace(row, 1, len(row))
		scores[l] = entropy(row)
	}
	return scores
}

// LocalAttentionRows returns a [N,49]: the local attention of each selected query over its
// window, a[n,s] = softmax_s(f[nb(sel_n,s)] · f[sel_n]). Outside the map the key is the zero
// vector, so its logit is 0 and it still takes part in the softmax.
func LocalAttentionRows(t *tensor.Tape, f *tensor.Var, h, w int, sel []int) *tensor.Var {
	c, k := f.Shape[1], LocalWindow*LocalWindow
	a := t.Zeros(len(sel), k)
	for n, l := range sel {
		localLogits(f.Data, c, l, h, w, a.Data[n*k:(n+1)*k])
	}
	softmaxRowsInPlace(a.Data, len(sel), k)
	t.Record(a, localAttentionBack{f, a, sel, h, w}, f)
	return a
}

// localAttentionBack is, with dS the softmax backward of dA, df[l] += dS[n,s] f[nb] and
// df[nb] += dS[n,s] f[l] for every selected query l and window neighbour nb.
type localAttentionBack struct {
	f, a *tensor.Var
	sel  []int
	h, w int
}

func (s localAttentionBack) Backward(da []float32) {
	c, k := s.f.Shape[1], LocalWindow*LocalWindow
	softmaxRowsBackward(s.a.Data, da, len(s.sel), k)
	ds, df, f := da, s.f.GradBuf(), s.f.Data
	eachNeighbour(s.sel, s.h, s.w, func(n, l, o, nb int) {
		g := ds[n*k+o]
		axpy(df[l*c:(l+1)*c], g, f[nb*c:(nb+1)*c])
		axpy(df[nb*c:(nb+1)*c], g, f[l*c:(l+1)*c])
	})
}

// LocalRoute is v[n] = Σ_s a[n,s] · f[nb(sel_n,s)]: each selected query's window values of
// f [L,C] weighted by its local attention a [N,49].
func LocalRoute(t *tensor.Tape, a, f *tensor.Var, h, w int, sel []int) *tensor.Var {
	c, k := f.Shape[1], LocalWindow*LocalWindow
	v := t.Zeros(len(sel), c)
	eachNeighbour(sel, h, w, func(n, _, s, nb int) {
		axpy(v.Data[n*c:(n+1)*c], a.Data[n*k+s], f.Data[nb*c:(nb+1)*c])
	})
	t.Record(v, localRouteBack{a, f, sel, h, w}, a, f)
	return v
}

// localRouteBack is da[n,s] += dv[n] · f[nb] and df[nb] += a[n,s] dv[n].
type localRouteBack struct {
	a, f *tensor.Var
	sel  []int
	h, w int
}

func (s localRouteBack) Backward(dvAll []float32) {
	a, f := s.a, s.f
	c, k := f.Shape[1], LocalWindow*LocalWindow
	eachNeighbour(s.sel, s.h, s.w, func(n, _, o, nb int) {
		dv := dvAll[n*c : (n+1)*c]
		if a.NeedsGrad {
			a.GradBuf()[n*k+o] += dot32(dv, f.Data[nb*c:(nb+1)*c])
		}
		if f.NeedsGrad {
			axpy(f.GradBuf()[nb*c:(nb+1)*c], a.Data[n*k+o], dv)
		}
	})
}

// AdaptiveAvgPool averages x [C,H,W] onto an h×w grid as PyTorch's adaptive_avg_pool2d:
// output cell i covers input rows floor(i·H/h) .. ceil((i+1)·H/h)-1 (windows may overlap),
// and the same rule gives the columns.
func AdaptiveAvgPool(t *tensor.Tape, x *tensor.Var, h, w int) *tensor.Var {
	c, hi, wi := x.Shape[0], x.Shape[1], x.Shape[2]
	ys, xs := poolWindows(hi, h), poolWindows(wi, w)
	y := t.Zeros(c, h, w)
	for ci := 0; ci < c; ci++ {
		in, out := x.Data[ci*hi*wi:], y.Data[ci*h*w:]
		for oy, ry := range ys {
			for ox, rx := range xs {
				var s float32
				for iy := ry[0]; iy < ry[1]; iy++ {
					for ix := rx[0]; ix < rx[1]; ix++ {
						s += in[iy*wi+ix]
					}
				}
				out[oy*w+ox] = s / float32((ry[1]-ry[0])*(rx[1]-rx[0]))
			}
		}
	}
	t.Record(y, avgPoolBack{x.GradOnly(), ys, xs, c, hi, wi}, x)
	return y
}

// avgPoolBack spreads each output cell's gradient evenly over its window.
type avgPoolBack struct {
	x         tensor.GradOf
	ys, xs    [][2]int
	c, hi, wi int
}

func (s avgPoolBack) Backward(dy []float32) {
	dx, hi, wi := s.x.Buf(), s.hi, s.wi
	h, w := len(s.ys), len(s.xs)
	for ci := 0; ci < s.c; ci++ {
		din, dout := dx[ci*hi*wi:], dy[ci*h*w:]
		for oy, ry := range s.ys {
			for ox, rx := range s.xs {
				g := dout[oy*w+ox] / float32((ry[1]-ry[0])*(rx[1]-rx[0]))
				for iy := ry[0]; iy < ry[1]; iy++ {
					for ix := rx[0]; ix < rx[1]; ix++ {
						din[iy*wi+ix] += g
					}
				}
			}
		}
	}
}

func poolWindows(in, out int) [][2]int {
	r := make([][2]int, out)
	for i := range r {
		r[i] = [2]int{i * in / out, int(math.Ceil(float64((i+1)*in) / float64(out)))}
	}
	return r
}
