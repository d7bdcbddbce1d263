package report

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// alpha is the significance level at which a row counts as better than another.
const alpha = 0.05

// welchP is the two-sided p-value of Welch's t-test of two means from their sample standard
// deviations and sizes (each n >= 2), with Welch–Satterthwaite degrees of freedom. With no
// spread at all it is 0 for different means and 1 for equal ones.
func welchP(a, b Stat) float64 {
	va, vb := a.Std*a.Std/float64(a.N), b.Std*b.Std/float64(b.N)
	if va+vb == 0 {
		if a.Mean == b.Mean {
			return 1
		}
		return 0
	}
	t := (a.Mean - b.Mean) / math.Sqrt(va+vb)
	df := (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(math.Abs(t))
}

// separable tells whether best is better than other in metric's direction by Welch's test at
// level alpha; it never is with fewer than two seeds on either side.
func separable(metric string, best, other Stat) bool {
	if best.N < 2 || other.N < 2 || worse(metric, other.Mean, best.Mean) >= 0 {
		return false
	}
	return welchP(best, other) < alpha
}

// markBest marks, per column among the table's own rows with a value (at least two of them),
// the row with the best mean as Best when it is separable from every other row; otherwise
// that row and every row not separable from it are marked Tied, and the column is noted in
// Table.Noise.
func markBest(t *Table) {
	t.Noise = nil
	for i, c := range t.Columns {
		rows := rankedRows(t, i)
		if len(rows) < 2 {
			continue
		}
		b := bestRow(t, i, c.Metric, rows)
		best := t.Rows[b].Cells[i].Stat
		tied := []int{}
		for _, j := range rows {
			if j != b && !separable(c.Metric, best, t.Rows[j].Cells[i].Stat) {
				tied = append(tied, j)
			}
		}
		if len(tied) == 0 {
			t.Rows[b].Cells[i].Best = true
			continue
		}
		t.Noise = append(t.Noise, i)
		for _, j := range append(tied, b) {
			t.Rows[j].Cells[i].Tied = true
		}
	}
}

// rankedRows are the indexes of the table's own rows with a value in column i.
func rankedRows(t *Table, i int) []int {
	var out []int
	for j, r := range t.Rows {
		if !r.Published && r.Cells[i].N > 0 {
			out = append(out, j)
		}
	}
	return out
}

// bestRow is the row with the best mean in column i (the first of equal ones).
func bestRow(t *Table, i int, metric string, rows []int) int {
	b := rows[0]
	for _, j := range rows[1:] {
		if worse(metric, t.Rows[b].Cells[i].Mean, t.Rows[j].Cells[i].Mean) < 0 {
			b = j
		}
	}
	return b
}
