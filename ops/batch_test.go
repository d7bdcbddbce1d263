package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sweep/internal/tensortest"
	"sweep/tensor"
)

// TestConvBatchMatchesImages checks that a convolution of a batch of images computes what
// the convolutions of each image compute, forward and all three gradients, through every
// lowering: im2col with one band (its gradients side by side) and with several, dx by the
// flipped kernel with one band and with several, and Winograd with one band and with several.
func TestConvBatchMatchesImages(t *testing.T) {
	for _, c := range []struct {
		name               string
		c, o, h, k, pad, n int
		opt                ConvOptions
	}{
		{"im2col", 8, 16, 9, 3, 1, 2, ConvOptions{}},
		{"im2col-bands", 8, 16, 9, 4, 1, 3, ConvOptions{BandFloats: 8 * 16 * 3 * 8 * 3}},
		{"flip", 16, 3, 40, 7, 0, 2, ConvOptions{}},
		{"flip-bands", 16, 8, 9, 4, 1, 3, ConvOptions{BandFloats: 8 * 16 * 3 * 9 * 2}},
		{"winograd", 32, 32, 12, 3, 1, 2, ConvOptions{}},
		{"winograd-bands", 32, 40, 11, 3, 0, 3, ConvOptions{BandFloats: 16 * 72 * 5 * 3 * 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(c.h)))
			xs := make([]*tensor.Var, c.n)
			for i := range xs {
				xs[i] = tensortest.RandVar(rng, 1, c.c, c.h, c.h)
			}
			w, b := tensortest.RandVar(rng, 0.2, c.o, c.c, c.k, c.k), tensortest.RandVar(rng, 0.2, c.o)
			one := func(tp *tensor.Tape) *tensor.Var {
				ys := make([]*tensor.Var, c.n)
				for i, x := range xs {
					ys[i] = c.opt.Conv2D(tp, x, w, b, c.pad)
				}
				return Stack(tp, ys...)
			}
			batch := func(tp *tensor.Tape) *tensor.Var { return c.opt.Conv2DBatch(tp, Stack(tp, xs...), w, b, c.pad, c.n) }
			want, got := batchGrads(one, xs, w, b), batchGrads(batch, xs, w, b)
			for i := range want {
				if e := tensortest.RelErr(got[i], want[i]); e > 1e-5 {
					t.Errorf("%s: relative error %.2g", batchGradNames(c.n)[i], e)
				}
			}
		})
	}
}

// batchGrads runs conv with a fixed random projection as loss and returns copies of its
// output and of the gradients of every image, w and b.
func batchGrads(conv func(*tensor.Tape) *tensor.Var, xs []*tensor.Var, w, b *tensor.Var) [][]float32 {
	vars := append([]*tensor.Var{w, b}, xs...)
	for _, v := range vars {
		v.NeedsGrad, v.Grad = true, nil
	}
	tp := tensor.NewTape(&tensor.Pool{})
	y := conv(tp)
	tp.Keep(y)
	tp.Backward(tensortest.Project(tp, y))
	out := [][]float32{append([]float32{}, y.Data...)}
	for _, v := range vars {
		out = append(out, v.Grad)
	}
	tp.Release()
	return out
}

func batchGradNames(n int) []string {
	names := []string{"y", "dw", "db"}
	for i := range n {
		names = append(names, fmt.Sprintf("dx%d", i))
	}
	return names
}

// TestDirectMatchesIm2col checks the direct convolution against im2col, forward and all
// three gradients, for 1 to 4 output channels, kernels of 1 to 7, rows of whole vectors and
// not, and batches of one and two images.
func TestDirectMatchesIm2col(t *testing.T) {
	for _, c := range []struct{ c, o, h, k, n int }{
		{16, 3, 22, 7, 2}, {8, 1, 9, 3, 1}, {5, 4, 13, 4, 2}, {6, 2, 11, 1, 1}, {64, 3, 40, 7, 1},
	} {
		t.Run(fmt.Sprintf("%dto%d-%dx%d-k%d-%dimg", c.c, c.o, c.h, c.h, c.k, c.n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(6, uint64(c.h)))
			xs := []*tensor.Var{tensortest.RandVar(rng, 1, c.c*c.n, c.h, c.h)}
			w, b := tensortest.RandVar(rng, 0.2, c.o, c.c, c.k, c.k), tensortest.RandVar(rng, 0.2, c.o)
			g := newConvGeom(c.c, c.h, c.h, c.k, 0, 1, 1, DefaultBandFloats).batch(c.n)
			if !useDirect(g, c.o) {
				t.Fatal("not a direct convolution")
			}
			want := batchGrads(func(tp *tensor.Tape) *tensor.Var { return im2colConv(tp, xs[0], w, b, g) }, xs, w, b)
			got := batchGrads(func(tp *tensor.Tape) *tensor.Var { return directConv(tp, xs[0], w, b, g) }, xs, w, b)
			for i, name := range []string{"y", "dw", "db", "dx"} {
				if e := tensortest.RelErr(got[i], want[i]); e > 1e-5 {
					t.Errorf("%s: relative error %.2g", name, e)
				}
			}
		})
	}
}
