package vec

// Winograd's F(2x2, 3x3) transforms: the 1-D transforms on four (two) numbers, and the 2-D
// transforms of a row of tiles built from them.

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

// The tile forms transform a row of n 4x4 input tiles (or 2x2 output tiles) in both
// directions at once: tile j covers columns 2j..2j+3 (2j, 2j+1) of the tile row's four (two)
// rows, and entry ξ = 4a+b of its transform (a down, b across) is element j of lane ξ,
// lanes being vs apart. Rows are ds (ys) apart; the 1-D transform runs along the rows
// first, then down the columns, as ops' transforms have always computed it.

// TileBT writes the input transforms V_j = Bᵀ d_j B of n tiles whose four rows, each 2n+2
// floats, lie ds apart in d, into the 16 lanes of v.
func TileBT(v []float32, vs int, d []float32, ds, n int) { kernels.tileBT(v, vs, d, ds, n) }

func tileBTGo(v []float32, vs int, d []float32, ds, n int) {
	for j := range n {
		var q [4][4]float32 // q[i][b]: Bᵀ along row i
		for i := range q {
			r := d[i*ds+2*j:][:4]
			q[i][0], q[i][1], q[i][2], q[i][3] = BT(r[0], r[1], r[2], r[3])
		}
		for b := range 4 {
			v[b*vs+j], v[(4+b)*vs+j], v[(8+b)*vs+j], v[(12+b)*vs+j] = BT(q[0][b], q[1][b], q[2][b], q[3][b])
		}
	}
}

// TileB writes the four rows d[i·ds : i·ds+2n+2] of Σ_j B V_j Bᵀ, TileBT's adjoint: the n
// tiles' gradients, overlapping by two columns, added onto zero in tile order.
func TileB(d []float32, ds int, v []float32, vs, n int) { kernels.tileB(d, ds, v, vs, n) }

func tileBGo(d []float32, ds int, v []float32, vs, n int) {
	for i := range 4 {
		clear(d[i*ds:][:2*n+2])
	}
	addTileB(d, ds, v, vs, n)
}

// addTileB adds the n tiles' B V_j Bᵀ onto the rows in tile order.
func addTileB(d []float32, ds int, v []float32, vs, n int) {
	for j := range n {
		var q [4][4]float32 // q[a][b]: B down column b
		for b := range 4 {
			q[0][b], q[1][b], q[2][b], q[3][b] = B(v[b*vs+j], v[(4+b)*vs+j], v[(8+b)*vs+j], v[(12+b)*vs+j])
		}
		for i := range q {
			d0, d1, d2, d3 := B(q[i][0], q[i][1], q[i][2], q[i][3])
			r := d[i*ds+2*j:][:4]
			r[0] += d0
			r[1] += d1
			r[2] += d2
			r[3] += d3
		}
	}
}

// TileAT writes the two rows y[p·ys : p·ys+2n] of the output tiles Aᵀ M_j A + bias of n
// tiles from the 16 lanes of m.
func TileAT(y []float32, ys int, m []float32, ms, n int, bias float32) {
	kernels.tileAT(y, ys, m, ms, n, bias)
}

func tileATGo(y []float32, ys int, m []float32, ms, n int, bias float32) {
	for j := range n {
		var s [2][4]float32 // s[p][b]: Aᵀ down column b
		for b := range 4 {
			s[0][b], s[1][b] = AT(m[b*ms+j], m[(4+b)*ms+j], m[(8+b)*ms+j], m[(12+b)*ms+j])
		}
		for p := range s {
			y0, y1 := AT(s[p][0], s[p][1], s[p][2], s[p][3])
			y[p*ys+2*j], y[p*ys+2*j+1] = y0+bias, y1+bias
		}
	}
}

// TileA writes M_j = A Y_j Aᵀ, TileAT's adjoint, into the 16 lanes of m for the n 2x2
// blocks Y_j of the two rows y[p·ys : p·ys+2n].
func TileA(m []float32, ms int, y []float32, ys, n int) { kernels.tileA(m, ms, y, ys, n) }

func tileAGo(m []float32, ms int, y []float32, ys, n int) {
	for j := range n {
		var s [2][4]float32 // s[p][b]: A along row p
		for p := range s {
			s[p][0], s[p][1], s[p][2], s[p][3] = A(y[p*ys+2*j], y[p*ys+2*j+1])
		}
		for b := range 4 {
			m[b*ms+j], m[(4+b)*ms+j], m[(8+b)*ms+j], m[(12+b)*ms+j] = A(s[0][b], s[1][b])
		}
	}
}
