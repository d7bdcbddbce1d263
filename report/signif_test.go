package report

import (
	"math"
	"testing"
)

// The reference is the worked example of Welch's test on Wikipedia ("Welch's t-test",
// example 2), where scipy.stats.ttest_ind(a1, a2, equal_var=False) gives t = -2.4554,
// df = 24.9885, p = 0.02138. By the formula: means 20.82 and 22.98667, sample variances
// 7.9059 and 3.8284, v1 = 7.9059/15 = 0.52706, v2 = 3.8284/15 = 0.25523,
// t = -2.16667/sqrt(0.78229) = -2.45536, df = 0.78229²/(0.52706²/14 + 0.25523²/14) = 24.9885,
// p = 2·P(T_df > 2.45536) = 0.021378 (integrating the t density numerically agrees).
func TestWelchP(t *testing.T) {
	a1 := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	a2 := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	p := welchP(statOf(a1), statOf(a2))
	if math.Abs(p-0.021378) > 2e-6 {
		t.Errorf("welchP = %.7f, want 0.021378", p)
	}
	if p := welchP(Stat{N: 3, Mean: 1}, Stat{N: 3, Mean: 1}); p != 1 {
		t.Errorf("equal means without spread: p = %g, want 1", p)
	}
	if p := welchP(Stat{N: 3, Mean: 1}, Stat{N: 3, Mean: 2}); p != 0 {
		t.Errorf("different means without spread: p = %g, want 0", p)
	}
}

func statOf(v []float64) Stat {
	g := &Group{Values: map[string][]Value{"m": nil}}
	for _, x := range v {
		g.Values["m"] = append(g.Values["m"], Value{Value: x})
	}
	return g.Stat("m")
}

func TestMarkBest(t *testing.T) {
	cases := []struct {
		name, metric string
		cells        []Stat
		best, tied   []bool
		noise        bool
	}{
		{"displayed tie", "seg_miou", []Stat{{3, 0.3171, 0.004}, {3, 0.3168, 0.005}},
			[]bool{false, false}, []bool{true, true}, true},
		{"overlapping spreads", "fid", []Stat{{3, 296.6, 35.4}, {3, 316.6, 22.8}},
			[]bool{false, false}, []bool{true, true}, true},
		{"n = 1", "fid", []Stat{{1, 10, 0}, {3, 20, 0.1}},
			[]bool{false, false}, []bool{true, true}, true},
		{"clear separation", "fid", []Stat{{3, 20, 0.1}, {3, 10, 0.1}},
			[]bool{false, true}, []bool{false, false}, false},
		{"separated from one row only", "fid", []Stat{{3, 10, 0.1}, {3, 10.05, 0.1}, {3, 20, 0.1}},
			[]bool{false, false, false}, []bool{true, true, false}, true},
		{"higher is better", "seg_miou", []Stat{{3, 20, 0.1}, {3, 10, 0.1}},
			[]bool{true, false}, []bool{false, false}, false},
		{"one row", "fid", []Stat{{3, 10, 0.1}}, []bool{false}, []bool{false}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := Table{Columns: []Column{{Metric: c.metric}}}
			for _, s := range c.cells {
				tab.Rows = append(tab.Rows, Row{Cells: []Cell{{Stat: s}}})
			}
			tab.Rows = append(tab.Rows, Row{Published: true, Cells: []Cell{{Stat: Stat{N: 1, Mean: 1}}}})
			markBest(&tab)
			for j := range c.cells {
				cell := tab.Rows[j].Cells[0]
				if cell.Best != c.best[j] || cell.Tied != c.tied[j] {
					t.Errorf("row %d: best %v, not separable %v; want %v, %v", j, cell.Best, cell.Tied, c.best[j], c.tied[j])
				}
			}
			if pub := tab.Rows[len(c.cells)].Cells[0]; pub.Best || pub.Tied {
				t.Error("a published row was ranked")
			}
			if (len(tab.Noise) > 0) != c.noise {
				t.Errorf("within noise %v, want %v", tab.Noise, c.noise)
			}
		})
	}
}
