package slurm_test

import (
	"bytes"
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
	"sweep/vocab"
)

var sweepBin string

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "sweep-slurm-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sweepBin = filepath.Join(tmp, "sweep")
	build := exec.Command("go", "build", "-o", sweepBin, "sweep/cmd/sweep")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build sweep: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// needSlurm skips unless a Slurm controller answers (scripts/slurm-up starts one).
func needSlurm(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput(); err != nil {
		t.Skipf("Slurm does not answer (sinfo: %v %s); run scripts/slurm-up (as root) to start a one-node Slurm", err, bytes.TrimSpace(out))
	}
}

// work is one test's sweep directory.
type work struct {
	t         *testing.T
	dir, name string
	file, db  string
	runsDir   string
}

// tinySweep writes a sweep named uniquely of n tiny built-in runs (seeds 1..n) of epochs
// epochs (half of them decay).
func tinySweep(t *testing.T, n, epochs int) *work {
	t.Helper()
	return sweepOf(t, n, epochs, "cpus_per_task = 1\ntime = \"10\"\n")
}

// sweepOf is tinySweep with slurm as the body of its [slurm] table.
func sweepOf(t *testing.T, n, epochs int, slurm string) *work {
	t.Helper()
	dir := t.TempDir()
	w := &work{t: t, dir: dir, name: fmt.Sprintf("t%d", time.Now().UnixNano()%1e9)}
	w.file, w.db, w.runsDir = filepath.Join(dir, "s.toml"), filepath.Join(dir, "s.db"), filepath.Join(dir, "runs")
	var seeds []string
	for i := 1; i <= n; i++ {
		seeds = append(seeds, fmt.Sprint(i))
	}
	toml := fmt.Sprintf(`[sweep]
name = %q

[slurm]
%s
[base]
dataset = "builtin:zebra"
train_size = 10
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
metrics = ["gt"]

[grid]
seed = [%s]
`, w.name, slurm, epochs-epochs/2, epochs/2, strings.Join(seeds, ", "))
	if err := os.WriteFile(w.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *work) command(cluster string, args ...string) *exec.Cmd {
	all := append([]string{"run", "--cluster", cluster, "--slurm-poll", "1s", "--db", w.db, "--runs-dir", w.runsDir}, args...)
	cmd := exec.Command(sweepBin, append(all, w.file)...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "SWEEP_CACHE="+filepath.Join(w.dir, "cache"))
	return cmd
}

func (w *work) run(cluster string, args ...string) (string, int) {
	out, err := w.command(cluster, args...).CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	return string(out), code
}

func (w *work) store() *results.Store {
	s, err := results.Open(w.db)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { s.Close() })
	return s
}

// snapshot is what a completed run computed: metrics, losses and final weights.
func snapshot(t *testing.T, s *results.Store, r results.Run) string {
	ms, err := s.Metrics(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := s.Losses(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := os.ReadFile(filepath.Join(r.Dir, rundir.CheckpointDir, "latest.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%v|%v|%x", ms, ls, ck)
}

// slurmJobs counts the jobs Slurm knows (queued, running, recently ended) of w's sweep.
func (w *work) slurmJobs() int {
	out, _ := exec.Command("scontrol", "show", "job", "-o").Output()
	return strings.Count(string(out), "JobName=sweep-"+w.name+"-")
}

func (w *work) jobNames() []string {
	var names []string
	for id := range w.runsByID() {
		names = append(names, "sweep-"+w.name+"-"+id)
	}
	return names
}

func (w *work) runsByID() map[string]results.Run {
	runs, err := w.store().ListRuns(w.name)
	if err != nil {
		w.t.Fatal(err)
	}
	m := map[string]results.Run{}
	for _, r := range runs {
		m[r.ID] = r
	}
	return m
}

// checkOneJobEach checks that every run completed with exactly one job submitted for it.
func (w *work) checkOneJobEach(n int) {
	w.t.Helper()
	s := w.store()
	runs := w.runsByID()
	if len(runs) != n {
		w.t.Fatalf("%d runs, want %d", len(runs), n)
	}
	for id, r := range runs {
		jobs, err := s.Jobs(id)
		if err != nil {
			w.t.Fatal(err)
		}
		outs, _ := filepath.Glob(filepath.Join(r.Dir, "slurm-*.out"))
		if r.Status != vocab.StatusCompleted || len(jobs) != 1 || len(outs) != 1 {
			w.t.Errorf("run %s: status %s, %d jobs recorded, %d job outputs; want completed, 1, 1", id, r.Status, len(jobs), len(outs))
		}
	}
	if got := w.slurmJobs(); got != n {
		w.t.Errorf("Slurm knows %d jobs of the sweep, want %d", got, n)
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSlurmSmokeMatchesLocal runs a sweep through Slurm and locally: every run completes
// once through Slurm, with the metrics, losses and weights of the local run, bit for bit.
func TestSlurmSmokeMatchesLocal(t *testing.T) {
	needSlurm(t)
	w := tinySweep(t, 2, 2)
	if out, code := w.run("slurm"); code != 0 {
		t.Fatalf("slurm sweep: exit %d\n%s", code, out)
	}
	w.checkOneJobEach(2)
	local := tinySweep(t, 2, 2)
	local.name = w.name
	if err := os.WriteFile(local.file, must(os.ReadFile(w.file)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := local.run("local", "--devices", "cpu:2"); code != 0 {
		t.Fatalf("local sweep: exit %d\n%s", code, out)
	}
	sl, ll := w.store(), local.store()
	lruns := local.runsByID()
	for id, r := range w.runsByID() {
		if snapshot(t, sl, r) != snapshot(t, ll, lruns[id]) {
			t.Errorf("run %s: Slurm and local results differ", id)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestSlurmCoordinatorKilled kills the coordinator (SIGKILL) while its jobs are queued and
// running; a new 'sweep run' re-attaches: no job is submitted twice, every run completes once.
func TestSlurmCoordinatorKilled(t *testing.T) {
	needSlurm(t)
	w := tinySweep(t, 3, 6)
	cmd := w.command("slurm")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "3 submitted jobs", time.Minute, func() bool { return w.slurmJobs() == 3 })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	live, _ := exec.Command("squeue", "-h", "-n", strings.Join(w.jobNames(), ","), "-o", "%i %T").Output()
	if len(bytes.TrimSpace(live)) == 0 {
		t.Skip("every job ended before the coordinator was killed; nothing to re-attach to")
	}
	t.Logf("jobs alive after the kill:\n%s", live)
	got, code := w.run("slurm")
	t.Logf("second coordinator:\n%s", got)
	if code != 0 {
		t.Fatalf("second coordinator: exit %d\n%s\nfirst:\n%s", code, got, out.String())
	}
	w.checkOneJobEach(3)
}

// TestSlurmKilledAfterSbatch kills the coordinator (SIGKILL) after sbatch has queued a job
// and before the coordinator could record it, the moment TestSlurmCoordinatorKilled only
// sometimes hits: an sbatch on PATH submits, then kills its caller. The next 'sweep run'
// finds the job by its name and follows it: no run gets a second job.
func TestSlurmKilledAfterSbatch(t *testing.T) {
	needSlurm(t)
	w := tinySweep(t, 2, 6)
	real, err := exec.LookPath("sbatch")
	if err != nil {
		t.Fatal(err)
	}
	bin, calls := filepath.Join(w.dir, "bin"), filepath.Join(w.dir, "calls")
	wrapper := fmt.Sprintf("#!/bin/sh\ntouch %[1]q/start.$$\n%[2]q \"$@\"\nrc=$?\nmkdir %[3]q 2>/dev/null && kill -KILL $PPID\ntouch %[1]q/end.$$\nexit $rc\n",
		calls, real, filepath.Join(w.dir, "killed"))
	if err := os.MkdirAll(calls, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "sbatch"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	first := w.command("slurm")
	first.Env = append(first.Env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := first.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("first coordinator: %v, want killed by its sbatch\n%s", err, out)
	}
	// The other run's sbatch may outlive its killed caller by a moment; a user restarts later.
	waitFor(t, "the first coordinator's sbatch calls", time.Minute, func() bool {
		started, _ := filepath.Glob(filepath.Join(calls, "start.*"))
		ended, _ := filepath.Glob(filepath.Join(calls, "end.*"))
		return len(started) == len(ended)
	})
	got, code := w.run("slurm")
	t.Logf("second coordinator:\n%s", got)
	if code != 0 {
		t.Fatalf("second coordinator: exit %d\n%s\nfirst:\n%s", code, got, out)
	}
	w.checkOneJobEach(2)
}

// TestSlurmScancel cancels one job from outside: its run fails with Slurm's state, the
// others complete.
func TestSlurmScancel(t *testing.T) {
	needSlurm(t)
	w := tinySweep(t, 2, 6)
	cmd := w.command("slurm")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var victim results.Job
	waitFor(t, "a running job", time.Minute, func() bool {
		for id := range w.runsByID() {
			if j, ok, _ := w.store().LastJob(id, "slurm"); ok && j.State == "RUNNING" {
				victim = j
				return true
			}
		}
		return false
	})
	if err := exec.Command("scancel", victim.ID).Run(); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("coordinator: %v, want exit 1\n%s", err, out.String())
	}
	for id, r := range w.runsByID() {
		switch {
		case id == victim.RunID && (r.Status != vocab.StatusFailed || !strings.Contains(r.Error, "CANCELLED")):
			t.Errorf("cancelled run: status %s, error %q; want failed, naming CANCELLED", r.Status, r.Error)
		case id != victim.RunID && r.Status != vocab.StatusCompleted:
			t.Errorf("run %s: status %s, want completed", id, r.Status)
		}
	}
}

// TestSlurmTermResubmits sends the job's shell the SIGTERM that --signal=B:TERM@N sends
// before a time limit: sweep exec checkpoints and exits 3, and the coordinator submits a new
// job that resumes the run from its checkpoint.
func TestSlurmTermResubmits(t *testing.T) {
	needSlurm(t)
	w := tinySweep(t, 1, 40)
	cmd := w.command("slurm")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var job results.Job
	waitFor(t, "a running job with a checkpoint", time.Minute, func() bool {
		for id, r := range w.runsByID() {
			ck, _ := filepath.Glob(filepath.Join(r.Dir, rundir.CheckpointDir, "latest.safetensors"))
			if j, ok, _ := w.store().LastJob(id, "slurm"); ok && j.State == "RUNNING" && len(ck) == 1 {
				job = j
				return true
			}
		}
		return false
	})
	if err := exec.Command("scancel", "--batch", "--signal=TERM", job.ID).Run(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("coordinator: %v\n%s", err, out.String())
	}
	jobs, _ := w.store().Jobs(job.RunID)
	r := w.runsByID()[job.RunID]
	log, _ := os.ReadFile(filepath.Join(r.Dir, rundir.LogFile))
	if r.Status != vocab.StatusCompleted || len(jobs) != 2 || !bytes.Contains(log, []byte("resuming at iteration")) {
		t.Errorf("status %s, %d jobs, log:\n%s\nwant completed by a second job that resumed", r.Status, len(jobs), log)
	}
}
