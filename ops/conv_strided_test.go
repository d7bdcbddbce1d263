package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sweep/internal/tensortest"
	"sweep/tensor"
)

// referenceConv is the convolution of Conv2DGeometry's formula, summed term by term in float64.
func referenceConv(x, w, b *tensor.Var, g ConvGeometry) []float32 {
	g = g.withDefaults()
	c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2]
	o, k := w.Shape[0], w.Shape[2]
	span := g.Dilation*(k-1) + 1
	ho, wo := (h+2*g.Pad-span)/g.Stride+1, (wd+2*g.Pad-span)/g.Stride+1
	y := make([]float32, o*ho*wo)
	for oc := range o {
		for oy := range ho {
			for ox := range wo {
				s := float64(b.Data[oc])
				for ci := range c {
					for ky := range k {
						for kx := range k {
							iy, ix := g.Stride*oy+g.Dilation*ky-g.Pad, g.Stride*ox+g.Dilation*kx-g.Pad
							if iy >= 0 && iy < h && ix >= 0 && ix < wd {
								s += float64(w.Data[((oc*c+ci)*k+ky)*k+kx]) * float64(x.Data[(ci*h+iy)*wd+ix])
							}
						}
					}
				}
				y[(oc*ho+oy)*wo+ox] = float32(s)
			}
		}
	}
	return y
}

// TestConv2DGeometryMatchesDirect checks strided and dilated convolutions against the
// direct sum, including shapes where the stride does not divide the input, kernels wider
// than the padding, several bands of output rows, and recycled (stale) pooled buffers.
func TestConv2DGeometryMatchesDirect(t *testing.T) {
	for _, c := range []struct {
		c, o, h, w, k int
		g             ConvGeometry
		band          int
	}{
		{3, 4, 9, 9, 3, ConvGeometry{1, 2, 1}, 0}, {3, 4, 10, 7, 3, ConvGeometry{1, 2, 1}, 0},
		{5, 6, 9, 11, 1, ConvGeometry{0, 2, 1}, 0}, {4, 3, 12, 9, 3, ConvGeometry{2, 1, 2}, 0},
		{4, 3, 13, 16, 3, ConvGeometry{4, 1, 4}, 0}, {2, 5, 11, 13, 3, ConvGeometry{2, 2, 2}, 0},
		{3, 4, 15, 12, 7, ConvGeometry{3, 3, 1}, 0}, {6, 4, 12, 12, 3, ConvGeometry{2, 1, 2}, 6 * 9 * 12 * 2},
		{3, 2, 5, 5, 3, ConvGeometry{0, 1, 2}, 0},
	} {
		t.Run(fmt.Sprintf("%dx%d-k%d-pad%d-s%d-d%d", c.h, c.w, c.k, c.g.Pad, c.g.Stride, c.g.Dilation), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(c.h*c.w+c.k)))
			x, w, b := tensortest.RandVar(rng, 1, c.c, c.h, c.w), tensortest.RandVar(rng, 0.3, c.o, c.c, c.k, c.k), tensortest.RandVar(rng, 0.3, c.o)
			want := referenceConv(x, w, b, c.g)
			pool := &tensor.Pool{}
			for pass := range 2 {
				tp := tensor.NewTape(pool)
				y := ConvOptions{BandFloats: c.band}.Conv2DGeometry(tp, x, w, b, c.g)
				if e := tensortest.RelErr(y.Data, want); e > 1e-6 {
					t.Errorf("pass %d: relative error %.2g against the direct sum", pass, e)
				}
				tp.Release()
			}
		})
	}
}

// TestConv2DGeometryUnitIsConv2D checks that stride 1 and dilation 1 (or 0) give Conv2D's
// bits exactly, Winograd included.
func TestConv2DGeometryUnitIsConv2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x, w, b := tensortest.RandVar(rng, 1, 8, 9, 9), tensortest.RandVar(rng, 0.3, 8, 8, 3, 3), tensortest.RandVar(rng, 0.3, 8)
	for _, opt := range []ConvOptions{{}, {WinogradEverywhere: true}} {
		want := opt.Conv2D(nil, x, w, b, 1).Data
		for _, g := range []ConvGeometry{{Pad: 1}, {Pad: 1, Stride: 1, Dilation: 1}} {
			got := opt.Conv2DGeometry(nil, x, w, b, g).Data
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%+v %+v: y[%d] = %v, Conv2D gives %v", opt, g, i, got[i], want[i])
				}
			}
		}
	}
}

// TestConv2DGeometryRefuses checks that impossible geometries panic with a message.
func TestConv2DGeometryRefuses(t *testing.T) {
	x, w := tensor.Zeros(2, 4, 4), tensor.Zeros(3, 2, 3, 3)
	for _, g := range []ConvGeometry{{Pad: -1, Stride: 2}, {Stride: -1}, {Dilation: 3, Stride: 1}, {Stride: 2, Dilation: -2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", g)
				}
			}()
			Conv2DGeometry(nil, x, w, nil, g)
		}()
	}
}

// TestConvKernelPastTheMap checks a convolution whose kernel does not fit the padded map
// (the discriminator's 4x4 kernels on a 1x1 map): no outputs, and zero gradients without
// reading outside the input.
func TestConvKernelPastTheMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, w, b := tensortest.RandVar(rng, 1, 32, 1, 1), tensortest.RandVar(rng, 0.3, 8, 32, 4, 4), tensortest.RandVar(rng, 0.3, 8)
	got := convGrads(tensor.NewTape(&tensor.Pool{}), unitIm2colConv, x, w, b, 1, DefaultBandFloats)
	if len(got[0]) != 0 {
		t.Errorf("%d outputs, want none", len(got[0]))
	}
	for i, name := range []string{"dx", "dw", "db"} {
		for _, v := range got[i+1] {
			if v != 0 {
				t.Fatalf("%s has %g, want zeros", name, v)
			}
		}
	}
}
