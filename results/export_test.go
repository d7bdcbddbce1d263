package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"sweep/rundir"
)

// TestExportReadsBack: one row per run and metric in both formats, the configuration in
// config.<key> columns, a run without metrics as one row with empty (null) values, and a
// named sweep only its runs.
func TestExportReadsBack(t *testing.T) {
	s, _ := openTemp(t)
	a, b := testRun("A", 1), testRun("G", 2)
	b.Config.Queries = 64
	for _, r := range []Run{a, b} {
		if err := s.AddRun("sw", r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Complete(a.ID, []rundir.Metric{{Name: "swd_avg", Value: 31.5, Step: 480, Epoch: 2, Identity: "swd v1"},
		{Name: "seg_miou", Value: 40.25, Step: 480, Epoch: 2, Identity: "seg"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRun("other", testRun("H", 3)); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := Export(&out, s, "sw", "csv"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("csv: %d records, want a header and 3 rows:\n%v", len(recs), recs)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	for _, c := range append(ExportColumns, "config.mode", "config.queries", "config.variant", "config.seed", "config.metrics") {
		if _, ok := col[c]; !ok {
			t.Errorf("csv header %v lacks %s", recs[0], c)
		}
	}
	cell := func(row int, c string) string { return recs[row][col[c]] }
	for row, want := range []struct{ id, variant, queries, metric, value, epoch string }{
		{a.ID, "A", "256", "swd_avg", "31.5", "2"},
		{a.ID, "A", "256", "seg_miou", "40.25", "2"},
		{b.ID, "G", "64", "", "", ""},
	} {
		got := [...]string{cell(row+1, "run_id"), cell(row+1, "config.variant"), cell(row+1, "config.queries"),
			cell(row+1, "metric"), cell(row+1, "value"), cell(row+1, "epoch")}
		if got != [...]string{want.id, want.variant, want.queries, want.metric, want.value, want.epoch} {
			t.Errorf("csv row %d: %v, want %+v", row+1, got, want)
		}
	}

	out.Reset()
	if err := Export(&out, s, "", "jsonl"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("jsonl: %d lines, want 4 (three of sw, one of other):\n%s", len(lines), out.String())
	}
	var first, seg, last map[string]any
	for i, p := range map[int]*map[string]any{1: &first, 2: &seg, 3: &last} {
		if err := json.Unmarshal([]byte(lines[i]), p); err != nil {
			t.Fatalf("jsonl line %d: %v", i+1, err)
		}
	}
	if first["sweep"] != "sw" || first["value"] != 31.5 || first["config.queries"] != 256.0 || first["config.mode"] != string(a.Config.Mode) {
		t.Errorf("jsonl swd row: %v", first)
	}
	if seg["metric"] != "seg_miou" || seg["value"] != 40.25 || seg["identity"] != "seg" {
		t.Errorf("jsonl seg row: %v", seg)
	}
	if v, ok := last["value"]; !ok || v != nil {
		t.Errorf("jsonl value of a run without metrics: %v (present %v), want null", v, ok)
	}
	if last["metric"] != "" || last["config.variant"] != "G" || len(last) != len(first) {
		t.Errorf("jsonl run without metrics: %v (%d columns, want %d)", last, len(last), len(first))
	}
	var o map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &o); err != nil || o["sweep"] != "other" || o["config.variant"] != "H" {
		t.Errorf("jsonl first line (sweep other sorts first): %v %v", o, err)
	}

	if err := Export(&out, s, "nope", "csv"); err == nil || !strings.Contains(err.Error(), `"nope" has no runs`) {
		t.Errorf("unknown sweep: %v", err)
	}
	if err := Export(&out, s, "", "xlsx"); err == nil {
		t.Error("format xlsx: no error")
	}
}
