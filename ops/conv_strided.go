package ops

import (
	"fmt"

	"sweep/tensor"
)

// ConvGeometry is the zero padding, stride and dilation of a convolution, as PyTorch's
// Conv2d(padding, stride, dilation) has them. Stride and Dilation 0 mean 1.
type ConvGeometry struct{ Pad, Stride, Dilation int }

// withDefaults makes a zero stride or dilation 1.
func (g ConvGeometry) withDefaults() ConvGeometry {
	if g.Stride == 0 {
		g.Stride = 1
	}
	if g.Dilation == 0 {
		g.Dilation = 1
	}
	return g
}

// Conv2DGeometry is Conv2D with a stride and a dilation:
//
//	y[o, oy, ox] = b[o] + Σ_{c,ky,kx} W[o, c, ky, kx] · x[c, s·oy + d·ky - pad, s·ox + d·kx - pad]
//
// (zero outside the image), with ho = ⌊(H + 2·pad - d·(k-1) - 1)/s⌋ + 1 outputs per column
// and wo likewise. The lowering is Conv2D's: y = W·col + b with col = im2col(x), whose
// column entry for (c, ky, kx) and output (oy, ox) reads the input pixel above. Backward
// is Conv2D's through col2im, which adds each column entry back onto that pixel:
//
//	dW += dy·colᵀ,  db += rowsum(dy),  dx += col2im(Wᵀ·dy).
//
// A stride-1, undilated geometry is exactly Conv2D (Winograd included where Conv2D takes
// it); every other goes through im2col.
func Conv2DGeometry(t *tensor.Tape, x, w, b *tensor.Var, g ConvGeometry) *tensor.Var {
	return ConvOptions{}.Conv2DGeometry(t, x, w, b, g)
}

// Conv2DGeometry is the package's Conv2DGeometry computed as o chooses.
func (o ConvOptions) Conv2DGeometry(t *tensor.Tape, x, w, b *tensor.Var, g ConvGeometry) *tensor.Var {
	g = g.withDefaults()
	if g.Stride == 1 && g.Dilation == 1 {
		return o.Conv2D(t, x, w, b, g.Pad)
	}
	geom, err := g.lower(x, w, o.band())
	if err != nil {
		panic("ops: Conv2DGeometry: " + err.Error())
	}
	return im2colConv(t, x, w, b, geom)
}

// lower checks the geometry against x [C,H,W] and w [O,C,k,k] and returns the column
// geometry of the convolution.
func (g ConvGeometry) lower(x, w *tensor.Var, band int) (convGeom, error) {
	if len(x.Shape) != 3 || len(w.Shape) != 4 || w.Shape[2] != w.Shape[3] {
		return convGeom{}, fmt.Errorf("x %v must be [C,H,W] and w %v [O,C,k,k]", x.Shape, w.Shape)
	}
	if w.Shape[1] != x.Shape[0] {
		return convGeom{}, fmt.Errorf("channel mismatch: x %v, w %v", x.Shape, w.Shape)
	}
	if g.Pad < 0 || g.Stride < 1 || g.Dilation < 1 {
		return convGeom{}, fmt.Errorf("padding %d, stride %d, dilation %d", g.Pad, g.Stride, g.Dilation)
	}
	c := newConvGeom(x.Shape[0], x.Shape[1], x.Shape[2], w.Shape[2], g.Pad, g.Stride, g.Dilation, band)
	if c.ho < 1 || c.wo < 1 {
		return convGeom{}, fmt.Errorf("a %dx%d kernel of dilation %d does not fit a %dx%d input padded by %d", c.k, c.k, c.dil, c.h, c.w, c.pad)
	}
	return c, nil
}
