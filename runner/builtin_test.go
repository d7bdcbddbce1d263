package runner_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"sweep/evaluate"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// builtinSweep writes a sweep of one tiny built-in training run: 6 epochs of 10 iterations.
func builtinSweep(t *testing.T) *env {
	t.Helper()
	return builtinSweepOf(t, 10, 3, 3, "[]")
}

// builtinSweepOf writes a sweep of one tiny built-in training run of epochs + decay epochs of
// trainSize iterations, computing metrics (a TOML list).
func builtinSweepOf(t *testing.T, trainSize, epochs, decay int, metrics string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.file, e.db = filepath.Join(e.dir, "s.toml"), filepath.Join(e.dir, "s.db")
	toml := fmt.Sprintf(`[sweep]
name = "test"

[base]
dataset = "builtin:zebra"
train_size = %d
test_size = 2
crop_size = 24
load_size = 26
ngf = 4
ndf = 4
n_blocks = 5
netf_nc = 8
queries = 8
n_epochs = %d
n_epochs_decay = %d
metrics = %s
`, trainSize, epochs, decay, metrics)
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

func checkpointOf(t *testing.T, e *env) []byte {
	t.Helper()
	runs := e.runs()
	if len(runs) != 1 || runs[0].Status != vocab.StatusCompleted {
		t.Fatalf("runs %+v, want one completed", runs)
	}
	b, err := os.ReadFile(filepath.Join(runs[0].Dir, rundir.CheckpointDir, "latest.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInterruptedTrainingResumesBitForBit interrupts a built-in training run with SIGINT,
// resumes it with a new 'sweep run' (a new process), and compares the final checkpoint with
// that of an uninterrupted run of the same config: once after the first epoch's checkpoint,
// and once inside an epoch (see testMidEpochInterrupt).
func TestInterruptedTrainingResumesBitForBit(t *testing.T) {
	t.Run("after an epoch", testEpochInterrupt)
	t.Run("inside an epoch", testMidEpochInterrupt)
}

// startInterrupted starts e's 'sweep run', sends it SIGINT once ready holds for the run's
// directory (the glob runs/*) and waits for it; it skips the test when the run completed first.
func startInterrupted(t *testing.T, e *env, what string, ready func(dirs []string) bool) (results.Run, string) {
	t.Helper()
	cmd := e.command()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, what, func() bool { m, _ := filepath.Glob(filepath.Join(e.dir, "runs", "*")); return len(m) == 1 && ready(m) })
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	runs := e.runs()
	if len(runs) != 1 || runs[0].Status == vocab.StatusCompleted {
		t.Skipf("the run finished before the interrupt reached it (status %v); nothing to resume", runs)
	}
	return runs[0], out.String()
}

func testEpochInterrupt(t *testing.T) {
	t.Setenv("SWEEP_CACHE", t.TempDir())
	straight := builtinSweep(t)
	if out, code := straight.sweep(); code != 0 {
		t.Fatalf("straight run: exit %d\n%s", code, out)
	}
	resumed := builtinSweep(t)
	startInterrupted(t, resumed, "the first epoch's checkpoint", func(dirs []string) bool {
		_, err := os.Stat(filepath.Join(dirs[0], rundir.CheckpointDir, "latest.safetensors"))
		return err == nil
	})
	if got, code := resumed.sweep(); code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", code, got)
	}
	if !bytes.Equal(checkpointOf(t, straight), checkpointOf(t, resumed)) {
		t.Error("the interrupted and resumed run ends with other weights than the uninterrupted one")
	}
}

// lastLogged is the last iteration in a losses log (0 when none is whole yet).
func lastLogged(path string) int {
	b, _ := os.ReadFile(path)
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	var p rundir.Progress
	if json.Unmarshal(lines[len(lines)-1], &p) != nil {
		return 0
	}
	return p.Iter
}

// testMidEpochInterrupt interrupts a built-in run inside its second epoch of 40 iterations
// (every iteration logged): the child finishes its iteration and saves a mid-epoch
// checkpoint. A new 'sweep run' resumes at the next iteration (its log says so, and the
// losses log holds every iteration once) and ends with the uninterrupted run's checkpoint
// bytes, losses log and metrics.
func testMidEpochInterrupt(t *testing.T) {
	t.Setenv("SWEEP_CACHE", t.TempDir())
	straight := builtinSweepOf(t, 40, 1, 1, `["swd"]`)
	if out, code := straight.sweep(); code != 0 {
		t.Fatalf("straight run: exit %d\n%s", code, out)
	}
	resumed := builtinSweepOf(t, 40, 1, 1, `["swd"]`)
	run, out := startInterrupted(t, resumed, "iteration 43 (the second epoch's third)", func(dirs []string) bool {
		return lastLogged(filepath.Join(dirs[0], rundir.LossesFile)) >= 43
	})
	meta, err := evaluate.ReadMetadata(filepath.Join(run.Dir, rundir.CheckpointDir, "latest.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if iter, _ := strconv.Atoi(meta["iter"]); meta["epoch"] != "1" || iter <= 40 || meta["iter_in_epoch"] != fmt.Sprint(iter-40) {
		t.Fatalf("interrupted at iteration %s: epoch %s, iter_in_epoch %s, want a mid-epoch checkpoint in epoch 2\n%s", meta["iter"], meta["epoch"], meta["iter_in_epoch"], out)
	}
	t.Logf("interrupted after iteration %s (%s of epoch 2)", meta["iter"], meta["iter_in_epoch"])
	if got, code := resumed.sweep(); code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", code, got)
	}
	checkResumedRun(t, straight, resumed, meta["iter"])
}

// checkResumedRun compares a resumed run, interrupted after iteration iter, with the
// uninterrupted one.
func checkResumedRun(t *testing.T, straight, resumed *env, iter string) {
	t.Helper()
	if !bytes.Equal(checkpointOf(t, straight), checkpointOf(t, resumed)) {
		t.Error("the interrupted and resumed run ends with other weights than the uninterrupted one")
	}
	a, b := straight.runs()[0], resumed.runs()[0]
	log, _ := os.ReadFile(filepath.Join(b.Dir, rundir.LogFile))
	if next, _ := strconv.Atoi(iter); !bytes.Contains(log, fmt.Appendf(nil, "resuming at iteration %d of 80 (epoch 2, %d of its 40", next+1, next-40)) {
		t.Errorf("the resumed run's log does not say it resumed at iteration %d:\n%s", next+1, log)
	}
	la, _ := os.ReadFile(filepath.Join(a.Dir, rundir.LossesFile))
	lb, _ := os.ReadFile(filepath.Join(b.Dir, rundir.LossesFile))
	if !bytes.Equal(la, lb) {
		t.Error("the resumed run's losses log differs from the uninterrupted one's (an iteration redone or lost)")
	}
	ma, _ := straight.store().Metrics(a.ID)
	mb, _ := resumed.store().Metrics(b.ID)
	if len(ma) == 0 || fmt.Sprint(ma) != fmt.Sprint(mb) {
		t.Errorf("metrics %v, want the uninterrupted run's %v", mb, ma)
	}
}
