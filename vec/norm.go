package vec

// Normalised is one instance-norm activation before its leak, ŷ = float32((x - mean)·invStd)
// computed in float64.
func Normalised(x float32, mean, invStd float64) float32 {
	return float32((float64(x) - mean) * invStd)
}

// NormAct writes one instance-norm plane's activations: with ŷ = float32((x - mean)·invStd)
// computed in float64, out[i] = ŷ·l.Factor(ŷ) for x = in[i].
func NormAct(out, in []float32, mean, invStd float64, l Leak) {
	kernels.normAct(out[:len(in)], in, mean, invStd, l)
}

func normActGo(out, in []float32, mean, invStd float64, l Leak) {
	for i, v := range in {
		yh := Normalised(v, mean, invStd)
		out[i] = yh * l.Factor(yh)
	}
}

// NormActGrad adds one instance-norm plane's input gradient to dx, in float64:
//
//	dx[i] += float32((g - mg - ŷ·mgy)·invStd),  g = dy[i]·l.Factor(ŷ),  ŷ as in NormAct
//
// where mg and mgy are the plane's means of g and g·ŷ.
func NormActGrad(dx, dy, in []float32, mean, invStd, mg, mgy float64, l Leak) {
	n := len(in)
	kernels.normActGrad(dx[:n], dy[:n], in, mean, invStd, mg, mgy, l)
}

func normActGradGo(dx, dy, in []float32, mean, invStd, mg, mgy float64, l Leak) {
	for i, v := range in {
		yh32 := Normalised(v, mean, invStd)
		yh, g := float64(yh32), float64(dy[i])*float64(l.Factor(yh32))
		dx[i] += float32((g - mg - yh*mgy) * invStd)
	}
}
