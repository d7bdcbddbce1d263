package ops

import (
	"fmt"
	"testing"
)

// BenchmarkIm2col times im2col and col2im at the generator's crop 64 geometries: a residual
// block's 3x3 convolution over its reflection-padded 16x16 map, the 7x7 stem and a 3x3 at 32x32.
func BenchmarkIm2col(b *testing.B) {
	for _, s := range []struct{ c, h, k, pad int }{{256, 18, 3, 0}, {64, 70, 7, 0}, {128, 34, 3, 0}} {
		g := newConvGeom(s.c, s.h, s.h, s.k, s.pad, 1, 1, DefaultBandFloats)
		x := make([]float32, s.c*s.h*s.h)
		col := make([]float32, s.c*s.k*s.k*g.ho*g.wo)
		b.Run(fmt.Sprintf("im2col-%d-%d", s.c, s.h), func(b *testing.B) {
			for b.Loop() {
				im2col(x, g, 0, g.ho, col)
			}
			b.SetBytes(int64(4 * len(col)))
		})
		b.Run(fmt.Sprintf("col2im-%d-%d", s.c, s.h), func(b *testing.B) {
			for b.Loop() {
				col2im(col, g, 0, g.ho, x)
			}
			b.SetBytes(int64(4 * len(col)))
		})
	}
}
