package vec

// The direct convolution's loops (ops' convolutions with few output channels): every tap
// t of the kernel reads a run of the input at its own offset offs[t] from an output row's.

// AddTaps adds, to each of n output rows y[i·ys : i·ys+wo], every tap's weighted input run:
// y[i·ys+p] += w[(t·n+i)·8] · x[offs[t]+p], tap after tap. w holds each weight eight times
// over (a vector's worth), tap by tap and output row by output row.
func AddTaps(y []float32, ys, n, wo int, x []float32, offs []int, w []float32) {
	kernels.addTaps(y, ys, n, wo, x, offs, w)
}

func addTapsGo(y []float32, ys, n, wo int, x []float32, offs []int, w []float32) {
	for i := range n {
		row := y[i*ys:][:wo]
		for t, off := range offs {
			a, in := w[(t*n+i)*8], x[off:][:wo]
			for p := range row {
				row[p] += a * in[p]
			}
		}
	}
}

// DotTaps adds, for every tap t, the products dy[r·dys+p] · x[r·xs+offs[t]+p] over rows
// r < rows and positions p < wo to the partial sums acc[t·8 + p mod 8]: the correlation of
// an output gradient with each tap's input runs. Positions from wo&^7 on go in after every
// row's others.
func DotTaps(acc, dy []float32, dys, rows, wo int, x []float32, xs int, offs []int) {
	kernels.dotTaps(acc, dy, dys, rows, wo, x, xs, offs)
}

func dotTapsGo(acc, dy []float32, dys, rows, wo int, x []float32, xs int, offs []int) {
	v := wo &^ 7
	dotTapsFrom(acc, dy, dys, rows, 0, v, x, xs, offs)
	dotTapsFrom(acc, dy, dys, rows, v, wo, x, xs, offs)
}

// dotTapsFrom is DotTaps for the positions [p0, p1) of every row.
func dotTapsFrom(acc, dy []float32, dys, rows, p0, p1 int, x []float32, xs int, offs []int) {
	for t, off := range offs {
		a := acc[t*8:][:8]
		for r := range rows {
			d, in := dy[r*dys:], x[r*xs+off:]
			for p := p0; p < p1; p++ {
				a[p%8] += d[p] * in[p]
			}
		}
	}
}

// SumPartials is the total of eight partial sums, added in the order two 4-lane vectors of
// them reduce in, lanewise and then the lanes pairwise: ((s0+s4) + (s1+s5)) + ((s2+s6) + (s3+s7)).
func SumPartials(s []float32) float32 { return sumPartials(s) }

func sumPartials[T float32 | float64](s []T) T {
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]))
}
