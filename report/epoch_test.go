package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sweep/config"
	"sweep/results"
	"sweep/rundir"
)

// epochFakes is a methods sweep whose runs were scored at epochs 2 and 4 (gt_object_l1 at 4
// only). Global is better at epoch 2 for both seeds; CUT's seed 1 is better at 4, seed 2 at 2.
func epochFakes() []fake {
	at := func(fid2, swd2, fid4, swd4 float64) map[int]map[string]float64 {
		return map[int]map[string]float64{
			2: {"fid": fid2, "swd_avg": swd2},
			4: {"fid": fid4, "swd_avg": swd4, "gt_object_l1": 0.1},
		}
	}
	return []fake{
		{sweep: "ep", variant: "Global", seed: 1, at: at(40, 20, 44, 22)},
		{sweep: "ep", variant: "Global", seed: 2, at: at(41, 21, 45, 23)},
		{sweep: "ep", variant: "CUT", mode: "cut", seed: 1, at: at(50, 30, 46, 28)},
		{sweep: "ep", variant: "CUT", mode: "cut", seed: 2, at: at(49, 31, 50, 29)},
	}
}

// cellOf finds the table's cell of row label and metric.
func cellOf(t *testing.T, tab Table, label, metric string) (Row, Cell) {
	t.Helper()
	for _, r := range tab.Rows {
		for i, c := range tab.Columns {
			if r.Label == label && c.Metric == metric {
				return r, r.Cells[i]
			}
		}
	}
	t.Fatalf("no cell %s / %s", label, metric)
	return Row{}, Cell{}
}

func TestEpochModes(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, epochFakes())
	type want struct {
		row, metric string
		n           int
		mean        float64
		epochs      []int // the row's epoch column
	}
	cases := []struct {
		mode   EpochMode
		header string
		legend string
		want   []want
	}{
		{EpochFinal, "| epoch |", "Each run counts at its last evaluated epoch.", []want{
			{"Global", "fid", 2, 44.5, []int{4, 4}},
			{"Global", "swd_avg", 2, 22.5, []int{4, 4}},
			{"Global", "gt_object_l1", 2, 0.1, []int{4, 4}},
			{"CUT", "fid", 2, 48, []int{4, 4}},
		}},
		{EpochBest, "| best epoch |", "the one with its best fid (lower is better)", []want{
			{"Global", "fid", 2, 40.5, []int{2, 2}},
			{"Global", "swd_avg", 2, 20.5, []int{2, 2}},
			{"Global", "gt_object_l1", 0, 0, []int{2, 2}}, // not scored at epoch 2
			{"CUT", "fid", 2, 47.5, []int{4, 2}},
			{"CUT", "swd_avg", 2, 29.5, []int{4, 2}},
			{"CUT", "gt_object_l1", 1, 0.1, []int{4, 2}},
		}},
	}
	for _, c := range cases {
		t.Run(string(c.mode), func(t *testing.T) {
			rep, err := Build(s, Options{Format: "md", Epoch: c.mode, Metrics: []string{"fid", "swd_avg", "gt_object_l1"}})
			if err != nil {
				t.Fatal(err)
			}
			tab := rep.Sweeps[0].Tables[0]
			for _, w := range c.want {
				r, cell := cellOf(t, tab, w.row, w.metric)
				if cell.N != w.n || (w.n > 0 && !near(cell.Mean, w.mean)) {
					t.Errorf("%s %s: n=%d mean=%g, want n=%d mean=%g", w.row, w.metric, cell.N, cell.Mean, w.n, w.mean)
				}
				if !reflect.DeepEqual(r.Epochs, [][]int{w.epochs}) {
					t.Errorf("%s epochs %v, want [%v]", w.row, r.Epochs, w.epochs)
				}
				for _, v := range cell.Values {
					if v.Epoch != w.epochs[v.Seed-1] {
						t.Errorf("%s %s seed %d: value of epoch %d, want %d", w.row, w.metric, v.Seed, v.Epoch, w.epochs[v.Seed-1])
					}
				}
			}
			var buf bytes.Buffer
			mustDo(t, Render(&buf, s, Options{Format: "md", Epoch: c.mode, Metrics: []string{"fid", "swd_avg", "gt_object_l1"}}))
			for _, want := range []string{c.header, c.legend} {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, buf.String())
				}
			}
			golden(t, "epochs-"+string(c.mode)+".md", buf.Bytes())
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// A queries table has an epoch column per side, both before the dataset's metric columns.
func TestEpochColumnsPerSide(t *testing.T) {
	s := newStore(t)
	var fakes []fake
	for _, f := range epochFakes() {
		f.sweep, f.queries = "q", 64
		fakes = append(fakes, f)
		f.queries, f.at = 128, map[int]map[string]float64{4: {"fid": 1}}
		fakes = append(fakes, f)
	}
	addFakes(t, s, fakes)
	var buf bytes.Buffer
	mustDo(t, Render(&buf, s, Options{Format: "md", Epoch: EpochBest}))
	flat := strings.Join(strings.Fields(buf.String()), " ")
	for _, want := range []string{"| queries | n | best epoch QS-Attn | best epoch CUT | fid QS-Attn |", "| 64 | 2/1 | 2 | 4, 2 | 40.5 ± 0.7 |"} {
		if !strings.Contains(flat, want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
}

// CSV and JSON give the epoch of every value.
func TestEpochsInCSVAndJSON(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, epochFakes())
	var buf bytes.Buffer
	mustDo(t, Render(&buf, s, Options{Format: "csv", Epoch: EpochBest}))
	for _, want := range []string{",best,not_separable,epochs\n", "ep,methods,CUT,false,builtin:zebra,,fid,lower,2,47.5,", ",4;2\n", ",2;2\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("csv lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	mustDo(t, Render(&buf, s, Options{Format: "json", Epoch: EpochBest}))
	var rep Report
	mustDo(t, json.Unmarshal(buf.Bytes(), &rep))
	tab := rep.Sweeps[0].Tables[0]
	_, cell := cellOf(t, tab, "CUT", "fid")
	got := []Value{{Seed: cell.Values[0].Seed, Epoch: cell.Values[0].Epoch, Value: cell.Values[0].Value},
		{Seed: cell.Values[1].Seed, Epoch: cell.Values[1].Epoch, Value: cell.Values[1].Value}}
	if want := []Value{{Seed: 1, Epoch: 4, Value: 46}, {Seed: 2, Epoch: 2, Value: 49}}; !reflect.DeepEqual(got, want) {
		t.Errorf("json CUT fid values %+v, want %+v", got, want)
	}
	if tab.Epoch != EpochBest || tab.BestBy["builtin:zebra"] != "fid" || len(tab.EpochCols) != 1 {
		t.Errorf("json table epoch %q, best by %v, epoch columns %v", tab.Epoch, tab.BestBy, tab.EpochCols)
	}
}

// A metric scored at several epochs gets a metric-versus-epoch plot, linked from the report;
// one scored at a single epoch does not.
func TestEpochPlots(t *testing.T) {
	root := t.TempDir()
	s := newStore(t)
	addFakes(t, s, epochFakes())
	opt := Options{Format: "md", PlotsDir: filepath.Join(root, "plots"), LinkBase: root}
	rep, err := Build(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range rep.Sweeps[0].Plots {
		if p.Kind == PlotEpoch {
			files = append(files, filepath.Base(p.Path))
			checkPNG(t, p.Path)
			if st, err := os.Stat(p.Path); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v, size %v", p.Path, err, st)
			}
		}
	}
	if want := []string{"epoch-builtin_zebra-fid.png", "epoch-builtin_zebra-swd_avg.png"}; !reflect.DeepEqual(files, want) {
		t.Errorf("epoch plots %v, want %v", files, want)
	}
	var buf bytes.Buffer
	mustDo(t, Render(&buf, s, opt))
	if want := "(plots/ep/epoch-builtin_zebra-fid.png)"; !strings.Contains(buf.String(), want) {
		t.Errorf("report does not link %s:\n%s", want, buf.String())
	}
}

// With one epoch per run, best and final give the same table, with no epoch column; best
// only adds its sentence to the legend.
func TestOneEpochBestIsFinal(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	var final, best bytes.Buffer
	mustDo(t, Render(&final, s, Options{Format: "md"}))
	mustDo(t, Render(&best, s, Options{Format: "md", Epoch: EpochBest}))
	if strings.Contains(best.String(), "epoch |") {
		t.Errorf("one-epoch report has an epoch column:\n%s", best.String())
	}
	const sentence = " Each run counts at its best epoch, the one with its best "
	fl, bl := strings.Split(final.String(), "\n"), strings.Split(best.String(), "\n")
	if len(fl) != len(bl) {
		t.Fatalf("best has %d lines, final %d", len(bl), len(fl))
	}
	for i := range fl {
		if fl[i] == bl[i] {
			continue
		}
		j := strings.Index(bl[i], sentence)
		k := strings.Index(bl[i], "counts at its last epoch).") + len("counts at its last epoch).")
		if j < 0 || k < j || bl[i][:j]+bl[i][k:] != fl[i] {
			t.Errorf("line %d differs beyond the legend's epoch sentence:\nfinal: %s\nbest:  %s", i+1, fl[i], bl[i])
		}
	}
}

// A run in two sweeps under two labels is shown in each sweep's report under that sweep's label.
func TestRunRelabelledPerSweep(t *testing.T) {
	s := newStore(t)
	c := config.Default()
	c.Mode, c.Seed = "global", 1
	for _, sw := range []struct{ sweep, variant string }{{"a", "A"}, {"b", "Global"}} {
		c.Variant = sw.variant
		mustDo(t, s.AddRun(sw.sweep, results.Run{ID: "run1", Config: c}))
	}
	mustDo(t, s.MarkRunning("run1", "cpu:0"))
	mustDo(t, s.Complete("run1", []rundir.Metric{{Name: "fid", Value: 40, Step: 100, Epoch: 4}}, nil))
	cases := []struct{ sweep, shows, hides string }{
		{"a", "| A ", "Global"},
		{"b", "| Global ", "| A "},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		mustDo(t, Render(&buf, s, Options{Format: "md", Sweep: tc.sweep}))
		if !strings.Contains(buf.String(), tc.shows) || strings.Contains(buf.String(), tc.hides) {
			t.Errorf("report of %s should show %q and not %q:\n%s", tc.sweep, tc.shows, tc.hides, buf.String())
		}
	}
}

func TestHistoryBest(t *testing.T) {
	cases := []struct {
		metric string
		h      history
		want   int
		ok     bool
	}{
		{"fid", history{"fid": {2: 40, 4: 45, 6: 42}}, 2, true},
		{"seg_miou", history{"seg_miou": {2: 20, 4: 25, 6: 22}}, 4, true},
		{"seg_pixacc", history{"seg_pixacc": {2: 70, 4: 60}}, 2, true},
		{"swd_avg", history{"swd_avg": {2: 30, 4: 30}}, 4, true}, // a tie goes to the later epoch
		{"fid", history{"swd_avg": {2: 30}}, 0, false},
	}
	for _, c := range cases {
		got, ok := c.h.best(c.metric)
		if got != c.want || ok != c.ok {
			t.Errorf("best %s of %v = %d %v, want %d %v", c.metric, c.h, got, ok, c.want, c.ok)
		}
	}
}

// The primary metric is the first in report order scored at several epochs, per dataset.
func TestPrimaryMetrics(t *testing.T) {
	g := func(ds string, h history) *Group {
		c := config.Default()
		c.Dataset = ds
		return &Group{Config: c, History: []history{h}}
	}
	groups := []*Group{
		g("zebra", history{"fid": {4: 40}, "swd_avg": {2: 30, 4: 29}, "gt_x": {2: 1, 4: 2}}),
		g("city", history{"seg_miou": {4: 20}, "fid": {4: 50}}),
	}
	want := map[string]string{"zebra": "swd_avg", "city": "seg_miou"}
	if got := primaryMetrics(groups); !reflect.DeepEqual(got, want) {
		t.Errorf("primary metrics %v, want %v", got, want)
	}
}

func TestEpochModeRefused(t *testing.T) {
	s := newStore(t)
	err := Render(&bytes.Buffer{}, s, Options{Format: "md", Epoch: "worst"})
	if err == nil || !strings.Contains(err.Error(), `epoch "worst" is unknown`) {
		t.Errorf("error %v", err)
	}
}
