package results

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"sweep/rundir"
)

// TestRemove: removing runs deletes every record of them; a run that a live runner holds
// is refused and nothing is deleted; a run whose runner is gone may go. Removing a sweep
// deletes only the runs no other sweep has.
func TestRemove(t *testing.T) {
	s, _ := openTemp(t)
	a, b, shared := testRun("A", 1), testRun("B", 1), testRun("S", 1)
	for _, add := range []struct {
		sweep string
		r     Run
	}{{"x", a}, {"x", b}, {"x", shared}, {"y", shared}} {
		must(t, s.AddRun(add.sweep, add.r))
	}
	must(t, s.MarkRunning(a.ID, "cpu:0"))
	must(t, s.Complete(a.ID, []rundir.Metric{{Name: "fid", Value: 1}}, []Loss{{1, "G", 2}}))
	must(t, s.SetProvenance(a.ID, Provenance{GitCommit: "abc"}))
	must(t, s.Claim(b.ID, Self(), time.Minute, time.Time{}))

	if err := s.Remove([]string{a.ID, b.ID}); !errors.Is(err, ErrRunning) {
		t.Fatalf("removing a held run: %v, want ErrRunning", err)
	}
	if _, ok, _ := s.GetRun(a.ID); !ok {
		t.Fatal("a refused removal deleted a run")
	}
	if _, err := s.RemoveSweep("x"); !errors.Is(err, ErrRunning) {
		t.Fatalf("removing a sweep with a held run: %v, want ErrRunning", err)
	}
	must(t, s.Remove([]string{a.ID}))
	ms, _ := s.Metrics(a.ID)
	ls, _ := s.Losses(a.ID)
	_, prov, _ := s.Provenance(a.ID)
	if _, ok, _ := s.GetRun(a.ID); ok || len(ms) > 0 || len(ls) > 0 || prov {
		t.Errorf("after Remove: run %v, metrics %v, losses %v, provenance %v", ok, ms, ls, prov)
	}

	_, err := s.db.Exec(`UPDATE runs SET owner_pid = 0, owner_host = 'elsewhere', lease_until = ? WHERE id = ?`,
		formatTime(time.Now().Add(-time.Minute)), b.ID) // its runner's lease lapsed
	must(t, err)
	deleted, err := s.RemoveSweep("x")
	must(t, err)
	if !slices.Equal(deleted, []string{b.ID}) {
		t.Errorf("RemoveSweep deleted %v, want only %s", deleted, b.ID)
	}
	if sweeps, _ := s.SweepsOf(shared.ID); !slices.Equal(sweeps, []string{"y"}) {
		t.Errorf("the shared run is in %v, want [y]", sweeps)
	}
	if _, err := s.RemoveSweep("x"); err == nil || !strings.Contains(err.Error(), `no sweep "x"`) {
		t.Errorf("removing it again: %v", err)
	}
	if _, err := s.FindRun(shared.ID[:5]); err != nil {
		t.Errorf("FindRun by prefix: %v", err)
	}
}
