package vec

// Winograd's F(2x2, 3x3) 1-D transforms, on four numbers (the row passes of ops' transforms)
// and on lanes (the column passes): element j of each output lane is the transform of
// element j of the input lanes, which all have the output lanes' length.

// BT is Bᵀ·d.
func BT(d0, d1, d2, d3 float32) (float32, float32, float32, float32) {
	return d0 - d2, d1 + d2, d2 - d1, d1 - d3
}

// B is B·v, the adjoint of BT.
func B(v0, v1, v2, v3 float32) (float32, float32, float32, float32) {
	return v0, v1 - v2 + v3, v1 + v2 - v0, -v3
}

// AT is Aᵀ·m.
func AT(m0, m1, m2, m3 float32) (float32, float32) { return m0 + m1 + m2, m1 - m2 - m3 }

// A is A·y, the adjoint of AT.
func A(y0, y1 float32) (float32, float32, float32, float32) { return y0, y0 + y1, y0 - y1, -y1 }

// The lane forms transform n elements of four (or two) lanes: lane k of o is
// o[k·os : k·os+n], lane k of the input in[k·is : k·is+n].

// BTLanes writes o = Bᵀ·d lane by lane.
func BTLanes(o []float32, os int, d []float32, ds, n int) { kernels.btLanes(o, os, d, ds, n) }

func btLanesGo(o []float32, os int, d []float32, ds, n int) {
	for j := range n {
		o[j], o[os+j], o[2*os+j], o[3*os+j] = BT(d[j], d[ds+j], d[2*ds+j], d[3*ds+j])
	}
}

// BLanes writes o = B·v lane by lane.
func BLanes(o []float32, os int, v []float32, vs, n int) { kernels.bLanes(o, os, v, vs, n) }

func bLanesGo(o []float32, os int, v []float32, vs, n int) {
	for j := range n {
		o[j], o[os+j], o[2*os+j], o[3*os+j] = B(v[j], v[vs+j], v[2*vs+j], v[3*vs+j])
	}
}

// ATLanes writes the two lanes o = Aᵀ·m lane by lane.
func ATLanes(o []float32, os int, m []float32, ms, n int) { kernels.atLanes(o, os, m, ms, n) }

func atLanesGo(o []float32, os int, m []float32, ms, n int) {
	for j := range n {
		o[j], o[os+j] = AT(m[j], m[ms+j], m[2*ms+j], m[3*ms+j])
	}
}

// ALanes writes o = A·y lane by lane, from the two lanes of y.
func ALanes(o []float32, os int, y []float32, ys, n int) { kernels.aLanes(o, os, y, ys, n) }

func aLanesGo(o []float32, os int, y []float32, ys, n int) {
	for j := range n {
		o[j], o[os+j], o[2*os+j], o[3*os+j] = A(y[j], y[ys+j])
	}
}
