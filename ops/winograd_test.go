package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sweep/internal/tensortest"
	"sweep/tensor"
)

// TestWinogradMatchesIm2col checks F(2x2, 3x3) against the direct convolution, forward and
// all three gradients, with and without zero padding, with odd output sizes (tiles that
// stick out), several bands of tile rows, and pooled buffers that hold stale data.
func TestWinogradMatchesIm2col(t *testing.T) {
	for _, c := range []struct{ c, o, h, w, pad, band int }{
		{32, 32, 6, 6, 0, 1 << 22}, {32, 40, 7, 9, 1, 1 << 22}, {33, 32, 5, 5, 0, 1 << 22},
		{32, 35, 11, 8, 1, 16 * 35 * 4 * 2}, {48, 32, 12, 13, 0, 16 * 48 * 6},
	} {
		t.Run(fmt.Sprintf("%dto%d-%dx%d-pad%d", c.c, c.o, c.h, c.w, c.pad), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(c.c*c.h)))
			x, w, b := tensortest.RandVar(rng, 1, c.c, c.h, c.w), tensortest.RandVar(rng, 0.2, c.o, c.c, 3, 3), tensortest.RandVar(rng, 0.2, c.o)
			want := convGrads(&tensor.Tape{}, unitIm2colConv, x, w, b, c.pad, DefaultBandFloats)
			pool := &tensor.Pool{}
			for range 2 { // the second pass runs on recycled buffers
				got := convGrads(tensor.NewTape(pool), unitWinogradConv, x, w, b, c.pad, c.band)
				for i, name := range []string{"y", "dx", "dw", "db"} {
					if e := tensortest.RelErr(got[i], want[i]); e > 1e-5 {
						t.Errorf("%s: relative error %.2g", name, e)
					}
				}
			}
		})
	}
}

// unitWinogradConv is the convolution of one image through F(2x2, 3x3).
func unitWinogradConv(tp *tensor.Tape, x, w, b *tensor.Var, pad, band int) *tensor.Var {
	return winogradConv(tp, x, w, b, pad, 1, band)
}

// unitIm2colConv is the stride-1, undilated convolution through im2col.
func unitIm2colConv(tp *tensor.Tape, x, w, b *tensor.Var, pad, band int) *tensor.Var {
	return im2colConv(tp, x, w, b, newConvGeom(x.Shape[0], x.Shape[1], x.Shape[2], w.Shape[2], pad, 1, 1, band))
}

// convGrads runs conv on tp with a fixed random projection as loss and returns copies of
// y, dx, dw and db; it releases tp.
func convGrads(tp *tensor.Tape, conv func(*tensor.Tape, *tensor.Var, *tensor.Var, *tensor.Var, int, int) *tensor.Var, x, w, b *tensor.Var, pad, band int) [4][]float32 {
	for _, v := range []*tensor.Var{x, w, b} {
		v.NeedsGrad, v.Grad = true, nil
	}
	y := conv(tp, x, w, b, pad, band)
	tp.Keep(y)
	tp.Backward(tensortest.Project(tp, y))
	out := [4][]float32{append([]float32{}, y.Data...), x.Grad, w.Grad, b.Grad}
	tp.Release()
	return out
}

// TestWinogradWeightGradOnly checks dW and db of a convolution whose input takes no
// gradient, in one band and in several (dU then has the workspace to itself).
func TestWinogradWeightGradOnly(t *testing.T) {
	for _, band := range []int{1 << 22, 16 * 72 * 5 * 2} {
		rng := rand.New(rand.NewPCG(4, uint64(band)))
		x, w, b := tensortest.RandVar(rng, 1, 32, 11, 10), tensortest.RandVar(rng, 0.2, 40, 32, 3, 3), tensortest.RandVar(rng, 0.2, 40)
		grads := func(conv func(*tensor.Tape) *tensor.Var) [2][]float32 {
			w.NeedsGrad, b.NeedsGrad, w.Grad, b.Grad = true, true, nil, nil
			tp := tensor.NewTape(&tensor.Pool{})
			tp.Backward(tensortest.Project(tp, conv(tp)))
			return [2][]float32{w.Grad, b.Grad}
		}
		want := grads(func(tp *tensor.Tape) *tensor.Var { return unitIm2colConv(tp, x, w, b, 1, DefaultBandFloats) })
		got := grads(func(tp *tensor.Tape) *tensor.Var { return unitWinogradConv(tp, x, w, b, 1, band) })
		for i, name := range []string{"dw", "db"} {
			if e := tensortest.RelErr(got[i], want[i]); e > 1e-5 {
				t.Errorf("band %d: %s: relative error %.2g", band, name, e)
			}
		}
	}
}
