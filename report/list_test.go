package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sweep/results"
	"sweep/vocab"
)

func TestList(t *testing.T) {
	s := newStore(t)
	runs := addFakes(t, s, testFakes())
	var buf bytes.Buffer
	mustDo(t, List(&buf, s.Path(), ListOptions{Sweep: "methods", Format: "json"}))
	var got []RunSummary
	mustDo(t, json.Unmarshal(buf.Bytes(), &got))
	if len(got) != 14 {
		t.Fatalf("methods lists %d runs, want 14", len(got))
	}
	statuses := map[vocab.Status]int{}
	for _, r := range got {
		statuses[r.Status]++
	}
	if statuses[vocab.StatusCompleted] != 12 || statuses[vocab.StatusFailed] != 1 || statuses[vocab.StatusPending] != 1 {
		t.Errorf("statuses %v", statuses)
	}
	if got[0].ID != runs[0].ID || got[0].Variant != "CUT" || got[0].Mode != "cut" || got[0].Seed != 1 {
		t.Errorf("first run %+v", got[0])
	}
	buf.Reset()
	mustDo(t, List(&buf, s.Path(), ListOptions{Sweep: "layers", Format: "json"}))
	got = nil
	mustDo(t, json.Unmarshal(buf.Bytes(), &got))
	if g := got[0]; g.Sweep != "ablation" || strings.Join(g.Sweeps, ",") != "ablation,layers" {
		t.Errorf("a run shared by ablation and layers lists sweep %q, sweeps %v", g.Sweep, g.Sweeps)
	}
	buf.Reset()
	mustDo(t, List(&buf, s.Path(), ListOptions{Format: "table"}))
	unique := map[string]bool{} // a run shared by two sweeps is listed once
	for _, r := range runs {
		unique[r.ID] = true
	}
	if n := strings.Count(buf.String(), "\n"); n != len(unique)+1 {
		t.Errorf("table has %d lines, want %d (runs and header):\n%s", n, len(unique)+1, buf.String())
	}
	if err := List(&buf, s.Path(), ListOptions{Format: "yaml"}); err == nil {
		t.Error("List accepted format yaml")
	}
}

// TestListOptions: --status filters, --sort orders best first in the metric's direction
// (runs without it last), --columns picks the metric columns, the default columns are the
// keys that differ plus the main metrics, and the table fits its width.
func TestListOptions(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	list := func(opt ListOptions) ([]string, error) {
		var buf bytes.Buffer
		opt.Format = cmp.Or(opt.Format, "table")
		err := List(&buf, s.Path(), opt)
		return strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"), err
	}
	for _, tt := range []struct {
		name   string
		opt    ListOptions
		header []string // the header's words
		first  []string // words the first row has
		rows   int
		err    string
	}{
		{name: "default", opt: ListOptions{Sweep: "methods"},
			// mode goes with the variant, so the variant says it; the error does not fit
			header: []string{"id", "variant", "seed", "dataset", "status", "progress", "seg_miou", "fid", "swd_avg"},
			first:  []string{"CUT", "zebra", "completed", "45.5", "31.5"}, rows: 14},
		{name: "status", opt: ListOptions{Sweep: "methods", Status: []vocab.Status{vocab.StatusFailed, vocab.StatusPending}}, rows: 2,
			first: []string{"Local", "failed", "exit status 1"}},
		{name: "sort lower is better", opt: ListOptions{Sweep: "ablation", Sort: "fid"}, first: []string{"A", "41.5"}, rows: 6},
		{name: "sort higher is better", opt: ListOptions{Sweep: "methods", Sort: "seg_miou"}, first: []string{"Global", "citysca…", "25"}, rows: 14},
		{name: "columns", opt: ListOptions{Sweep: "methods", Columns: []string{"gt_object_l1"}},
			header: []string{"id", "variant", "seed", "dataset", "status", "progress", "gt_object_l1", "error"}, first: []string{"0.61"}, rows: 14},
		{name: "unknown status", opt: ListOptions{Status: []vocab.Status{"done"}}, err: `status "done" is unknown`},
		{name: "unknown sort", opt: ListOptions{Sort: "lpips"}, err: "--sort lpips: no listed run has that metric"},
		{name: "unknown column", opt: ListOptions{Columns: []string{"lpips"}}, err: "--columns lpips"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := list(tt.opt)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			mustDo(t, err)
			if len(lines)-1 != tt.rows {
				t.Errorf("%d rows, want %d:\n%s", len(lines)-1, tt.rows, strings.Join(lines, "\n"))
			}
			if tt.header != nil && !slices.Equal(strings.Fields(lines[0]), tt.header) {
				t.Errorf("header %q, want %q", strings.Fields(lines[0]), tt.header)
			}
			for _, w := range tt.first {
				if !slices.Contains(strings.Fields(lines[1]), w) && !strings.Contains(lines[1], w) {
					t.Errorf("first row lacks %q:\n%s", w, strings.Join(lines, "\n"))
				}
			}
			for _, l := range lines {
				if n := utf8.RuneCountInString(l); n > 80 {
					t.Errorf("line of %d characters, over 80: %q", n, l)
				}
			}
		})
	}
}

// TestListShowsLiveProgress: a running run's iteration and ETA from the live table, in the
// table, in JSON and in show.
func TestListShowsLiveProgress(t *testing.T) {
	s := newStore(t)
	r := addFakes(t, s, []fake{{sweep: "a", variant: "A", status: vocab.StatusPending}})[0]
	mustDo(t, s.Claim(r.ID, results.Self(), time.Minute, time.Time{}))
	mustDo(t, s.MarkRunning(r.ID, "cpu:0"))
	now := time.Now()
	mustDo(t, s.SetLive(results.Self(), map[string]results.Live{r.ID: {Iter: 120, Total: 480, ETA: 10 * time.Minute,
		Losses: map[string]float64{"G": 1.25}, Updated: now.Add(-time.Minute)}}))
	var buf bytes.Buffer
	mustDo(t, List(&buf, s.Path(), ListOptions{Format: "table", Now: now}))
	if !strings.Contains(buf.String(), "running  120/480 ETA 9m0s") {
		t.Errorf("table lacks the live progress:\n%s", buf.String())
	}
	buf.Reset()
	mustDo(t, List(&buf, s.Path(), ListOptions{Format: "json", Now: now}))
	var sums []RunSummary
	mustDo(t, json.Unmarshal(buf.Bytes(), &sums))
	if l := sums[0].Live; l == nil || l.Iter != 120 || l.ETA == nil || *l.ETA != 540 || l.Losses["G"] != 1.25 {
		t.Errorf("json live %+v", l)
	}
	buf.Reset()
	mustDo(t, Show(&buf, s.Path(), r.ID, "text"))
	if !strings.Contains(buf.String(), "progress   120/480 ETA 9m0s") || !strings.Contains(buf.String(), "G=1.25") {
		t.Errorf("show lacks the live progress:\n%s", buf.String())
	}
}

func TestShow(t *testing.T) {
	s := newStore(t)
	f := seeds(fake{sweep: "a", variant: "Global", metrics: map[string]float64{"fid": 40}}, 1)[0]
	f.losses = []results.Loss{{Iter: 10, Name: "G_GAN", Value: 0.7}, {Iter: 20, Name: "G_GAN", Value: 0.5}}
	r := addFakes(t, s, []fake{f})[0]
	mustDo(t, s.AddRun("b", r))
	mustDo(t, s.SetProvenance(r.ID, results.Provenance{GitCommit: "abc", GoVersion: "go1.26", Seed: 1,
		Modules: map[string]string{"gonum.org/v1/gonum": "v0.17.0"}, Recorded: time.Unix(0, 0)}))
	var buf bytes.Buffer
	mustDo(t, Show(&buf, s.Path(), r.ID[:6], "text"))
	for _, want := range []string{"run        " + r.ID, "sweeps     a, b", "completed (attempts 1)", `"variant": "Global"`,
		"fid", "40.5", "G_GAN        0.5          at iter 20 (2 points)", "commit     abc", "module     gonum.org/v1/gonum v0.17.0"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("show output lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	mustDo(t, Show(&buf, s.Path(), r.ID, "json"))
	var d RunDetail
	mustDo(t, json.Unmarshal(buf.Bytes(), &d))
	if d.ID != r.ID || len(d.Metrics) != 1 || d.Losses["G_GAN"].Points != 2 || d.Provenance.GitCommit != "abc" {
		t.Errorf("show json = %+v", d)
	}
	if err := Show(&buf, s.Path(), "zzz", "text"); err == nil || !strings.Contains(err.Error(), `no run "zzz"`) {
		t.Errorf("unknown run: error %v", err)
	}
}

func TestShowAmbiguousPrefix(t *testing.T) {
	s := newStore(t)
	runs := addFakes(t, s, testFakes())
	// Find two IDs sharing a first character; "" is refused as a prefix in any case.
	byFirst := map[byte]int{}
	prefix := ""
	for _, r := range runs {
		if byFirst[r.ID[0]]++; byFirst[r.ID[0]] == 2 {
			prefix = r.ID[:1]
		}
	}
	if prefix == "" {
		t.Skip("no two run IDs share a first character")
	}
	err := Show(&bytes.Buffer{}, s.Path(), prefix, "text")
	if err == nil || !strings.Contains(err.Error(), "matches") {
		t.Errorf("ambiguous prefix: error %v", err)
	}
}
