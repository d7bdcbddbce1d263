package runner_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/config"
	"sweep/internal/sweeptest"
	"sweep/linalg"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// sweepBin is the sweep program built for these tests: the runner starts it as its children.
var sweepBin string

func TestMain(m *testing.M) { sweeptest.Main(m, &sweepBin) }

// exitInterrupted is the exit status of sweep run after a Ctrl-C.
const exitInterrupted = 130

// binRevision reads the VCS revision and modified flag the toolchain stamped into the
// sweep program (go version -m).
func binRevision(t *testing.T) (rev string, dirty bool) {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", sweepBin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "build" {
			k, v, _ := strings.Cut(f[1], "=")
			switch k {
			case "vcs.revision":
				rev = v
			case "vcs.modified":
				dirty = v == "true"
			}
		}
	}
	return rev, dirty
}

// env is one test's sweep: a work directory holding the sweep file, database and runs.
type env struct {
	t    *testing.T
	dir  string
	file string
	db   string
	img  string
}

// newEnv writes a sweep of n command runs (seeds 1..n) running command, which may use
// {img} for a test image and {dir} for the work directory besides the executor's
// placeholders.
func newEnv(t *testing.T, n int, command string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.file, e.db = filepath.Join(e.dir, "s.toml"), filepath.Join(e.dir, "s.db")
	img, err := filepath.Abs("testdata/img.png")
	if err != nil {
		t.Fatal(err)
	}
	command = strings.NewReplacer("{img}", img, "{dir}", e.dir).Replace(command)
	toml := fmt.Sprintf(`[sweep]
name = "test"
repeats = %d

[base]
executor = "command"
command = '''%s'''
command_out = "{run_dir}/out"
crop_size = 32
load_size = 36
queries = 16
metrics = []
`, n, command)
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// produce is a command body that writes the run's image and counts its completion in
// {dir}/marks/{id}; it is the last thing a successful command does.
const produce = `mkdir -p {run_dir}/out {dir}/marks && cp {img} {run_dir}/out/ && echo done >> {dir}/marks/{id}`

func (e *env) command(args ...string) *exec.Cmd {
	args = append([]string{"run", "--db", e.db, "--runs-dir", filepath.Join(e.dir, "runs")}, args...)
	cmd := exec.Command(sweepBin, append(args, e.file)...)
	cmd.Dir = e.dir
	return cmd
}

// sweep runs "sweep run" to its end and returns its stderr and exit status.
func (e *env) sweep(args ...string) (string, int) {
	e.t.Helper()
	cmd := e.command(args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		e.t.Fatal(err)
	}
	return stderr.String(), cmd.ProcessState.ExitCode()
}

func (e *env) store() *results.Store {
	e.t.Helper()
	s, err := results.Open(e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

func (e *env) runs() []results.Run {
	e.t.Helper()
	runs, err := e.store().ListRuns("test")
	if err != nil {
		e.t.Fatal(err)
	}
	return runs
}

func countStatus(runs []results.Run, status vocab.Status) int {
	n := 0
	for _, r := range runs {
		if r.Status == status {
			n++
		}
	}
	return n
}

// marks returns how often each run's command completed.
func (e *env) marks(id string) int {
	b, _ := os.ReadFile(filepath.Join(e.dir, "marks", id))
	return strings.Count(string(b), "done")
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestSlotsRunConcurrently(t *testing.T) {
	for _, slots := range []int{1, 2} {
		t.Run(fmt.Sprintf("cpu:%d", slots), func(t *testing.T) {
			e := newEnv(t, 2, `sleep 0.5; `+produce+`; echo "$GOMAXPROCS" > {run_dir}/procs`)
			out, code := e.sweep("--devices", fmt.Sprintf("cpu:%d", slots))
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			runs := e.runs()
			if len(runs) != 2 || countStatus(runs, vocab.StatusCompleted) != 2 {
				t.Fatalf("runs %+v", runs)
			}
			a, b := runs[0], runs[1]
			overlap := a.Started.Before(b.Finished) && b.Started.Before(a.Finished)
			if overlap != (slots == 2) {
				t.Errorf("with %d slots: overlap = %v (a %v..%v, b %v..%v)", slots, overlap, a.Started, a.Finished, b.Started, b.Finished)
			}
			procs, _ := os.ReadFile(filepath.Join(a.Dir, "procs"))
			if want := strconv.Itoa(max(1, numCPU()/slots)); strings.TrimSpace(string(procs)) != want {
				t.Errorf("child GOMAXPROCS %q, want %s", procs, want)
			}
		})
	}
}

func numCPU() int {
	out, err := exec.Command("nproc").Output()
	if err != nil {
		return 1
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}

// TestEachGPUSlotSeesOnlyItsGPU: the child of slot gpu:I sees only GPU I
// (CUDA_VISIBLE_DEVICES=I), where it is device 0, so {gpu} is 0 and {gpu_index} is I.
func TestEachGPUSlotSeesOnlyItsGPU(t *testing.T) {
	e := newEnv(t, 4, `echo "$CUDA_VISIBLE_DEVICES|"{gpu} {gpu_index}"|$SWEEP_DEVICE" > {run_dir}/gpu; sleep 0.3; `+produce)
	if out, code := e.sweep("--devices", "gpu:0,1"); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	seen := map[string]bool{}
	for _, r := range e.runs() {
		b, err := os.ReadFile(filepath.Join(r.Dir, "gpu"))
		if err != nil {
			t.Fatal(err)
		}
		gpu := strings.TrimPrefix(r.Device, "gpu:")
		if got, want := strings.TrimSpace(string(b)), gpu+"|0 "+gpu+"|"+r.Device; got != want {
			t.Errorf("run %s on %s saw %q, want %q", r.ID, r.Device, got, want)
		}
		seen[gpu] = true
	}
	if !seen["0"] || !seen["1"] {
		t.Errorf("GPUs used: %v, want both", seen)
	}
}

func TestSecondInvocationDoesNothing(t *testing.T) {
	e := newEnv(t, 3, produce+`; printf '{"iter":1,"total":1,"losses":{"G":0.5}}\n' >> {run_dir}/losses.jsonl`)
	if out, code := e.sweep("--devices", "cpu:2"); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	before := e.runs()
	out, code := e.sweep("--devices", "cpu:2")
	if code != 0 || !strings.Contains(out, "3 done before, 0 completed now") {
		t.Fatalf("second invocation: exit %d:\n%s", code, out)
	}
	for i, r := range e.runs() {
		if r.Attempts != 1 || !r.Started.Equal(before[i].Started) || e.marks(r.ID) != 1 {
			t.Errorf("run %s: attempts %d, marks %d, started %v (was %v)", r.ID, r.Attempts, e.marks(r.ID), r.Started, before[i].Started)
		}
		losses, err := e.store().Losses(r.ID)
		if err != nil || len(losses) != 1 || losses[0] != (results.Loss{Iter: 1, Name: "G", Value: 0.5}) {
			t.Errorf("run %s losses %v %v", r.ID, losses, err)
		}
		p, ok, err := e.store().Provenance(r.ID)
		if err != nil || !ok || p.Seed != r.Config.Seed || p.GoVersion == "" || len(p.Modules) == 0 {
			t.Errorf("run %s provenance %+v %v %v", r.ID, p, ok, err)
		}
		if rev, dirty := binRevision(t); p.GitCommit != rev || p.GitDirty != dirty || p.Backend != config.Backend || p.BLAS != linalg.KernelVersion() {
			t.Errorf("run %s provenance: commit %q dirty %v backend %q (%q), want the program's %q %v and %q (%q)",
				r.ID, p.GitCommit, p.GitDirty, p.Backend, p.BLAS, rev, dirty, config.Backend, linalg.KernelVersion())
		}
		if _, err := os.Stat(filepath.Join(r.Dir, rundir.FakeImagesDir, "img.png")); err != nil {
			t.Errorf("run %s: image not collected: %v", r.ID, err)
		}
	}
	var dry bytes.Buffer
	cmd := e.command("--dry-run")
	cmd.Stdout = &dry
	if err := cmd.Run(); err != nil || !strings.Contains(dry.String(), "3 runs, 3 done, 0 to run") {
		t.Errorf("dry run: %v\n%s", err, dry.String())
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	e := newEnv(t, 2, produce)
	var out bytes.Buffer
	cmd := e.command("--dry-run")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); strings.Count(s, " new ") != 2 || !strings.Contains(s, "2 runs, 0 done, 2 to run") {
		t.Errorf("dry run:\n%s", s)
	}
	for _, p := range []string{e.db, filepath.Join(e.dir, "runs"), filepath.Join(e.dir, "marks")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("dry run created %s", p)
		}
	}
}

func TestFailurePolicy(t *testing.T) {
	// Seed 2 fails on its first attempt (or on every attempt, "always"); the attempt count is
	// kept in the run directory.
	countAttempt := `n=$(cat {run_dir}/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > {run_dir}/n; `
	failOnce := countAttempt + `if [ {seed} = 2 ] && [ $n = 1 ]; then echo boom >&2; exit 7; fi; ` + produce
	failAlways := countAttempt + `if [ {seed} = 2 ]; then echo boom >&2; exit 7; fi; ` + produce
	failFirst := `if [ {seed} = 1 ]; then echo boom >&2; exit 7; fi; ` + produce
	tests := []struct {
		name      string
		command   string
		args      []string
		wantCode  int
		completed int
		failed    int
		pending   int
		attempts2 int // attempts of seed 2
	}{
		{"failure recorded, others complete", failOnce, []string{"--devices", "cpu:2"}, 1, 3, 1, 0, 1},
		{"retry succeeds", failOnce, []string{"--devices", "cpu:2", "--retries", "1"}, 0, 4, 0, 0, 2},
		{"retries exhausted", failAlways, []string{"--devices", "cpu:2", "--retries", "2"}, 1, 3, 1, 0, 3},
		{"fail-fast starts nothing more", failFirst, []string{"--devices", "cpu:1", "--fail-fast"}, 1, 0, 1, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 4, tt.command)
			out, code := e.sweep(tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.wantCode, out)
			}
			runs := e.runs()
			got := [3]int{countStatus(runs, vocab.StatusCompleted), countStatus(runs, vocab.StatusFailed), countStatus(runs, vocab.StatusPending)}
			if got != [3]int{tt.completed, tt.failed, tt.pending} {
				t.Fatalf("completed/failed/pending = %v, want %v\n%s", got, [3]int{tt.completed, tt.failed, tt.pending}, out)
			}
			for _, r := range runs {
				if r.Status == vocab.StatusFailed {
					if !strings.Contains(r.LogTail, "boom") || !strings.Contains(r.Error, "exit status 1") || !strings.Contains(r.Error, "exit status 7") {
						t.Errorf("failed run: error %q, log tail %q", r.Error, r.LogTail)
					}
				}
				if r.Config.Seed == 2 && r.Attempts != tt.attempts2 {
					t.Errorf("seed 2: %d attempts, want %d", r.Attempts, tt.attempts2)
				}
			}
		})
	}
}

// TestUnknownPlaceholderRefusesTheSweep: a template naming an unknown placeholder is refused
// before anything runs, at the line of the template, and nothing is written.
func TestUnknownPlaceholderRefusesTheSweep(t *testing.T) {
	e := newEnv(t, 1, `echo {nope}`)
	out, code := e.sweep()
	if code != 1 || !strings.Contains(out, "s.toml:7: base.command (run ") || !strings.Contains(out, "unknown placeholder {nope}") {
		t.Fatalf("exit %d, want 1 and the template's line:\n%s", code, out)
	}
	if _, err := os.Stat(e.db); err == nil {
		t.Error("the refused sweep wrote a database")
	}
}

func TestForceRerunsFromScratch(t *testing.T) {
	e := newEnv(t, 2, `test ! -e {run_dir}/stale || exit 9; `+produce)
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, r := range e.runs() {
		os.WriteFile(filepath.Join(r.Dir, "stale"), nil, 0o644)
	}
	if out, code := e.sweep("--force"); code != 0 {
		t.Fatalf("forced: exit %d:\n%s", code, out)
	}
	for _, r := range e.runs() {
		if r.Status != vocab.StatusCompleted || r.Attempts != 2 || e.marks(r.ID) != 2 {
			t.Errorf("run %s: %s, %d attempts, %d marks", r.ID, r.Status, r.Attempts, e.marks(r.ID))
		}
		log, _ := os.ReadFile(filepath.Join(r.Dir, rundir.LogFile))
		if n := strings.Count(string(log), "==== attempt"); n != 2 {
			t.Errorf("run %s log has %d attempt headers, want 2", r.ID, n)
		}
	}
}

// A runner that died after its child wrote result.json but before recording it: the next
// runner records the run from its directory instead of running it again.
func TestResultInRunDirIsRecordedNotRerun(t *testing.T) {
	e := newEnv(t, 2, produce)
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	s := e.store()
	id := e.runs()[0].ID
	if err := s.MarkRunning(id, "cpu:0"); err != nil { // as a crash would leave it
		t.Fatal(err)
	}
	out, code := e.sweep()
	if code != 0 || !strings.Contains(out, "recorded from its run directory") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	r, _, _ := s.GetRun(id)
	if r.Status != vocab.StatusCompleted || e.marks(id) != 1 {
		t.Errorf("run %s: %s, %d marks", id, r.Status, e.marks(id))
	}
}

func TestCrashedRunnerResumes(t *testing.T) {
	// Seeds 1 and 2 complete at once; the others wait for {dir}/go, so the runner is killed
	// while two of them run and two wait in its queue.
	e := newEnv(t, 6, `echo "$$ $PPID" >> {dir}/pids; if [ {seed} -gt 2 ]; then while [ ! -e {dir}/go ]; do sleep 0.05; done; fi; `+produce)
	cmd := e.command("--devices", "cpu:2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pids := func() []int {
		b, _ := os.ReadFile(filepath.Join(e.dir, "pids"))
		var pids []int
		for _, f := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(f)
			pids = append(pids, pid)
		}
		return pids
	}
	waitFor(t, "two completed runs and two running", func() bool {
		return len(pids()) == 8 && countStatus(e.runs(), vocab.StatusCompleted) == 2
	})
	cmd.Process.Kill()
	cmd.Wait()
	// The children (each command's shell and its "sweep exec") die with the runner; had
	// they survived, they would wait for {dir}/go forever.
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids() {
		for syscall.Kill(pid, 0) == nil && !zombie(pid) {
			if time.Now().After(deadline) {
				for _, pid := range pids() { // the "sweep exec" ones lead their process groups
					syscall.Kill(-pid, syscall.SIGKILL)
				}
				t.Fatalf("process %d outlived the killed runner", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	os.WriteFile(filepath.Join(e.dir, "go"), nil, 0o644)
	if out, code := e.sweep("--devices", "cpu:2"); code != 0 {
		t.Fatalf("rerun: exit %d:\n%s", code, out)
	}
	runs := e.runs()
	if len(runs) != 6 || countStatus(runs, vocab.StatusCompleted) != 6 {
		t.Fatalf("after the rerun: %d runs, %d completed", len(runs), countStatus(runs, vocab.StatusCompleted))
	}
	for _, r := range runs {
		want := 1
		if r.Config.Seed > 2 && r.Config.Seed <= 4 {
			want = 2 // killed once
		}
		if e.marks(r.ID) != 1 || r.Attempts != want {
			t.Errorf("run %s (seed %d): completed %d times, %d attempts; want once, %d", r.ID, r.Config.Seed, e.marks(r.ID), r.Attempts, want)
		}
	}
}

// zombie reports whether pid is a dead process not yet reaped by its parent.
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}

func TestInterruptMarksRunsAndNextRunResumes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		trap    string // shell code run first: "trap '' INT" makes the command ignore SIGINT
		signals int    // Ctrl-Cs needed to stop it
	}{
		{"children stop on the first interrupt", "", 1},
		{"second interrupt kills children that ignore the first", "trap '' INT; ", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 2, tt.trap+`touch {run_dir}/started; test -e {dir}/go || sleep 30; `+produce)
			cmd := e.command("--devices", "cpu:2")
			var out bytes.Buffer
			cmd.Stderr = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "both commands to start", func() bool {
				m, _ := filepath.Glob(filepath.Join(e.dir, "runs", "*", "started"))
				return len(m) == 2
			})
			done := make(chan error)
			go func() { done <- cmd.Wait() }()
			for i := range tt.signals {
				if i > 0 {
					time.Sleep(300 * time.Millisecond) // the first interrupt must not be enough
					select {
					case <-done:
						t.Fatal("the runner ended on the first interrupt")
					default:
					}
				}
				cmd.Process.Signal(os.Interrupt)
			}
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done // the output is complete, and no longer written, once Wait returns
				t.Fatalf("the runner did not end after the interrupt:\n%s", out.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
				t.Fatalf("exit %d, want %d:\n%s", code, exitInterrupted, out.String())
			}
			if n := countStatus(e.runs(), vocab.StatusInterrupted); n != 2 {
				t.Fatalf("%d runs interrupted, want 2:\n%s", n, out.String())
			}
			os.WriteFile(filepath.Join(e.dir, "go"), nil, 0o644)
			if out, code := e.sweep("--devices", "cpu:2"); code != 0 {
				t.Fatalf("resume: exit %d:\n%s", code, out)
			}
			for _, r := range e.runs() {
				if r.Status != vocab.StatusCompleted || r.Attempts != 2 || e.marks(r.ID) != 1 {
					t.Errorf("run %s: %s, %d attempts, %d marks", r.ID, r.Status, r.Attempts, e.marks(r.ID))
				}
			}
		})
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
