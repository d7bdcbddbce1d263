package results

import (
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"sweep/vocab"
)

// TestLiveFollowsTheAttempt: the live progress is written only while the run is running
// and held by the writer, is read back by ListRuns and GetRun (also through a read-only
// store), survives an interrupted attempt, and is dropped by the next attempt and by Complete.
func TestLiveFollowsTheAttempt(t *testing.T) {
	s, path := openTemp(t)
	r := testRun("A", 1)
	must(t, s.AddRun("sw", r))
	me, other := Self(), Owner{Host: "elsewhere", PID: 1}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	live := Live{Iter: 120, Total: 480, Phase: "train", Losses: map[string]float64{"G": 1.5, "NCE": 0.25}, ETA: 90 * time.Second, Updated: at}

	must(t, s.SetLive(me, map[string]Live{r.ID: live}))
	if got := mustGet(t, s, r.ID).Live; got != nil {
		t.Fatalf("a pending run got live progress %+v", got)
	}
	must(t, s.Claim(r.ID, me, time.Minute, time.Time{}))
	must(t, s.MarkRunning(r.ID, "cpu:0"))
	must(t, s.SetLive(other, map[string]Live{r.ID: live}))
	if got := mustGet(t, s, r.ID).Live; got != nil {
		t.Fatalf("another runner wrote live progress %+v", got)
	}
	must(t, s.SetLive(me, map[string]Live{r.ID: live}))
	ro, err := OpenReadOnly(path)
	must(t, err)
	defer ro.Close()
	runs, err := ro.ListRuns("sw")
	must(t, err)
	if len(runs) != 1 || runs[0].Live == nil || !reflect.DeepEqual(*runs[0].Live, live) {
		t.Fatalf("read-only ListRuns: live %+v, want %+v", runs[0].Live, live)
	}
	if left, ok := live.Left(at.Add(30 * time.Second)); !ok || left != time.Minute {
		t.Errorf("Left 30 s after the update: %v %v, want 1m0s", left, ok)
	}

	unknown := live
	unknown.Iter, unknown.ETA, unknown.Losses = 121, -1, nil
	must(t, s.SetLive(me, map[string]Live{r.ID: unknown}))
	if got := mustGet(t, ro, r.ID).Live; got == nil || got.Iter != 121 || got.ETA >= 0 || got.Losses != nil {
		t.Fatalf("updated live %+v, want iteration 121 without ETA or losses", got)
	}
	if _, ok := got(t, ro, r.ID).Left(at); ok {
		t.Error("Left of an unknown ETA is ok")
	}

	must(t, s.MarkFinished(r.ID, vocab.StatusInterrupted, "interrupted", ""))
	if mustGet(t, s, r.ID).Live == nil {
		t.Error("an interrupted attempt lost its live progress")
	}
	must(t, s.SetLive(me, map[string]Live{r.ID: live}))
	if got(t, s, r.ID).Iter != 121 {
		t.Error("live progress written to a run that is no longer running")
	}
	must(t, s.Claim(r.ID, me, time.Minute, time.Time{}))
	must(t, s.MarkRunning(r.ID, "cpu:0"))
	if l := mustGet(t, s, r.ID).Live; l != nil {
		t.Errorf("a new attempt kept the last one's live progress %+v", l)
	}
	must(t, s.SetLive(me, map[string]Live{r.ID: live}))
	must(t, s.Complete(r.ID, nil, nil))
	if l := mustGet(t, s, r.ID).Live; l != nil {
		t.Errorf("a completed run kept live progress %+v", l)
	}
}

// TestMigrationToLiveKeepsEverything opens a schema-5 database holding a running run with
// provenance: the run and its provenance survive, with no live progress and an empty BLAS.
func TestMigrationToLiveKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v5.db")
	db, err := sql.Open("sqlite3", dsn(path))
	must(t, err)
	_, err = db.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL)`)
	must(t, err)
	for _, m := range migrations[:5] {
		_, err := db.Exec(m)
		must(t, err)
	}
	r := testRun("A", 1)
	for _, q := range []string{
		`INSERT INTO schema_version (version) VALUES (5)`,
		`INSERT INTO runs (id, sweep, config, status, attempts, created) VALUES ('` + r.ID + `', 'sw', '{}', 'running', 2, '2026-11-01T00:00:00Z')`,
		`INSERT INTO provenance (run_id, git_commit, git_dirty, diff_hash, backend, go_version, modules, host, cpu, seed, recorded)
			VALUES ('` + r.ID + `', 'abc', 1, '', 'openblas', 'go1.26', '{}', 'h', 'c', 7, '2026-11-01T00:00:00Z')`,
	} {
		_, err := db.Exec(q)
		must(t, err)
	}
	db.Close()

	s, err := Open(path)
	must(t, err)
	defer s.Close()
	run := mustGet(t, s, r.ID)
	if run.Status != vocab.StatusRunning || run.Attempts != 2 || run.Live != nil {
		t.Errorf("run after migration: %+v", run)
	}
	p, ok, err := s.Provenance(r.ID)
	if !ok || err != nil || p.GitCommit != "abc" || !p.GitDirty || p.Backend != "openblas" || p.BLAS != "" || p.Seed != 7 {
		t.Errorf("provenance after migration: %+v %v %v", p, ok, err)
	}
}

// BenchmarkSetLive is the cost of one live update of four running runs in one transaction.
func BenchmarkSetLive(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "sweep.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	live := map[string]Live{}
	for i := range 4 {
		r := testRun("A", int64(i))
		if err := s.AddRun("sw", r); err != nil {
			b.Fatal(err)
		}
		if err := s.Claim(r.ID, Self(), time.Minute, time.Time{}); err != nil {
			b.Fatal(err)
		}
		live[r.ID] = Live{Iter: 1, Total: 480, Losses: map[string]float64{"D": 0.5, "G": 1, "NCE": 2}, ETA: time.Minute, Updated: time.Now()}
	}
	b.ResetTimer()
	for i := range b.N {
		for id, l := range live {
			l.Iter = i
			live[id] = l
		}
		if err := s.SetLive(Self(), live); err != nil {
			b.Fatal(err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// got returns the run's live progress, failing when it has none.
func got(t *testing.T, s *Store, id string) Live {
	t.Helper()
	l := mustGet(t, s, id).Live
	if l == nil {
		t.Fatalf("run %s has no live progress", id)
	}
	return *l
}
