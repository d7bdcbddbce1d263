package vec

import (
	"math"
	"testing"
)

// TestExpNonPositive compares with float32(math.Exp) over [-110, 0]: at most one float32
// ulp apart, exact at 0, and 0 once the result underflows.
func TestExpNonPositive(t *testing.T) {
	worst, differ, n := 0, 0, 0
	for x := float32(0); x > -110; x -= 0.000731 {
		want, got := float32(math.Exp(float64(x))), ExpNonPositive(x)
		d := int(math.Float32bits(got)) - int(math.Float32bits(want))
		if d < 0 {
			d = -d
		}
		worst = max(worst, d)
		if d != 0 {
			differ++
		}
		n++
	}
	if worst > 1 {
		t.Errorf("ExpNonPositive is %d ulps from float32(math.Exp)", worst)
	}
	t.Logf("%d of %d values one ulp apart", differ, n)
	for _, x := range []float32{0, float32(math.Copysign(0, -1))} {
		if got := ExpNonPositive(x); got != 1 {
			t.Errorf("ExpNonPositive(%v) = %v, want 1", x, got)
		}
	}
	for _, x := range []float32{-104.5, -1e30, float32(math.Inf(-1))} {
		if got := ExpNonPositive(x); got != 0 {
			t.Errorf("ExpNonPositive(%v) = %v, want 0", x, got)
		}
	}
}

func BenchmarkExp(b *testing.B) {
	xs := make([]float32, 4096)
	for i := range xs {
		xs[i] = -float32(i) * 0.01
	}
	var s float32
	b.Run("math", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, x := range xs {
				s += float32(math.Exp(float64(x)))
			}
		}
	})
	b.Run("ExpNonPositive", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, x := range xs {
				s += ExpNonPositive(x)
			}
		}
	})
	out := make([]float32, len(xs))
	b.Run("ExpShifted", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ExpShifted(out, xs, 0)
		}
	})
	_ = s
}

// TestExpShifted checks ExpShifted, vector loops or not, against ExpNonPositive bit for bit
// on the grid of TestExpNonPositive and at the underflow boundary, with and without a shift.
func TestExpShifted(t *testing.T) {
	var xs []float32
	for x := float32(0); x > -110; x -= 0.000731 {
		xs = append(xs, x)
	}
	xs = append(xs, -104, -103.99999, -104.00001, float32(math.Inf(-1)), float32(math.Copysign(0, -1)))
	for _, shift := range []float32{0, 3.25} {
		in := make([]float32, len(xs))
		for i, x := range xs {
			in[i] = x + shift
		}
		out := make([]float32, len(in))
		ExpShifted(out, in, shift)
		for i, v := range in {
			if want := ExpNonPositive(v - shift); math.Float32bits(out[i]) != math.Float32bits(want) {
				t.Fatalf("ExpShifted (%s) of %g - %g = %g, want %g", Vectorised(), v, shift, out[i], want)
			}
		}
	}
}
