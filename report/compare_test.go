package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareSides: configurations are paired by label; a large difference over three
// seeds is significant, a small one is not, one seed is not tested; a baseline side has
// means only and is never tested; nothing shared is an error.
func TestCompareSides(t *testing.T) {
	s := newStore(t)
	var fs []fake
	fs = append(fs, seeds(fake{sweep: "old", variant: "A", metrics: map[string]float64{"fid": 40, "swd_avg": 30}}, 1, 2, 3)...)
	fs = append(fs, seeds(fake{sweep: "old", variant: "B", mode: "random_global", metrics: map[string]float64{"fid": 50}}, 1)...)
	fs = append(fs, seeds(fake{sweep: "old", variant: "C", mode: "local", metrics: map[string]float64{"fid": 60}}, 1, 2)...)
	fs = append(fs, seeds(fake{sweep: "new", variant: "A", lr: 1e-4, metrics: map[string]float64{"fid": 30, "swd_avg": 30.2}}, 1, 2, 3)...)
	fs = append(fs, seeds(fake{sweep: "new", variant: "B", lr: 1e-4, mode: "random_global", metrics: map[string]float64{"fid": 45}}, 1)...)
	addFakes(t, s, fs)

	var buf bytes.Buffer
	mustDo(t, CompareSides(&buf, s.Path(), Side{Sweep: "old"}, Side{Sweep: "new"}, nil, "json"))
	var rows []DiffRow
	mustDo(t, json.Unmarshal(buf.Bytes(), &rows))
	type key struct{ config, metric string }
	got := map[key]DiffRow{}
	for _, r := range rows {
		got[key{strings.Fields(r.Config)[0], r.Metric}] = r
	}
	for _, tt := range []struct {
		config, metric string
		delta          float64
		tested, sig    bool
	}{
		{"A", "fid", -10, true, true},
		{"A", "swd_avg", 0.2, true, false},
		{"B", "fid", -5, false, false},
	} {
		r, ok := got[key{tt.config, tt.metric}]
		if !ok {
			t.Errorf("no row for %s %s in %+v", tt.config, tt.metric, rows)
			continue
		}
		if d := r.Delta - tt.delta; d > 1e-9 || d < -1e-9 || (r.P != nil) != tt.tested || r.Significant != tt.sig {
			t.Errorf("%s %s: delta %g, p %v, significant %v; want %g, tested %v, significant %v", tt.config, tt.metric, r.Delta, r.P, r.Significant, tt.delta, tt.tested, tt.sig)
		}
	}
	if len(rows) != 3 {
		t.Errorf("%d rows, want 3 (C is in one sweep only): %+v", len(rows), rows)
	}

	buf.Reset()
	mustDo(t, CompareSides(&buf, s.Path(), Side{Sweep: "old"}, Side{Sweep: "new"}, []string{"fid"}, "md"))
	md := buf.String()
	header := strings.Join(strings.Fields(strings.SplitN(md, "\n", 2)[0]), " ")
	if header != "| configuration | metric | old | new | change | p | significant |" {
		t.Errorf("markdown header %q", header)
	}
	for _, want := range []string{"| A builtin:zebra | fid    | 41.0 ± 0.5 (n=3) | 31.0 ± 0.5 (n=3) | -10 better | 1.6e-05 | yes", "50.5 (n=1)"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "swd_avg") {
		t.Errorf("--metrics fid shows swd_avg:\n%s", md)
	}

	base := filepath.Join(t.TempDir(), "base.toml")
	_, err := WriteBaseline(s.Path(), base, "old", 0.1, 0)
	mustDo(t, err)
	buf.Reset()
	mustDo(t, CompareSides(&buf, s.Path(), Side{Baseline: base}, Side{Sweep: "new"}, nil, "json"))
	rows = nil
	mustDo(t, json.Unmarshal(buf.Bytes(), &rows))
	if len(rows) != 3 {
		t.Errorf("against the baseline: %d rows, want 3: %+v", len(rows), rows)
	}
	for _, r := range rows {
		if r.P != nil || r.Significant {
			t.Errorf("a baseline row was tested: %+v", r)
		}
	}

	err = CompareSides(&buf, s.Path(), Side{Sweep: "old"}, Side{Sweep: "nope"}, nil, "table")
	if err == nil || !strings.Contains(err.Error(), `sweep "nope" has no completed run`) {
		t.Errorf("unknown sweep: %v", err)
	}
}
