package runner_test

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"sweep/results"
	"sweep/rundir"
)

// builtinSweep writes a sweep of one tiny built-in training run: 6 epochs of 10 iterations.
func builtinSweep(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.file, e.db = filepath.Join(e.dir, "s.toml"), filepath.Join(e.dir, "s.db")
	toml := `[sweep]
name = "test"

[base]
dataset = "builtin:zebra"
train_size = 10
test_size = 2
crop_size = 20
load_size = 22
ngf = 4
ndf = 4
n_blocks = 5
netf_nc = 8
queries = 8
n_epochs = 3
n_epochs_decay = 3
metrics = []
`
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

func checkpointOf(t *testing.T, e *env) []byte {
	t.Helper()
	runs := e.runs()
	if len(runs) != 1 || runs[0].Status != results.StatusCompleted {
		t.Fatalf("runs %+v, want one completed", runs)
	}
	b, err := os.ReadFile(filepath.Join(runs[0].Dir, rundir.CheckpointDir, "latest.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInterruptedTrainingResumesBitForBit interrupts a built-in training run with SIGINT
// after its first epoch's checkpoint, resumes it with a new 'sweep run' (a new process), and
// compares the final checkpoint with that of an uninterrupted run of the same config.
func TestInterruptedTrainingResumesBitForBit(t *testing.T) {
	t.Setenv("SWEEP_CACHE", t.TempDir())
	straight := builtinSweep(t)
	if out, code := straight.sweep(); code != 0 {
		t.Fatalf("straight run: exit %d\n%s", code, out)
	}

	resumed := builtinSweep(t)
	cmd := resumed.command()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(resumed.dir, "runs", "*", rundir.CheckpointDir, "latest.safetensors")
	waitFor(t, "the first epoch's checkpoint", func() bool { m, _ := filepath.Glob(ckpt); return len(m) == 1 })
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if runs := resumed.runs(); len(runs) != 1 || runs[0].Status == results.StatusCompleted {
		t.Skipf("the run finished before the interrupt reached it (status %v); nothing to resume", runs)
	}
	if got, code := resumed.sweep(); code != 0 {
		t.Fatalf("resumed run: exit %d\n%s", code, got)
	}
	if !bytes.Equal(checkpointOf(t, straight), checkpointOf(t, resumed)) {
		t.Error("the interrupted and resumed run ends with other weights than the uninterrupted one")
	}
}
