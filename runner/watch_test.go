package runner

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sweep/config"
	"sweep/results"
)

// syncBuffer is a bytes.Buffer that Watch writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestWatchPrintsChanges: without a terminal, Watch prints the board once per change of the
// stored state (not at every read), with a running run's stored iteration, ETA and losses,
// through a read-only store, and returns when its context ends.
func TestWatchPrintsChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	store, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	cfgs := []config.Run{config.Default(), config.Default()}
	cfgs[0].Variant, cfgs[1].Variant = "A", "G"
	for _, c := range cfgs {
		if err := store.AddRun("s", results.Run{ID: config.LegacyID(c), Config: c}); err != nil {
			t.Fatal(err)
		}
	}
	a := config.LegacyID(cfgs[0])
	ro, err := results.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error)
	go func() { done <- Watch(ctx, &out, ro, WatchOptions{Sweep: "s", Max: 40 * time.Millisecond}) }()
	waitOutput(t, &out, "sweep  [--------------------] 0/2 done")
	time.Sleep(200 * time.Millisecond) // several reads of an unchanged store
	if n := strings.Count(out.String(), "0/2 done"); n != 1 {
		t.Errorf("an unchanged store printed %d boards, want 1:\n%s", n, out.String())
	}
	for _, err := range []error{
		store.Claim(a, results.Self(), time.Minute, time.Time{}),
		store.MarkRunning(a, "cpu:0"),
		store.SetLive(results.Self(), map[string]results.Live{a: {Iter: 25, Total: 100, ETA: time.Hour,
			Losses: map[string]float64{"G": 0.75}, Updated: time.Now()}}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	waitOutput(t, &out, "cpu:0  [#####---------------] 25/100 ETA ")
	if s := out.String(); !strings.Contains(s, a+" A G=0.75") || !strings.Contains(s, "0/2 done, 1 running") {
		t.Errorf("board lacks the run's ID, label and losses or the counts:\n%s", s)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch: %v", err)
	}
}

func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(out.String(), want) {
			return
		}
	}
	t.Fatalf("output never showed %q:\n%s", want, out.String())
}
