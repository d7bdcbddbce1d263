package ops

import (
	"sweep/tensor"
	"sweep/vec"
)

// InstanceNormEps is PyTorch's InstanceNorm2d default epsilon.
const InstanceNormEps = 1e-5

// InstanceNorm normalises every channel plane of x [C,H,W] by its own mean and biased
// variance (no affine, no running statistics): y = (x - μ) / sqrt(σ² + ε). It is
// InstanceNormAct with the identity as activation.
func InstanceNorm(t *tensor.Tape, x *tensor.Var) *tensor.Var { return InstanceNormAct(t, x, 1) }

// InstanceNormAct is InstanceNorm followed by LeakyReLU(slope) (ReLU for slope 0) as one op:
//
//	ŷ = (x - μ)/sqrt(σ² + ε),  y = ŷ > 0 ? ŷ : slope·ŷ
//	g = dy ⊙ (ŷ > 0 ? 1 : slope),  dx = (g - mean(g) - ŷ ⊙ mean(g ⊙ ŷ)) / sqrt(σ² + ε)
//
// The backward pass recomputes ŷ from x, which the op's input keeps anyway, so neither ŷ nor
// its gradient is ever stored: one activation less per layer and no extra pass.
func InstanceNormAct(t *tensor.Tape, x *tensor.Var, slope float32) *tensor.Var {
	c, n := x.Shape[0], x.Shape[1]*x.Shape[2]
	y := t.Empty(x.Shape...)
	mean, invStd := make([]float64, c), make([]float64, c)
	leak := vec.NewLeak(slope)
	tensor.ParallelFor(c, n, func(ci int) {
		in := x.Data[ci*n : (ci+1)*n]
		mean[ci], invStd[ci] = vec.PlaneStats(in, InstanceNormEps)
		vec.NormAct(y.Data[ci*n:(ci+1)*n], in, mean[ci], invStd[ci], leak)
	})
	t.Record(y, instanceNormBack{x, mean, invStd, leak}, x)
	return y
}

// instanceNormBack is, per channel plane, g = dy ⊙ (ŷ > 0 ? 1 : slope) and
// dx += (g - mean(g) - ŷ ⊙ mean(g ⊙ ŷ)) / sqrt(σ² + ε), with ŷ recomputed from x.
type instanceNormBack struct {
	x            *tensor.Var
	mean, invStd []float64
	leak         vec.Leak
}

func (s instanceNormBack) Backward(dy []float32) {
	x, leak := s.x, s.leak
	c, n := x.Shape[0], x.Shape[1]*x.Shape[2]
	dx := x.GradBuf()
	tensor.ParallelFor(c, n, func(ci int) {
		in := x.Data[ci*n : (ci+1)*n]
		dy, d := dy[ci*n : (ci+1)*n][:len(in)], dx[ci*n : (ci+1)*n][:len(in)]
		mu, is := s.mean[ci], s.invStd[ci]
		sg, sgy := vec.NormGradSums(dy, in, mu, is, leak)
		vec.NormActGrad(d, dy, in, mu, is, sg/float64(n), sgy/float64(n), leak)
	})
}
