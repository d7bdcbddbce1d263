package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sweep/internal/tensortest"
	"sweep/linalg"
	"sweep/tensor"
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

// BenchmarkWinogradParts times each step of F(2x2, 3x3) at a residual block's geometry
// (256 channels, 18x18 padded map, one and two images), so the transforms are visible beside
// the products.
func BenchmarkWinogradParts(b *testing.B) {
	for _, imgs := range []int{1, 2} {
		g := newWinoGeom(256, 256, 18, 18, 0, imgs, DefaultBandFloats)
		pool := &tensor.Pool{}
		ws, done := g.work(pool)
		n := g.bandTiles(0, g.th)
		v, m := ws.v[:winoSize*winoPlane(g.c*n)], ws.m[:winoSize*winoPlane(g.o*n)]
		x, y := make([]float32, imgs*g.c*g.h*g.w), make([]float32, imgs*g.o*g.ho*g.wo)
		w, dw := make([]float32, g.o*g.c*9), make([]float32, g.o*g.c*9)
		for _, p := range []struct {
			name string
			f    func()
		}{
			{"filter", func() { winoFilter(w, g, ws.u) }},
			{"filterAdjoint", func() { winoFilterAdjoint(ws.u, g, dw) }},
			{"input", func() { winoInput(x, g, 0, g.th, v, ws.rows) }},
			{"inputAdjoint", func() { winoInputAdjoint(v, g, 0, g.th, x, ws.rows) }},
			{"output", func() { winoOutput(m, g, 0, g.th, nil, y, ws.rows) }},
			{"outputAdjoint", func() { winoOutputAdjoint(y, g, 0, g.th, m, ws.rows) }},
			{"products", func() { linalg.GemmBatch(false, false, g.o, n, g.c, ws.u, v, 0, m, winoSize, winoPlane) }},
			{"productsDU", func() { linalg.GemmBatch(false, true, g.o, g.c, n, m, v, 1, ws.u, winoSize, winoPlane) }},
			{"productsDV", func() { linalg.GemmBatch(true, false, g.c, n, g.o, ws.u, m, 0, v, winoSize, winoPlane) }},
		} {
			b.Run(fmt.Sprintf("%s-%dimg", p.name, imgs), func(b *testing.B) {
				for b.Loop() {
					p.f()
				}
			})
		}
		done()
	}
}

// BenchmarkConvLowerings times a 3x3 convolution's forward and backward passes through
// im2col and through Winograd's F(2x2, 3x3) at the generator's residual-block geometry
// and smaller maps, one image and a batch of two: the measurements behind useWinograd.
func BenchmarkConvLowerings(b *testing.B) {
	for _, s := range []struct{ c, h, imgs int }{{256, 18, 1}, {256, 18, 2}, {256, 10, 1}, {256, 10, 2}, {128, 10, 2}, {64, 10, 2}} {
		rng := rand.New(rand.NewPCG(1, 2))
		x := tensortest.RandVar(rng, 1, s.c*s.imgs, s.h, s.h)
		w, bias := tensortest.RandVar(rng, 0.1, s.c, s.c, 3, 3), tensortest.RandVar(rng, 0.1, s.c)
		pool := &tensor.Pool{}
		for _, l := range []struct {
			name string
			conv func(*tensor.Tape) *tensor.Var
		}{
			{"im2col", func(tp *tensor.Tape) *tensor.Var {
				return im2colConv(tp, x, w, bias, newConvGeom(s.c, s.h, s.h, 3, 0, 1, 1, DefaultBandFloats).batch(s.imgs))
			}},
			{"winograd", func(tp *tensor.Tape) *tensor.Var { return winogradConv(tp, x, w, bias, 0, s.imgs, DefaultBandFloats) }},
		} {
			b.Run(fmt.Sprintf("%s-%dch-%dx%d-%dimg", l.name, s.c, s.h-2, s.h-2, s.imgs), func(b *testing.B) {
				for _, v := range []*tensor.Var{x, w, bias} {
					v.NeedsGrad = true
					v.UsePool(pool)
				}
				for b.Loop() {
					tp := tensor.NewTape(pool)
					y := l.conv(tp)
					tp.Backward(tensortest.Project(tp, y))
					tp.Release()
					for _, v := range []*tensor.Var{x, w, bias} {
						v.DropGrad()
					}
				}
			})
		}
	}
}
