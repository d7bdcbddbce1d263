package vec

import "math"

// ExpNonPositive is e^x rounded to float32 for x ≤ 0, several times faster than
// float32(math.Exp(float64(x))) and within one float32 ulp of it. The attention scores need
// an exponential per entry of an HW x HW matrix, which math.Exp would dominate.
//
// e^x = 2^k · e^r with k = round(x/ln 2) and |r| ≤ ln(2)/2, where e^r is its Taylor series
// to degree 7 (relative error below 6e-9, a tenth of a float32 ulp); the scaling is done on
// the float64 exponent, so results down to float32's subnormals come out right.
func ExpNonPositive(x float32) float32 {
	if x < -104 { // below float32's smallest subnormal, and keeps -Inf out of the integer k
		return 0
	}
	xd := float64(x)
	k := math.Floor(xd*math.Log2E + 0.5)
	r := xd - k*math.Ln2
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return float32(math.Float64frombits(math.Float64bits(p) + uint64(int64(k))<<52))
}

// ExpShifted writes out[i] = ExpNonPositive(in[i] - shift), for a shift at least every
// in[i]: the numerators of a softmax row, shifted by its maximum.
func ExpShifted(out, in []float32, shift float32) { kernels.expShifted(out[:len(in)], in, shift) }

func expShiftedGo(out, in []float32, shift float32) {
	for i, v := range in {
		out[i] = ExpNonPositive(v - shift)
	}
}
