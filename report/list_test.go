package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sweep/results"
	"sweep/vocab"
)

func TestList(t *testing.T) {
	s := newStore(t)
	runs := addFakes(t, s, testFakes())
	var buf bytes.Buffer
	mustDo(t, List(&buf, s.Path(), "methods", "json"))
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
	mustDo(t, List(&buf, s.Path(), "layers", "json"))
	got = nil
	mustDo(t, json.Unmarshal(buf.Bytes(), &got))
	if g := got[0]; g.Sweep != "ablation" || strings.Join(g.Sweeps, ",") != "ablation,layers" {
		t.Errorf("a run shared by ablation and layers lists sweep %q, sweeps %v", g.Sweep, g.Sweeps)
	}
	buf.Reset()
	mustDo(t, List(&buf, s.Path(), "", "table"))
	unique := map[string]bool{} // a run shared by two sweeps is listed once
	for _, r := range runs {
		unique[r.ID] = true
	}
	if n := strings.Count(buf.String(), "\n"); n != len(unique)+4 {
		t.Errorf("table has %d lines, want %d (runs + borders and header):\n%s", n, len(unique)+4, buf.String())
	}
	if err := List(&buf, s.Path(), "", "yaml"); err == nil {
		t.Error("List accepted format yaml")
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
