package ops

import (
	"sweep/tensor"
	"sweep/vec"
)

// A batch of n images [C,H,W] is one tensor [C·n, H, W], stacked channel-major: plane c·n+i
// is channel c of image i. Every op that works plane by plane (pads, norms, blurs,
// activations, sums) computes on a batch what it computes on each image alone, and
// Conv2DBatch gives its products all n images' columns at once.

// Stack is the batch of the images xs, all of one shape [C,H,W].
func Stack(t *tensor.Tape, xs ...*tensor.Var) *tensor.Var {
	c, h, w := xs[0].Shape[0], xs[0].Shape[1], xs[0].Shape[2]
	n, hw := len(xs), h*w
	y := t.Empty(c*n, h, w)
	tensor.ParallelFor(c, n*hw, func(ci int) {
		for i, x := range xs {
			copy(y.Data[(ci*n+i)*hw:][:hw], x.Data[ci*hw:][:hw])
		}
	})
	grads := make([]tensor.GradOf, n)
	for i, x := range xs {
		grads[i] = x.GradOnly()
	}
	t.Record(y, stackBack{grads, c, hw}, xs...)
	return y
}

// stackBack adds each image's planes of dy onto that image's gradient.
type stackBack struct {
	xs    []tensor.GradOf
	c, hw int
}

func (s stackBack) Backward(dy []float32) {
	n := len(s.xs)
	for i, x := range s.xs {
		if !x.Wanted() {
			continue
		}
		dx := x.Buf()
		tensor.ParallelFor(s.c, s.hw, func(ci int) {
			vec.Add(dx[ci*s.hw:][:s.hw], dy[(ci*n+i)*s.hw:][:s.hw])
		})
	}
}

// Image is image i of the batch x of n images: [C,H,W]. A batch of one is its image.
func Image(t *tensor.Tape, x *tensor.Var, n, i int) *tensor.Var {
	if n == 1 {
		return x
	}
	c, h, w := x.Shape[0]/n, x.Shape[1], x.Shape[2]
	hw := h * w
	y := t.Empty(c, h, w)
	tensor.ParallelFor(c, hw, func(ci int) {
		copy(y.Data[ci*hw:][:hw], x.Data[(ci*n+i)*hw:][:hw])
	})
	t.Record(y, imageBack{x.GradOnly(), c, n, i, hw}, x)
	return y
}

// imageBack adds dy onto image i's planes of the batch's gradient.
type imageBack struct {
	x           tensor.GradOf
	c, n, i, hw int
}

func (s imageBack) Backward(dy []float32) {
	dx := s.x.Buf()
	tensor.ParallelFor(s.c, s.hw, func(ci int) {
		vec.Add(dx[(ci*s.n+s.i)*s.hw:][:s.hw], dy[ci*s.hw:][:s.hw])
	})
}
