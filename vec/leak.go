package vec

import "math"

// Leak holds LeakyReLU's slope (0 for ReLU) and 1 as float32 bit patterns, the two factors
// by which an activation and its gradient are scaled.
type Leak struct{ one, slope uint32 }

// NewLeak is the Leak of slope.
func NewLeak(slope float32) Leak { return Leak{math.Float32bits(1), math.Float32bits(slope)} }

// Factor is 1 for v > 0 and the slope otherwise (-0 and +0 included), computed without a
// branch: the sign of an activation is unpredictable, and a mispredicted branch costs more
// than the element's arithmetic. It compares v's bits as an integer, as the vector loops do.
func (l Leak) Factor(v float32) float32 {
	b := int32(math.Float32bits(v))
	mask := uint32((b | (b - 1)) >> 31) // all ones when b <= 0 as an integer, i.e. v <= 0
	return math.Float32frombits(l.one&^mask | l.slope&mask)
}
