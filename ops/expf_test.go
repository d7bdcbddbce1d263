package ops

import (
	"math"
	"testing"
)

// TestExpNonPositive compares with float32(math.Exp) over [-110, 0]: at most one float32
// ulp apart, exact at 0, and 0 once the result underflows.
func TestExpNonPositive(t *testing.T) {
	worst, differ, n := 0, 0, 0
	for x := float32(0); x > -110; x -= 0.000731 {
		want, got := float32(math.Exp(float64(x))), expNonPositive(x)
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
		t.Errorf("expNonPositive is %d ulps from float32(math.Exp)", worst)
	}
	t.Logf("%d of %d values one ulp apart", differ, n)
	for _, x := range []float32{0, float32(math.Copysign(0, -1))} {
		if got := expNonPositive(x); got != 1 {
			t.Errorf("expNonPositive(%v) = %v, want 1", x, got)
		}
	}
	for _, x := range []float32{-104.5, -1e30, float32(math.Inf(-1))} {
		if got := expNonPositive(x); got != 0 {
			t.Errorf("expNonPositive(%v) = %v, want 0", x, got)
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
	b.Run("expNonPositive", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, x := range xs {
				s += expNonPositive(x)
			}
		}
	})
	_ = s
}
