package report

import (
	"strings"
	"testing"
)

// The paper's numbers appear only with Published, in a table of their own, for the
// configurations the sweep ran, matched by what they run rather than by label.
func TestPublishedTable(t *testing.T) {
	cases := []struct {
		name  string
		fakes []fake
		want  []string // the published table's rows, "label: metric=value ..."; nil for no table
	}{
		{"methods by mode, relabelled", []fake{
			{sweep: "s", variant: "Mine", mode: "global", seed: 1, metrics: map[string]float64{"fid": 40}},
			{sweep: "s", variant: "CUT", mode: "cut", seed: 1, metrics: map[string]float64{"fid": 44}},
		}, []string{"CUT: fid=45.5", "QS-Attn(Global) (ours: Mine): fid=41.1"}},
		{"ablation rows the sweep ran", []fake{
			{sweep: "s", variant: "A", seed: 1, metrics: map[string]float64{"fid": 40, "swd_avg": 3}},
			{sweep: "s", variant: "G", mode: "local", seed: 1, metrics: map[string]float64{"fid": 41}},
		}, []string{"A: fid=41.1 swd_avg=30.3", "G: fid=38.6 swd_avg=31.2"}},
		{"queries per side", []fake{
			{sweep: "s", variant: "Q", queries: 64, seed: 1, metrics: map[string]float64{"fid": 40}},
			{sweep: "s", variant: "Q", queries: 128, seed: 1, metrics: map[string]float64{"fid": 41}},
			{sweep: "s", variant: "C", mode: "cut", queries: 64, seed: 1, metrics: map[string]float64{"fid": 50}},
		}, []string{"64: fid=47.9 fid=52.6", "128: fid=40.9"}},
		{"a dataset the paper does not have", []fake{
			{sweep: "s", variant: "A", dataset: "/data/mine", seed: 1, metrics: map[string]float64{"fid": 40}},
			{sweep: "s", variant: "B", mode: "random_global", dataset: "/data/mine", seed: 1, metrics: map[string]float64{"fid": 41}},
		}, nil},
		{"a folder named like the paper's", []fake{
			{sweep: "s", variant: "A", dataset: "/data/horse2zebra/", seed: 1, metrics: map[string]float64{"fid": 40}},
			{sweep: "s", variant: "B", mode: "random_global", dataset: "/data/horse2zebra/", seed: 1, metrics: map[string]float64{"fid": 41}},
		}, []string{"A: fid=41.1", "B: fid=52.1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t)
			addFakes(t, s, c.fakes)
			rep, err := Build(s, Options{Format: "md"})
			mustDo(t, err)
			if p := rep.Sweeps[0].Tables[0].Published; p != nil {
				t.Fatalf("without Published: a published table %+v", p)
			}
			rep, err = Build(s, Options{Format: "md", Published: true})
			mustDo(t, err)
			tab := rep.Sweeps[0].Tables[0]
			for _, r := range tab.Rows {
				if r.Published {
					t.Errorf("our table has the published row %q", r.Label)
				}
			}
			got := publishedRows(tab.Published)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("published rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// publishedRows describes a published table's rows by their non-empty cells.
func publishedRows(t *Table) []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, r := range t.Rows {
		s := r.Label + ":"
		for i, c := range r.Cells {
			if c.N > 0 {
				s += " " + t.Columns[i].Metric + "=" + formatValue(c.Mean, 1)
			}
		}
		out = append(out, s)
	}
	return out
}
