package results

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"sweep/config"
	"sweep/rundir"
	"sweep/vocab"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sweep.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func testRun(variant string, seed int64) Run {
	c := config.Default()
	c.Variant, c.Seed = variant, seed
	return Run{ID: config.LegacyID(c) /* distinct per config, labels included */, Config: c, Dir: "runs/" + variant}
}

func mustGet(t *testing.T, s *Store, id string) Run {
	t.Helper()
	r, ok, err := s.GetRun(id)
	if err != nil || !ok {
		t.Fatalf("GetRun(%s) = ok %v, err %v", id, ok, err)
	}
	return r
}

func TestMigrateFromEmptyAndReopen(t *testing.T) {
	s, path := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var v, n int
	if err := s2.db.QueryRow(`SELECT version, (SELECT COUNT(*) FROM schema_version) FROM schema_version`).Scan(&v, &n); err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion || n != 1 {
		t.Fatalf("schema_version = %d (%d rows), want %d (1 row)", v, n, SchemaVersion)
	}
	got := mustGet(t, s2, r.ID)
	if !reflect.DeepEqual(got.Config, r.Config) || got.Status != vocab.StatusPending || got.Sweep != "sw" || got.Dir != r.Dir {
		t.Fatalf("reopened run = %+v", got)
	}
	var mode string
	if err := s2.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := s2.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d, %v; want 1", fk, err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.db.Exec(`UPDATE schema_version SET version = ?`, SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s2, err := Open(path); err == nil {
		s2.Close()
		t.Fatal("Open accepted a newer schema")
	}
}

func TestOddFileName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a?b#c%d.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddRun("sw", testRun("A", 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not created under its own name: %v", err)
	}
}

func TestStatusLifecycle(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name     string
		do       func() error
		status   vocab.Status
		attempts int
		errMsg   string
	}{
		{"start", func() error { return s.MarkRunning(r.ID, "cpu:0") }, vocab.StatusRunning, 1, ""},
		{"fail", func() error { return s.MarkFinished(r.ID, vocab.StatusFailed, "exit 2", "tail") }, vocab.StatusFailed, 1, "exit 2"},
		{"restart", func() error { return s.MarkRunning(r.ID, "cuda:1") }, vocab.StatusRunning, 2, ""},
		{"interrupt", func() error { return s.MarkFinished(r.ID, vocab.StatusInterrupted, "signal", "") }, vocab.StatusInterrupted, 2, "signal"},
		{"re-add keeps status", func() error { return s.AddRun("sw", r) }, vocab.StatusInterrupted, 2, "signal"},
		{"requeue", func() error { return s.MarkFinished(r.ID, vocab.StatusPending, "", "") }, vocab.StatusPending, 2, ""},
		{"start again", func() error { return s.MarkRunning(r.ID, "cuda:1") }, vocab.StatusRunning, 3, ""},
		{"complete", func() error { return s.Complete(r.ID, nil, nil) }, vocab.StatusCompleted, 3, ""},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got := mustGet(t, s, r.ID)
		if got.Status != st.status || got.Attempts != st.attempts || got.Error != st.errMsg {
			t.Fatalf("%s: status %q attempts %d error %q; want %q %d %q", st.name, got.Status, got.Attempts, got.Error, st.status, st.attempts, st.errMsg)
		}
		if got.Started.IsZero() {
			t.Fatalf("%s: started not set", st.name)
		}
	}
	got := mustGet(t, s, r.ID)
	if got.Device != "cuda:1" || got.Finished.Before(got.Started) {
		t.Fatalf("final run = %+v", got)
	}
}

func TestBadTransitions(t *testing.T) {
	s, _ := openTemp(t)
	cases := []struct {
		name string
		do   func() error
	}{
		{"running unknown", func() error { return s.MarkRunning("nope", "cpu") }},
		{"finish unknown", func() error { return s.MarkFinished("nope", vocab.StatusFailed, "", "") }},
		{"complete unknown", func() error { return s.Complete("nope", nil, nil) }},
		{"finish as completed", func() error { return s.MarkFinished("nope", vocab.StatusCompleted, "", "") }},
		{"provenance unknown", func() error { return s.SetProvenance("nope", Provenance{}) }},
		{"empty id", func() error { return s.AddRun("sw", Run{}) }},
	}
	for _, c := range cases {
		if err := c.do(); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestCompleteIsIdempotentAndReplaces(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	metrics := []rundir.Metric{{Name: "swd_avg", Value: 12.5, Step: 100, Identity: "swd v1"}, {Name: "fid", Value: 40, Step: 100, Identity: "fid"}}
	losses := []Loss{{1, "G_GAN", 0.9}, {1, "D", 0.5}, {2, "G_GAN", 0.8}}
	for i := 0; i < 2; i++ {
		if err := s.Complete(r.ID, metrics, losses); err != nil {
			t.Fatalf("Complete #%d: %v", i+1, err)
		}
	}
	gotM, err := s.Metrics(r.ID)
	if err != nil || !reflect.DeepEqual(gotM, metrics) {
		t.Fatalf("Metrics = %v, %v; want %v", gotM, err, metrics)
	}
	gotL, err := s.Losses(r.ID)
	want := []Loss{{1, "D", 0.5}, {1, "G_GAN", 0.9}, {2, "G_GAN", 0.8}}
	if err != nil || !reflect.DeepEqual(gotL, want) {
		t.Fatalf("Losses = %v, %v; want %v", gotL, err, want)
	}
	if err := s.Complete(r.ID, metrics[:1], nil); err != nil {
		t.Fatal(err)
	}
	if gotM, _ = s.Metrics(r.ID); len(gotM) != 1 {
		t.Fatalf("Complete did not replace metrics: %v", gotM)
	}
	if gotL, _ = s.Losses(r.ID); len(gotL) != 0 {
		t.Fatalf("Complete did not replace losses: %v", gotL)
	}
}

func TestCompleteRollsBackOnBadInput(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	dup := []rundir.Metric{{Name: "fid", Value: 1, Step: 5}, {Name: "fid", Value: 2, Step: 5}}
	if err := s.Complete(r.ID, dup, nil); err == nil {
		t.Fatal("duplicate metric accepted")
	}
	if got := mustGet(t, s, r.ID); got.Status != vocab.StatusPending {
		t.Fatalf("status after failed Complete = %q, want pending", got.Status)
	}
	if m, _ := s.Metrics(r.ID); len(m) != 0 {
		t.Fatalf("metrics after failed Complete: %v", m)
	}
}

func TestRunInTwoSweeps(t *testing.T) {
	s, _ := openTemp(t)
	a, b, c := testRun("A", 1), testRun("B", 1), testRun("C", 1)
	for _, add := range []struct {
		sweep string
		r     Run
	}{{"first", a}, {"first", b}, {"second", c}, {"second", a}} {
		if err := s.AddRun(add.sweep, add.r); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		sweep string
		want  []string
	}{{"first", []string{a.ID, b.ID}}, {"second", []string{a.ID, c.ID}}, {"", []string{a.ID, b.ID, c.ID}}, {"none", nil}}
	for _, cs := range cases {
		runs, err := s.ListRuns(cs.sweep)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range runs {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, cs.want) {
			t.Errorf("ListRuns(%q) = %v, want %v", cs.sweep, ids, cs.want)
		}
	}
	if got := mustGet(t, s, a.ID); got.Sweep != "first" {
		t.Errorf("first sweep of a = %q, want first", got.Sweep)
	}
	if sw, _ := s.SweepsOf(a.ID); !reflect.DeepEqual(sw, []string{"first", "second"}) {
		t.Errorf("SweepsOf(a) = %v", sw)
	}
	if sw, _ := s.Sweeps(); !reflect.DeepEqual(sw, []string{"first", "second"}) {
		t.Errorf("Sweeps() = %v", sw)
	}
}

func TestProvenanceRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Provenance(r.ID); ok || err != nil {
		t.Fatalf("Provenance before set: ok %v err %v", ok, err)
	}
	p := Provenance{GitCommit: "abc123", GitDirty: true, DiffHash: "d1", GoVersion: "go1.26.0",
		Modules: map[string]string{"gonum.org/v1/gonum": "v0.17.0"}, Host: "h", CPU: "c", Seed: 7,
		Recorded: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)}
	if err := s.SetProvenance(r.ID, p); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Provenance(r.ID)
	if err != nil || !ok || !reflect.DeepEqual(got, p) {
		t.Fatalf("Provenance = %+v, %v, %v; want %+v", got, ok, err, p)
	}
}

// Two stores on one file are two connection pools, as two processes would have.
func TestConcurrentWriters(t *testing.T) {
	s1, path := openTemp(t)
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	const perWriter = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w, s := range []*Store{s1, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				if err := writeOne(s, fmt.Sprintf("w%d", w), int64(i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	runs, err := s1.ListRuns("")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2*perWriter {
		t.Fatalf("%d runs, want %d", len(runs), 2*perWriter)
	}
	for _, r := range runs {
		if r.Status != vocab.StatusCompleted || r.Attempts != 1 {
			t.Fatalf("run %s: status %s attempts %d", r.ID, r.Status, r.Attempts)
		}
	}
}

func writeOne(s *Store, variant string, seed int64) error {
	r := testRun(variant, seed)
	if err := s.AddRun("sw-"+variant, r); err != nil {
		return err
	}
	if err := s.MarkRunning(r.ID, "cpu"); err != nil {
		return err
	}
	return s.Complete(r.ID, []rundir.Metric{{Name: "fid", Value: float64(seed)}}, []Loss{{1, "G", 1}})
}

func TestConcurrentOpenOfFreshDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fresh.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(path)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM schema_version`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("schema_version rows = %d, %v", n, err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("SWEEP_DB", "")
	if got := DefaultPath(); got != "./sweep.db" {
		t.Errorf("DefaultPath() = %q", got)
	}
	t.Setenv("SWEEP_DB", "/x/y.db")
	if got := DefaultPath(); got != "/x/y.db" {
		t.Errorf("DefaultPath() with SWEEP_DB = %q", got)
	}
}
