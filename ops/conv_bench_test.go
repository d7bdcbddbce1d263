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

// BenchmarkConvLowerings times a convolution's forward and backward passes through the
// lowerings Conv2D chooses between: im2col against Winograd's F(2x2, 3x3) for 3x3 kernels at
// the generator's residual-block geometry and smaller maps (the measurements behind
// useWinograd), and im2col against the direct sum for the 64→3 output layer at crop 64
// (useDirect); one image and a batch of two.
func BenchmarkConvLowerings(b *testing.B) {
	type lowering struct {
		name string
		conv func(tp *tensor.Tape, x, w, bias *tensor.Var, g convGeom) *tensor.Var
	}
	im2col := lowering{"im2col", im2colConv}
	winograd := lowering{"winograd", func(tp *tensor.Tape, x, w, bias *tensor.Var, g convGeom) *tensor.Var {
		return winogradConv(tp, x, w, bias, g.pad, g.imgs, g.band)
	}}
	direct := lowering{"direct", directConv}
	for _, s := range []struct {
		c, o, h, k, imgs int
		lowerings        []lowering
	}{
		{256, 256, 18, 3, 1, []lowering{im2col, winograd}}, {256, 256, 18, 3, 2, []lowering{im2col, winograd}},
		{256, 256, 10, 3, 1, []lowering{im2col, winograd}}, {256, 256, 10, 3, 2, []lowering{im2col, winograd}},
		{128, 128, 10, 3, 2, []lowering{im2col, winograd}}, {64, 64, 10, 3, 2, []lowering{im2col, winograd}},
		{64, 3, 70, 7, 2, []lowering{im2col, direct}},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		x := tensortest.RandVar(rng, 1, s.c*s.imgs, s.h, s.h)
		w, bias := tensortest.RandVar(rng, 0.1, s.o, s.c, s.k, s.k), tensortest.RandVar(rng, 0.1, s.o)
		g := newConvGeom(s.c, s.h, s.h, s.k, 0, 1, 1, DefaultBandFloats).batch(s.imgs)
		pool := &tensor.Pool{}
		for _, l := range s.lowerings {
			b.Run(fmt.Sprintf("%s-%dto%d-%dx%d-k%d-%dimg", l.name, s.c, s.o, g.ho, g.wo, s.k, s.imgs), func(b *testing.B) {
				for _, v := range []*tensor.Var{x, w, bias} {
					v.NeedsGrad = true
					v.UsePool(pool)
				}
				for b.Loop() {
					tp := tensor.NewTape(pool)
					y := l.conv(tp, x, w, bias, g)
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
