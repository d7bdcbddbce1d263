package slurm_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

// limitEpochs makes a tiny built-in run of about a minute on one CPU (~11 ms an
// iteration, 10 iterations an epoch): longer than the latest moment (45 s) at which
// slurmctld's 30-second limit check sends --signal=B:TERM@15 to a job of time = "1".
const limitEpochs = 520

// TestSlurmTimeLimitResubmits runs a job past a real one-minute time limit: Slurm itself
// sends the batch shell SIGTERM 15 s before the limit (at slurmctld's next 30-second
// check, so 15 to 45 s in), sweep exec saves a mid-epoch checkpoint and exits 3 before the
// limit's kill, the coordinator submits a second job, which resumes from the checkpoint
// and completes with the metrics, losses and weights of an uninterrupted local run.
// The test raises the second job's limit (scontrol update, as root) so that exactly two
// jobs run whatever the phase of slurmctld's check.
func TestSlurmTimeLimitResubmits(t *testing.T) {
	needSlurm(t)
	w := sweepOf(t, 1, limitEpochs, "cpus_per_task = 1\ntime = \"1\"\nsignal = \"B:TERM@15\"\n")
	local := localCopy(t, w)
	lcmd := local.command("local", "--devices", "cpu:1")
	var lout bytes.Buffer
	lcmd.Stdout, lcmd.Stderr = &lout, &lout
	cmd := w.command("slurm")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := lcmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := w.store()
	first, second := w.secondJob(s)
	if err := exec.Command("scontrol", "update", "JobId="+second.ID, "TimeLimit=10").Run(); err != nil {
		t.Fatalf("scontrol update JobId=%s TimeLimit=10: %v (the test needs root)", second.ID, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("coordinator: %v\n%s", err, out.String())
	}
	if err := lcmd.Wait(); err != nil {
		t.Fatalf("local run: %v\n%s", err, lout.String())
	}
	w.checkResumed(s, first)
	lruns, r := local.runsByID(), w.runsByID()[first.RunID]
	if snapshot(t, s, r) != snapshot(t, local.store(), lruns[r.ID]) {
		t.Error("the resumed Slurm run and the uninterrupted local run differ")
	}
}

// localCopy is a sweep of the same file and name as w, in another directory.
func localCopy(t *testing.T, w *work) *work {
	local := tinySweep(t, 1, 1)
	local.name = w.name
	if err := os.WriteFile(local.file, must(os.ReadFile(w.file)), 0o644); err != nil {
		t.Fatal(err)
	}
	return local
}

// secondJob waits until the run's first job has run and a second one is recorded.
func (w *work) secondJob(s *results.Store) (first, second results.Job) {
	start := time.Time{}
	waitFor(w.t, "a second job after the time limit's signal", 2*time.Minute, func() bool {
		jobs := w.allJobs(s)
		if len(jobs) >= 1 && start.IsZero() && jobs[0].State == "RUNNING" {
			start = time.Now()
		}
		if len(jobs) < 2 {
			return false
		}
		first, second = jobs[0], jobs[1]
		return true
	})
	w.t.Logf("job %s ran %.0fs before its signal (from the coordinator's first RUNNING), job %s submitted", first.ID, time.Since(start).Seconds(), second.ID)
	return first, second
}

// allJobs are the jobs recorded for the sweep's runs.
func (w *work) allJobs(s *results.Store) []results.Job {
	runs, _ := s.ListRuns(w.name)
	var all []results.Job
	for _, r := range runs {
		jobs, _ := s.Jobs(r.ID)
		all = append(all, jobs...)
	}
	return all
}

// checkResumed checks that first's run completed by exactly two jobs, the first stopped by
// the signal (exit 3, not Slurm's TIMEOUT kill), the second resumed from its checkpoint.
func (w *work) checkResumed(s *results.Store, first results.Job) {
	w.t.Helper()
	r := w.runsByID()[first.RunID]
	jobs, _ := s.Jobs(r.ID)
	log, _ := os.ReadFile(filepath.Join(r.Dir, rundir.LogFile))
	exit, _ := os.ReadFile(filepath.Join(r.Dir, "slurm-"+first.ID+".exit"))
	if r.Status != vocab.StatusCompleted || r.Attempts != 1 || len(jobs) != 2 {
		w.t.Errorf("status %s, %d attempts, %d jobs; want completed, 1 attempt, 2 jobs\n%s", r.Status, r.Attempts, len(jobs), log)
	}
	if len(jobs) > 0 && (jobs[0].State == "TIMEOUT" || string(bytes.TrimSpace(exit)) != "3") {
		w.t.Errorf("first job: state %s, exit status %q; want exit 3 after the signal, before the limit's kill", jobs[0].State, exit)
	}
	if !bytes.Contains(log, []byte("resuming at iteration")) {
		w.t.Errorf("the log does not show the resume:\n%s", log)
	}
	for _, line := range bytes.Split(log, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("====")) || bytes.HasPrefix(line, []byte("resuming")) {
			w.t.Logf("log: %s", line)
		}
	}
}
