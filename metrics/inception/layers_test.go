package inception

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"sweep/torchpt"
)

func tensors(m map[string][]float32) map[string]torchpt.Tensor {
	ts := map[string]torchpt.Tensor{}
	for k, v := range m {
		ts[k] = torchpt.Tensor{Name: k, DType: "F32", Shape: []int{len(v)}, Float32: v}
	}
	return ts
}

func randomFmap(r *rand.Rand, c, h, w int) fmap {
	x := newFmap(c, h, w)
	for i := range x.d {
		x.d[i] = float32(r.NormFloat64())
	}
	return x
}

// directConv is the textbook convolution with zero padding, bias and ReLU.
func directConv(c *conv, x fmap) fmap {
	oh, ow := (x.h+2*c.ph-c.kh)/c.sh+1, (x.w+2*c.pw-c.kw)/c.sw+1
	out := newFmap(c.cout, oh, ow)
	for o := range c.cout {
		for oy := range oh {
			for ox := range ow {
				sum := float64(c.b[o])
				for ci := range c.cin {
					for ky := range c.kh {
						for kx := range c.kw {
							iy, ix := oy*c.sh-c.ph+ky, ox*c.sw-c.pw+kx
							if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w {
								continue
							}
							wv := c.w[((o*c.cin+ci)*c.kh+ky)*c.kw+kx]
							sum += float64(wv) * float64(x.d[(ci*x.h+iy)*x.w+ix])
						}
					}
				}
				out.d[(o*oh+oy)*ow+ox] = float32(max(sum, 0))
			}
		}
	}
	return out
}

func TestConvMatchesDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []convSpec{
		spec("3x3 s2", 3, 5, k3, s2, p0),
		spec("3x3 p1", 4, 6, k3, s1, p1),
		spec("1x1", 7, 3, k1, s1, p0),
		spec("5x5 p2", 2, 4, k5, s1, p2),
		spec("1x7", 3, 3, k17, s1, p03),
		spec("7x1", 3, 3, k71, s1, p30),
		spec("1x3", 3, 2, k13, s1, p01),
		spec("3x1", 3, 2, k31, s1, p10),
	} {
		t.Run(s.name, func(t *testing.T) {
			c := &conv{cin: s.cin, cout: s.cout, kh: s.kh, kw: s.kw, sh: s.sh, sw: s.sw, ph: s.ph, pw: s.pw,
				w: randomFmap(r, s.cout*s.cin, s.kh, s.kw).d, b: randomFmap(r, s.cout, 1, 1).d}
			x := randomFmap(r, s.cin, 9, 11)
			got, want := c.forward(x), directConv(c, x)
			if got.c != want.c || got.h != want.h || got.w != want.w {
				t.Fatalf("output %dx%dx%d, want %dx%dx%d", got.c, got.h, got.w, want.c, want.h, want.w)
			}
			for i := range want.d {
				if math.Abs(float64(got.d[i]-want.d[i])) > 1e-5 {
					t.Fatalf("element %d = %v, want %v", i, got.d[i], want.d[i])
				}
			}
		})
	}
}

func TestFoldBatchNorm(t *testing.T) {
	s := spec("c", 1, 2, k1, s1, p0)
	ts := map[string][]float32{
		"c.conv.weight": {2, -1}, "c.bn.weight": {3, 0.5}, "c.bn.bias": {1, -2},
		"c.bn.running_mean": {0.5, 4}, "c.bn.running_var": {0.999, 3.999},
	}
	c := foldBatchNorm(s, tensors(ts))
	// bn(conv(x)) = γ(wx − mean)/√(var+ε) + β at x = 1: 3(2−0.5)/1 + 1 = 5.5 and 0.5(−1−4)/2 − 2 = −3.25.
	x := fmap{1, 1, 1, []float32{1}}
	if got := c.forward(x).d; got[0] != 5.5 || got[1] != 0 {
		t.Errorf("folded outputs %v, want [5.5 0] (-3.25 after ReLU)", got)
	}
	if c.w[1] != -0.25 || c.b[1] != -3 {
		t.Errorf("channel 1 folded to w=%v b=%v, want -0.25 and -3", c.w[1], c.b[1])
	}
}

func TestAvgPool3ExcludesPadding(t *testing.T) {
	x := fmap{1, 3, 3, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	// Corners average 4 values, edges 6, the centre 9: (1+2+4+5)/4 = 3, (1+2+3+4+5+6)/6 = 3.5.
	want := []float32{3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7}
	if got := avgPool3(x).d; !slices.Equal(got, want) {
		t.Errorf("avgPool3 = %v, want %v", got, want)
	}
}

func TestMaxPool(t *testing.T) {
	x := fmap{1, 5, 5, make([]float32, 25)}
	for i := range x.d {
		x.d[i] = float32((i * 7) % 25)
	}
	// Rows of x: 0 7 14 21 3 / 10 17 24 6 13 / 20 2 9 16 23 / 5 12 19 1 8 / 15 22 4 11 18.
	got := maxPool(x, 3, 2, 0)
	if got.h != 2 || got.w != 2 || !slices.Equal(got.d, []float32{24, 24, 22, 23}) {
		t.Errorf("maxPool(3, 2, 0) = %dx%d %v, want 2x2 [24 24 22 23]", got.h, got.w, got.d)
	}
	neg := fmap{1, 2, 2, []float32{-4, -3, -2, -1}}
	if got := maxPool(neg, 3, 1, 1).d; !slices.Equal(got, []float32{-1, -1, -1, -1}) {
		t.Errorf("padded maxPool = %v, want all -1 (padding never wins)", got)
	}
	if got := maxPool(fmap{1, 147, 147, make([]float32, 147*147)}, 3, 2, 0); got.h != 73 || got.w != 73 {
		t.Errorf("147 pools to %d, want 73", got.h)
	}
}

func TestResizeBilinear(t *testing.T) {
	cases := []struct {
		name   string
		in     fmap
		oh, ow int
		want   []float32
	}{
		// Upsampling 2→4: source x = (d+0.5)/2 − 0.5 = −0.25 (clamped to 0), 0.25, 0.75, 1.25 (edge).
		{"up", fmap{1, 2, 2, []float32{0, 4, 8, 12}}, 4, 4,
			[]float32{0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12}},
		// Downsampling 4→2 without antialias: source 0.5 and 2.5, the mean of each pair.
		{"down", fmap{1, 1, 4, []float32{0, 1, 2, 3}}, 1, 2, []float32{0.5, 2.5}},
		// 3→2: scale 1.5, source 0.25 and 1.75.
		{"3 to 2", fmap{1, 1, 3, []float32{0, 4, 8}}, 1, 2, []float32{1, 7}},
		{"identity", fmap{2, 2, 1, []float32{1, 2, 3, 4}}, 2, 1, []float32{1, 2, 3, 4}},
	}
	for _, c := range cases {
		if got := resizeBilinear(c.in, c.oh, c.ow).d; !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestConcat(t *testing.T) {
	a := fmap{1, 1, 2, []float32{1, 2}}
	b := fmap{2, 1, 2, []float32{3, 4, 5, 6}}
	if got := concat(a, b); got.c != 3 || !slices.Equal(got.d, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("concat = %d channels %v", got.c, got.d)
	}
}
