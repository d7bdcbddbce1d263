//go:build goexperiment.simd

package vec

import "simd/archsimd"

func init() {
	if archsimd.X86.AVX2() {
		kernels.add, kernels.adam = addX8, adamX8
		vectorised = "avx2"
	}
}

// lanes is the width of a vector of float32s; the tail of a slice shorter than that runs
// through the plain-Go loop.
const lanes = 8

func load(s []float32) archsimd.Float32x8 { return archsimd.LoadFloat32x8Slice(s) }

func splat(x float32) archsimd.Float32x8 { return archsimd.BroadcastFloat32x8(x) }

func addX8(dst, src []float32) {
	n := len(src) &^ (lanes - 1)
	for i := 0; i < n; i += lanes {
		load(dst[i:]).Add(load(src[i:])).StoreSlice(dst[i:])
	}
	addGo(dst[n:], src[n:])
}

func adamX8(m, v, p, g []float32, k AdamConsts) {
	n := len(g) &^ (lanes - 1)
	b1, b2, c1, c2 := splat(k.B1), splat(k.B2), splat(k.C1), splat(k.C2)
	step, bc2, eps := splat(k.Step), splat(k.BC2Sqrt), splat(k.Eps)
	for i := 0; i < n; i += lanes {
		gi := load(g[i:])
		mi := load(m[i:]).Mul(b1).Add(c1.Mul(gi))
		vi := load(v[i:]).Mul(b2).Add(c2.Mul(gi).Mul(gi))
		mi.StoreSlice(m[i:])
		vi.StoreSlice(v[i:])
		denom := vi.Sqrt().Div(bc2).Add(eps)
		load(p[i:]).Sub(step.Mul(mi.Div(denom))).StoreSlice(p[i:])
	}
	adamGo(m[n:], v[n:], p[n:], g[n:], k)
}
