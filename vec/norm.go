package vec

import "math"

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

// The plane sums of the instance norm keep sumLanes partial sums: element i goes to partial
// sum i mod sumLanes, and the partial sums are added pairwise at the end, so vector code
// adding eight elements at a time computes the plain loops' bits.
const sumLanes = 8

// partialSums are the sumLanes partial sums of a plane sum.
type partialSums [sumLanes]float64

// total adds the partial sums as SumPartials does.
func (s *partialSums) total() float64 { return sumPartials(s[:]) }

// PlaneStats is the mean and 1/sqrt(biased variance + eps) of one plane, summed in float64:
// the mean first, then the squared deviations from it.
func PlaneStats(v []float32, eps float64) (mean, invStd float64) {
	s := kernels.sum(v)
	mean = s / float64(len(v))
	ss := kernels.sumSquares(v, mean)
	return mean, 1 / math.Sqrt(ss/float64(len(v))+eps)
}

func sumGo(v []float32) float64 {
	var s partialSums
	addSums(&s, v, 0)
	return s.total()
}

// addSums adds v's elements, the first being element first of its plane, to the partial sums.
func addSums(s *partialSums, v []float32, first int) {
	for i, x := range v {
		s[(first+i)%sumLanes] += float64(x)
	}
}

func sumSquaresGo(v []float32, mean float64) float64 {
	var s partialSums
	addSquares(&s, v, 0, mean)
	return s.total()
}

// addSquares adds the squared deviations from mean of v's elements to the partial sums.
func addSquares(s *partialSums, v []float32, first int, mean float64) {
	for i, x := range v {
		d := float64(x) - mean
		s[(first+i)%sumLanes] += d * d
	}
}

// NormGradSums are one instance-norm plane's Σ g and Σ g·ŷ, with g = dy[i]·l.Factor(ŷ) and ŷ
// as in NormAct for x = in[i], summed in float64.
func NormGradSums(dy, in []float32, mean, invStd float64, l Leak) (sg, sgy float64) {
	return kernels.normGradSums(dy[:len(in)], in, mean, invStd, l)
}

func normGradSumsGo(dy, in []float32, mean, invStd float64, l Leak) (sg, sgy float64) {
	var g, gy partialSums
	addGradSums(&g, &gy, dy, in, 0, mean, invStd, l)
	return g.total(), gy.total()
}

// addGradSums adds the elements' g and g·ŷ to the partial sums.
func addGradSums(g, gy *partialSums, dy, in []float32, first int, mean, invStd float64, l Leak) {
	for i, v := range in {
		yh32 := Normalised(v, mean, invStd)
		yh, gi := float64(yh32), float64(dy[i])*float64(l.Factor(yh32))
		g[(first+i)%sumLanes] += gi
		gy[(first+i)%sumLanes] += gi * yh
	}
}
