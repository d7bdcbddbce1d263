package results

import (
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	"sweep/config"
	"sweep/rundir"
	"sweep/vocab"
)

// writeVersion1 builds a database as schema version 1 wrote it, from that version's own SQL,
// holding one completed run of sweep "ablation" labelled A with metrics and losses.
func writeVersion1(t *testing.T, path string, r Run) {
	t.Helper()
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		migrations[0],
		`INSERT INTO schema_version (version) VALUES (1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO runs (id, sweep, config, status, attempts, device, dir, created, started, finished)
		VALUES (?, 'ablation', ?, 'completed', 1, 'cpu:0', ?, '2026-11-01T00:00:00Z', '2026-11-01T00:00:01Z', '2026-11-01T01:00:00Z')`,
		r.ID, string(r.Config.Canonical()), r.Dir)
	exec(`INSERT INTO sweep_runs (sweep, run_id) VALUES ('ablation', ?)`, r.ID)
	exec(`INSERT INTO metrics VALUES (?, 0, 'swd_avg', 31.5, 480, 'swd v1'), (?, 1, 'gt_l1', 0.25, 480, 'gt v1')`, r.ID, r.ID)
	exec(`INSERT INTO losses VALUES (?, 240, 'G', 2.5), (?, 480, 'G', 2.0)`, r.ID, r.ID)
	exec(`INSERT INTO provenance VALUES (?, 'abc', 0, '', 'go1.26', '{}', 'h', 'c', 1, '2026-11-01T00:00:00Z')`, r.ID)
}

// TestMigrationFromVersion1KeepsEverything opens a version-1 database with the current
// code: every run, metric, loss and provenance survives, each sweep membership gets its
// label, and each metric the epoch of the final checkpoint.
func TestMigrationFromVersion1KeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	cfg := config.Default()
	cfg.Variant, cfg.Epochs, cfg.EpochsDecay = "A", 3, 5
	old := Run{ID: config.LegacyID(cfg), Config: cfg, Dir: "/runs/x"}
	writeVersion1(t, path, old)

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.ListRuns("ablation")
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	r := runs[0]
	if r.ID != old.ID || r.Status != vocab.StatusCompleted || r.Attempts != 1 || r.Dir != old.Dir || !reflect.DeepEqual(r.Config, cfg) {
		t.Errorf("run after migration: %+v", r)
	}
	ms, err := s.Metrics(r.ID)
	want := []rundir.Metric{{Name: "swd_avg", Value: 31.5, Step: 480, Epoch: 8, Identity: "swd v1"},
		{Name: "gt_l1", Value: 0.25, Step: 480, Epoch: 8, Identity: "gt v1"}}
	if err != nil || !reflect.DeepEqual(ms, want) {
		t.Errorf("metrics %+v, %v; want %+v", ms, err, want)
	}
	ls, err := s.Losses(r.ID)
	if err != nil || len(ls) != 2 || ls[1] != (Loss{480, "G", 2.0}) {
		t.Errorf("losses %+v, %v", ls, err)
	}
	if p, ok, err := s.Provenance(r.ID); !ok || err != nil || p.GitCommit != "abc" {
		t.Errorf("provenance %+v %v %v", p, ok, err)
	}
	var label string
	if err := s.db.QueryRow(`SELECT label FROM sweep_runs WHERE run_id = ?`, r.ID).Scan(&label); err != nil || label != "A" {
		t.Errorf("label %q, %v", label, err)
	}
}

// TestRekeyMovesEverything renames a run: its numbers, losses, provenance and memberships
// follow it, and nothing is left under the old ID.
func TestRekeyMovesEverything(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustDo(s.AddRun("a", r))
	mustDo(s.AddRun("b", r))
	mustDo(s.MarkRunning(r.ID, "cpu:0"))
	mustDo(s.SetProvenance(r.ID, Provenance{GitCommit: "abc"}))
	mustDo(s.Complete(r.ID, []rundir.Metric{{Name: "swd_avg", Value: 1, Epoch: 2}}, []Loss{{1, "G", 3}}))
	mustDo(s.Rekey(r.ID, "new", `{"k":1}`))

	if _, ok, _ := s.GetRun(r.ID); ok {
		t.Error("the old ID is still there")
	}
	n := mustGet(t, s, "new")
	ms, _ := s.Metrics("new")
	ls, _ := s.Losses("new")
	sweeps, _ := s.SweepsOf("new")
	_, provOK, _ := s.Provenance("new")
	if n.Key != `{"k":1}` || n.Status != vocab.StatusCompleted || len(ms) != 1 || len(ls) != 1 || len(sweeps) != 2 || !provOK {
		t.Errorf("after rekey: run %+v metrics %v losses %v sweeps %v provenance %v", n, ms, ls, sweeps, provOK)
	}
	if err := s.Rekey("new", "new", ""); err != nil {
		t.Errorf("rekey onto itself: %v", err)
	}
}

// TestSweepsKeepTheirOwnLabels: one run in two sweeps under two labels; each sweep lists it
// under its own, and adding it again with a new label replaces that sweep's label only.
func TestSweepsKeepTheirOwnLabels(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("ablation", r); err != nil {
		t.Fatal(err)
	}
	g := r
	g.Config.Variant, g.Config.Metrics = "Global", []vocab.Metric{"swd", "fid"}
	if err := s.AddRun("methods", g); err != nil {
		t.Fatal(err)
	}
	label := func(sweep string) string {
		runs, err := s.ListRuns(sweep)
		if err != nil || len(runs) != 1 {
			t.Fatalf("%s: %+v %v", sweep, runs, err)
		}
		return runs[0].Config.Variant
	}
	if a, m := label("ablation"), label("methods"); a != "A" || m != "Global" {
		t.Errorf("labels %q, %q; want A, Global", a, m)
	}
	r.Config.Variant = "QS"
	if err := s.AddRun("ablation", r); err != nil {
		t.Fatal(err)
	}
	if a, m := label("ablation"), label("methods"); a != "QS" || m != "Global" {
		t.Errorf("after relabelling: %q, %q; want QS, Global", a, m)
	}
}
