package ops

import (
	"sweep/tensor"
	"sweep/vec"
)

// ReflectPad pads each plane of x [C,H,W] by p on every side, mirroring without repeating
// the edge (PyTorch's ReflectionPad2d); backward adds each padded pixel's gradient back
// onto its source pixel.
func ReflectPad(t *tensor.Tape, x *tensor.Var, p int) *tensor.Var {
	return padOp(t, x, p, reflectIndex)
}

// ReplicatePad pads by repeating the edge pixel (PyTorch's ReplicationPad2d).
func ReplicatePad(t *tensor.Tape, x *tensor.Var, p int) *tensor.Var {
	return padOp(t, x, p, clampIndex)
}

func reflectIndex(i, n int) int {
	for i < 0 || i >= n {
		if i < 0 {
			i = -i
		}
		if i >= n {
			i = 2*(n-1) - i
		}
	}
	return i
}

func clampIndex(i, n int) int { return min(max(i, 0), n-1) }

func padOp(t *tensor.Tape, x *tensor.Var, p int, index func(i, n int) int) *tensor.Var {
	c, h, w := x.Shape[0], x.Shape[1], x.Shape[2]
	ho, wo := h+2*p, w+2*p
	srcY, srcX := make([]int, ho), make([]int, wo)
	for i := range srcY {
		srcY[i] = index(i-p, h)
	}
	for i := range srcX {
		srcX[i] = index(i-p, w)
	}
	y := t.Empty(c, ho, wo)
	tensor.ParallelFor(c, ho*wo, func(ci int) {
		for oy, iy := range srcY {
			padRow(y.Data[ci*ho*wo+oy*wo:][:wo], x.Data[ci*h*w+iy*w:][:w], srcX)
		}
	})
	t.Record(y, padBack{x.GradOnly(), srcY, srcX, c, h, w}, x)
	return y
}

// padBack adds each padded pixel's gradient back onto its source pixel (srcY, srcX).
type padBack struct {
	x          tensor.GradOf
	srcY, srcX []int
	c, h, w    int
}

func (s padBack) Backward(dy []float32) {
	dx, h, w := s.x.Buf(), s.h, s.w
	ho, wo := len(s.srcY), len(s.srcX)
	tensor.ParallelFor(s.c, ho*wo, func(ci int) {
		for oy, iy := range s.srcY {
			addPaddedRow(dx[ci*h*w+iy*w:][:w], dy[ci*ho*wo+oy*wo:][:wo], s.srcX)
		}
	})
}

// padRow writes one padded row from its source row: the borders through srcX, the interior
// in one copy.
func padRow(dst, src []float32, srcX []int) {
	p, w := (len(dst)-len(src))/2, len(src)
	for ox, ix := range srcX[:p] {
		dst[ox] = src[ix]
	}
	copy(dst[p:p+w], src)
	for ox, ix := range srcX[p+w:] {
		dst[p+w+ox] = src[ix]
	}
}

// addPaddedRow adds the gradient of one padded row back onto its source row, in the order of
// the padded row (left border, interior, right border), so every source pixel sums its
// shares in the same order as one pass over srcX would.
func addPaddedRow(din, dout []float32, srcX []int) {
	p, w := (len(dout)-len(din))/2, len(din)
	for ox, ix := range srcX[:p] {
		din[ix] += dout[ox]
	}
	vec.Add(din, dout[p:p+w])
	for ox, ix := range srcX[p+w:] {
		din[ix] += dout[p+w+ox]
	}
}
