package runner_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/vocab"
)

// trainer is a command whose work is done by a grandchild of "sweep exec" (the shell's
// background child, as a trainer started by a script): it writes its PID to
// {dir}/trainer.pid, its shell's parent ("sweep exec") to {dir}/exec.pid, and, unless
// {dir}/go exists, sleeps 3 s and then writes {dir}/late.
const trainer = `echo $PPID > {dir}/exec.pid; sh -c 'echo $$ > {dir}/trainer.pid; test -e {dir}/go || { sleep 3; echo late >> {dir}/late; }' & wait; ` + produce

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, _ := os.ReadFile(path)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// gone waits until pid no longer runs, failing the test (and killing it) after 5 s.
func gone(t *testing.T, pid int, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); syscall.Kill(pid, 0) == nil && !zombie(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (PID %d) outlived it", what, pid)
		}
	}
}

// noLateWrite checks that nothing wrote {dir}/late, after the trainer's sleep had passed.
func noLateWrite(t *testing.T, e *env) {
	t.Helper()
	time.Sleep(3500 * time.Millisecond)
	if exists(filepath.Join(e.dir, "late")) {
		t.Fatal("the trainer went on and wrote after the end")
	}
}

// TestKilledRunnerLeavesNoTrainer: a runner killed with SIGKILL while a command's trainer
// (a grandchild of "sweep exec") works takes the trainer with it; it writes nothing after,
// and the rerun completes the run once with no trainer of the killed attempt around.
func TestKilledRunnerLeavesNoTrainer(t *testing.T) {
	e := newEnv(t, 1, trainer)
	cmd := e.command()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the trainer to start", func() bool { return readPID(t, filepath.Join(e.dir, "trainer.pid")) != 0 })
	pid := readPID(t, filepath.Join(e.dir, "trainer.pid"))
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	gone(t, pid, "the trainer of the killed runner")
	noLateWrite(t, e)
	os.WriteFile(filepath.Join(e.dir, "go"), nil, 0o644)
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("rerun: exit %d:\n%s", code, out)
	}
	r := e.runs()[0]
	if r.Status != vocab.StatusCompleted || r.Attempts != 2 || e.marks(r.ID) != 1 || exists(filepath.Join(e.dir, "late")) {
		t.Errorf("after the rerun: %s, %d attempts, %d marks, late %v", r.Status, r.Attempts, e.marks(r.ID), exists(filepath.Join(e.dir, "late")))
	}
}

// TestChildsEndEndsItsGroup: what a command leaves running when its "sweep exec" ends,
// whether it exits or is killed with SIGKILL, is killed by the runner.
func TestChildsEndEndsItsGroup(t *testing.T) {
	t.Run("command exits, leaving its trainer", func(t *testing.T) {
		e := newEnv(t, 1, `sh -c 'echo $$ > {dir}/trainer.pid; sleep 3; echo late >> {dir}/late' & `+
			`while [ ! -s {dir}/trainer.pid ]; do sleep 0.01; done; `+produce)
		if out, code := e.sweep(); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		gone(t, readPID(t, filepath.Join(e.dir, "trainer.pid")), "the trainer of a finished run")
		noLateWrite(t, e)
	})
	t.Run("sweep exec killed", func(t *testing.T) {
		e := newEnv(t, 1, trainer)
		cmd := e.command()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the trainer to start", func() bool { return readPID(t, filepath.Join(e.dir, "trainer.pid")) != 0 })
		syscall.Kill(readPID(t, filepath.Join(e.dir, "exec.pid")), syscall.SIGKILL)
		gone(t, readPID(t, filepath.Join(e.dir, "trainer.pid")), "the trainer of a killed sweep exec")
		if err := cmd.Wait(); err == nil {
			t.Error("the sweep succeeded")
		}
		noLateWrite(t, e)
	})
}
