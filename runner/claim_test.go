package runner_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/results"
	"sweep/rundir"
	"sweep/runner"
	"sweep/vocab"
)

// TestTwoRunnersOneDatabaseRunEachRunOnce: two "sweep run" processes on one database with
// different runs directories share the sweep's runs through their claims: each run executes
// exactly once, and every run ends completed.
func TestTwoRunnersOneDatabaseRunEachRunOnce(t *testing.T) {
	e := newEnv(t, 6, `sleep 0.3; `+produce)
	var outs [2]bytes.Buffer
	var cmds [2]*exec.Cmd
	for i := range cmds {
		runsDir := filepath.Join(e.dir, fmt.Sprintf("runs%d", i))
		cmds[i] = exec.Command(sweepBin, "run", "--db", e.db, "--runs-dir", runsDir, "--devices", "cpu:2", e.file)
		cmds[i].Dir, cmds[i].Stdout, cmds[i].Stderr = e.dir, &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		var ee *exec.ExitError
		if err := cmd.Wait(); err != nil && !errors.As(err, &ee) {
			t.Fatalf("runner %d: %v", i, err)
		}
	}
	runs := e.runs()
	if len(runs) != 6 || countStatus(runs, vocab.StatusCompleted) != 6 {
		t.Fatalf("%d runs, %d completed\nrunner 0:\n%s\nrunner 1:\n%s", len(runs), countStatus(runs, vocab.StatusCompleted), &outs[0], &outs[1])
	}
	for _, r := range runs {
		if n := e.marks(r.ID); n != 1 || r.Attempts != 1 {
			t.Errorf("run %s (seed %d) executed %d times, %d attempts; want once\nrunner 0:\n%s\nrunner 1:\n%s",
				r.ID, r.Config.Seed, n, r.Attempts, &outs[0], &outs[1])
		}
	}
}

// TestRunHeldByAnotherLiveRunnerIsBusy: a run that another runner (on another host) holds
// under a live lease is reported busy and not executed; once that lease lapses, the next
// sweep run takes it over and runs it.
func TestRunHeldByAnotherLiveRunnerIsBusy(t *testing.T) {
	e := newEnv(t, 2, produce)
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("first sweep: exit %d\n%s", code, out)
	}
	s := e.store()
	held := e.runs()[0]
	if err := s.MarkFinished(held.ID, vocab.StatusInterrupted, "", ""); err != nil {
		t.Fatal(err)
	}
	other := results.Owner{Host: "another-host", PID: 4242}
	if err := s.Claim(held.ID, other, time.Hour, time.Time{}); err != nil {
		t.Fatal(err)
	}
	out, code := e.sweep()
	if code != 1 || !strings.Contains(out, "1 busy") || !strings.Contains(out, "another-host pid 4242") {
		t.Fatalf("exit %d, want 1 with the run busy in another-host's runner:\n%s", code, out)
	}
	if e.marks(held.ID) != 1 {
		t.Fatalf("the held run was executed again")
	}
	if err := s.Claim(held.ID, other, -time.Second, time.Time{}); err != nil { // its lease lapses
		t.Fatal(err)
	}
	os.Remove(filepath.Join(held.Dir, rundir.ResultFile)) // so the run executes again rather than being recorded
	if out, code := e.sweep(); code != 0 || e.marks(held.ID) != 2 {
		t.Fatalf("after the lease lapsed: exit %d, %d executions\n%s", code, e.marks(held.ID), out)
	}
}

// TestClaimIsRefreshedWhileTheChildRuns: a run executing for several leases stays held by
// its runner, since the runner refreshes the claim while the child runs.
func TestClaimIsRefreshedWhileTheChildRuns(t *testing.T) {
	dir := t.TempDir()
	store, err := results.Open(filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	slots, _ := runner.ParseDevices("cpu:1")
	started := filepath.Join(dir, "started")
	lease := time.Second // four beats a lease: a loaded CI machine may delay one or two
	opt := runner.Options{RunsDir: filepath.Join(dir, "runs"), Slots: slots, Executable: sweepBin, Lease: lease}
	done := make(chan error, 1)
	go func() {
		_, err := runner.Run(context.Background(), store, "s", commandRuns(1, "touch "+started+"; sleep 4"), opt)
		done <- err
	}()
	waitFor(t, "the command to start", func() bool { return exists(started) })
	time.Sleep(2 * lease)
	runs, err := store.ListRuns("s")
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	err = store.Claim(runs[0].ID, results.Owner{Host: "another-host", PID: 1}, time.Hour, time.Time{})
	if !errors.Is(err, results.ErrHeld) {
		t.Errorf("claim of a running run after two leases: %v; want ErrHeld", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestReadOnlyDatabase: with the database 0444 in a 0555 directory (read by the user nobody,
// since root ignores permissions), "sweep run --dry-run" shows the runs' states and writes
// nothing, and "sweep run" says plainly that the database is read-only.
func TestReadOnlyDatabase(t *testing.T) {
	e := newEnv(t, 2, produce)
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	dbDir := sharedDir(t)
	db := filepath.Join(dbDir, "s.db")
	if err := os.Rename(e.db, db); err != nil {
		t.Fatal(err)
	}
	os.Chmod(db, 0o444)
	os.Chmod(dbDir, 0o555)
	t.Cleanup(func() { os.Chmod(dbDir, 0o755) })
	file := filepath.Join(filepath.Dir(dbDir), "s.toml")
	toml, _ := os.ReadFile(e.file)
	os.WriteFile(file, toml, 0o644)
	sweepAs := func(args ...string) (string, int) {
		cmd := exec.Command(sweepBin, append(append([]string{"run", "--db", db, "--runs-dir", filepath.Join(filepath.Dir(dbDir), "runs")}, args...), file)...)
		cmd.Env = append(os.Environ(), "SWEEP_CACHE="+filepath.Join(filepath.Dir(dbDir), "cache"))
		asNobody(t, cmd)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	if out, code := sweepAs("--dry-run"); code != 0 || !strings.Contains(out, "2 runs, 2 done, 0 to run") {
		t.Errorf("dry run on a read-only database: exit %d\n%s", code, out)
	}
	if entries, _ := os.ReadDir(dbDir); len(entries) != 1 {
		t.Errorf("the dry run left %d files beside the database", len(entries)-1)
	}
	if out, code := sweepAs(); code != 1 || !strings.Contains(out, "database "+db+" is read-only") {
		t.Errorf("sweep run on a read-only database: exit %d\n%s", code, out)
	}
}

// sharedDir is a new directory that the user nobody may enter, under one it may write.
func sharedDir(t *testing.T) string {
	t.Helper()
	top, err := os.MkdirTemp("", "sweep-shared")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	os.Chmod(top, 0o777)
	os.Chmod(filepath.Dir(sweepBin), 0o755)
	dir := filepath.Join(top, "db")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// asNobody makes cmd run as the user nobody when the test runs as root.
func asNobody(t *testing.T, cmd *exec.Cmd) {
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
}
