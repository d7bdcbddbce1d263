package runner

import (
	"path/filepath"
	"testing"
	"time"

	"sweep/config"
	"sweep/results"
	"sweep/rundir"
)

// TestLiveWriterStoresProgress: reports of a running run reach the store within the
// interval, with the ETA from its iteration rate; done writes the last report at once.
func TestLiveWriterStoresProgress(t *testing.T) {
	store, err := results.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfg := config.Default()
	id := config.LegacyID(cfg)
	for _, err := range []error{
		store.AddRun("s", results.Run{ID: id, Config: cfg}),
		store.Claim(id, results.Self(), time.Minute, time.Time{}),
		store.MarkRunning(id, "cpu:0"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	w := startLive(store, results.Self(), 20*time.Millisecond)
	defer w.close()
	now := time.Unix(1000, 0)
	w.mu.Lock()
	w.now = func() time.Time { return now }
	w.mu.Unlock()
	w.progress(id, rundir.Progress{Iter: 10, Total: 110})
	now = now.Add(10 * time.Second)
	w.progress(id, rundir.Progress{Iter: 20, Total: 110, Losses: map[string]float64{"G": 2}})

	live := waitLive(t, store, id, func(l results.Live) bool { return l.Iter == 20 })
	if live.Total != 110 || live.ETA != 90*time.Second || live.Losses["G"] != 2 || !live.Updated.Equal(now) {
		t.Errorf("stored live progress %+v, want 20/110 with ETA 1m30s and G=2 at %v", live, now)
	}
	w.progress(id, rundir.Progress{Iter: 21, Total: 110})
	w.progress(id, rundir.Progress{Phase: "metrics"}) // no iterations: training's stay
	w.done(id)
	if l, _, _ := store.GetRun(id); l.Live == nil || l.Live.Iter != 21 || l.Live.Total != 110 || l.Live.Phase != "metrics" {
		t.Errorf("after done: live %+v, want iteration 21 of 110 in phase metrics", l.Live)
	}
}

func waitLive(t *testing.T, store *results.Store, id string, ok func(results.Live) bool) results.Live {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _, err := store.GetRun(id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Live != nil && ok(*r.Live) {
			return *r.Live
		}
		if time.Now().After(deadline) {
			t.Fatalf("live progress %+v never became what was wanted", r.Live)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
