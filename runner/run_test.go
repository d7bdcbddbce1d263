package runner_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sweep/config"
	"sweep/results"
	"sweep/rundir"
	"sweep/runner"
	"sweep/vocab"
)

// recorder is a Reporter that keeps what it was told.
type recorder struct {
	mu       sync.Mutex
	started  []string
	progress []rundir.Progress
	outcomes map[string]vocab.Outcome
	closed   bool
}

func (r *recorder) Start(i runner.RunInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, i.ID)
}

func (r *recorder) Progress(id string, p rundir.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress = append(r.progress, p)
}

func (r *recorder) Finish(i runner.RunInfo, outcome vocab.Outcome, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes[i.ID] = outcome
}

func (r *recorder) Close() { r.closed = true }

func commandRuns(n int, command string) []config.Run {
	var runs []config.Run
	for i := range n {
		r := config.Default()
		r.Seed, r.CropSize, r.LoadSize, r.Queries = int64(i+1), 32, 36, 16
		r.Executor, r.Command, r.Metrics = "command", command, nil
		runs = append(runs, r)
	}
	return runs
}

// Run in this process, so the race detector sees the scheduler.
func TestRunInProcess(t *testing.T) {
	dir := t.TempDir()
	store, err := results.Open(filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	slots, _ := runner.ParseDevices("cpu:2")
	rec := &recorder{outcomes: map[string]vocab.Outcome{}}
	opt := runner.Options{
		RunsDir: filepath.Join(dir, "runs"), Slots: slots, Executable: sweepBin, Retries: 1,
		Reporter: func(total, done, slots int) runner.Reporter { return rec },
	}
	cmd := `echo '@progress {"iter":1,"total":2,"losses":{"G":1}}'; echo plain; test {seed} != 3`
	sum, err := runner.Run(context.Background(), store, "s", commandRuns(3, cmd), opt)
	if err == nil || !strings.Contains(err.Error(), "1 failed") {
		t.Fatalf("err = %v", err)
	}
	if sum.Total != 3 || sum.Completed != 2 || len(sum.Failed) != 1 || len(rec.started) != 4 || !rec.closed {
		t.Errorf("summary %+v, %d starts, closed %v", sum, len(rec.started), rec.closed)
	}
	if len(rec.progress) != 4 || rec.progress[0].Iter != 1 || rec.progress[0].Losses["G"] != 1 {
		t.Errorf("progress %+v", rec.progress)
	}
	if got := rec.outcomes[sum.Failed[0]]; got != vocab.OutcomeFailed {
		t.Errorf("failed run's last outcome %q", got)
	}
}

func TestRunInProcessInterrupted(t *testing.T) {
	dir := t.TempDir()
	store, err := results.Open(filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	slots, _ := runner.ParseDevices("cpu:1")
	ctx, cancel := context.WithCancel(context.Background())
	started := filepath.Join(dir, "started")
	rec := &recorder{outcomes: map[string]vocab.Outcome{}}
	opt := runner.Options{
		RunsDir: filepath.Join(dir, "runs"), Slots: slots, Executable: sweepBin,
		Reporter: func(total, done, slots int) runner.Reporter { return rec },
	}
	go func() {
		for !exists(started) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	sum, err := runner.Run(ctx, store, "s", commandRuns(2, "touch "+started+"; sleep 30"), opt)
	if !errors.Is(err, runner.ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	if len(sum.Interrupted) != 1 || sum.NotStarted != 1 {
		t.Errorf("summary %+v", sum)
	}
	r, _, _ := store.GetRun(sum.Interrupted[0])
	if r.Status != vocab.StatusInterrupted || !strings.Contains(r.LogTail, "command stopped") {
		t.Errorf("interrupted run: %s, log tail %q", r.Status, r.LogTail)
	}
}
