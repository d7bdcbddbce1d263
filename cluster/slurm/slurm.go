// Package slurm runs a sweep's attempts as Slurm batch jobs: each attempt is an sbatch job
// running "sweep exec RUNDIR" on a node, while the coordinator ("sweep run") follows the
// job's state (squeue, with back-off, one call a round for all its jobs), shows its progress from the job's output file in the
// run directory, records the job IDs and stays the only writer of the results database.
package slurm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sweep/results"
	"sweep/rundir"
	"sweep/runner"
)

// Cluster is the name under which jobs are recorded in the results store.
const Cluster = "slurm"

// Options are the sbatch settings of a sweep ([slurm] in a sweep file) and how the
// coordinator follows its jobs.
type Options struct {
	Partition, Time, GPUs, CPUsPerTask, Mem, Account, QOS, Constraint string
	Extra                                                             []string // further sbatch arguments, as given
	MaxParallel                                                       int      // jobs queued or running at once; 0: DefaultMaxParallel
	// Signal is sbatch's --signal: TERM to the job's shell (which passes it on to sweep
	// exec, which checkpoints and exits 3) that many seconds before the time limit.
	// "": DefaultSignal; "none": no --signal.
	Signal            string
	Resubmits         int           // how often a job stopped at its time limit is resubmitted; 0: DefaultResubmits
	CancelOnInterrupt bool          // at an interrupt scancel the jobs (else leave them running, detached)
	PollMin, PollMax  time.Duration // back-off bounds of state queries; 0: 1s and 15s
	WorkDir           string        // the jobs' working directory; "": this process's
}

// Defaults.
const (
	DefaultMaxParallel = 32
	DefaultSignal      = "B:TERM@120"
	DefaultResubmits   = 20
)

// Launcher submits and follows attempts as Slurm jobs. It implements runner.Launcher.
type Launcher struct {
	opt   Options
	store *results.Store
	poll  *poller
}

// New checks that Slurm answers and returns a launcher recording its jobs in store.
func New(store *results.Store, opt Options) (*Launcher, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if opt.PollMin <= 0 {
		opt.PollMin = time.Second
	}
	if opt.PollMax < opt.PollMin {
		opt.PollMax = max(opt.PollMin, 15*time.Second)
	}
	if opt.Resubmits <= 0 {
		opt.Resubmits = DefaultResubmits
	}
	if opt.Signal == "" {
		opt.Signal = DefaultSignal
	}
	if opt.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opt.WorkDir = wd
	}
	return &Launcher{opt: opt, store: store, poll: newPoller(opt.PollMin)}, nil
}

// Slots are the coordinator's slots: one per job that may be queued or running at once.
func (o Options) Slots() []runner.Slot {
	n := o.MaxParallel
	if n <= 0 {
		n = DefaultMaxParallel
	}
	slots := make([]runner.Slot, n)
	for i := range slots {
		slots[i] = runner.Slot{Name: "slurm", Env: []string{"SWEEP_GPU="}}
	}
	return slots
}

// Attach returns the job of run id of sweep, in run directory dir, that Slurm still holds
// queued or running: the last one recorded, or else one of the run's name and output file
// that a coordinator killed between sbatch and recording the job left behind, which it
// records now.
func (l *Launcher) Attach(sweep, id, dir string) (string, error) {
	j, ok, err := l.store.LastJob(id, Cluster)
	if err != nil {
		return "", err
	}
	if ok {
		st, err := l.poll.state(j.ID)
		if err != nil {
			return "", err
		}
		if st.known && !st.ended() {
			return j.ID, nil
		}
	}
	return l.adopt(id, JobName(sweep, id), outputPattern(sweep, id, dir), j.ID)
}

// adopt records and returns the newest live job of name and output that is not recorded
// (recorded is the last job that is); any older such job is cancelled, as it would run the
// same attempt twice. "" when there is none.
func (l *Launcher) adopt(id, name, output, recorded string) (string, error) {
	jobs, err := liveJobs(name, output)
	if err != nil || len(jobs) == 0 || jobs[len(jobs)-1] == recorded {
		return "", err
	}
	job := jobs[len(jobs)-1]
	for _, older := range jobs[:len(jobs)-1] {
		slurmCmd("scancel", older)
	}
	if err := l.store.AddJob(results.Job{RunID: id, Cluster: Cluster, ID: job, Submitted: time.Now()}); err != nil {
		return "", err
	}
	return job, nil
}

// Launch submits a (or follows a.Job), follows it to its end and resubmits a job stopped by
// its time limit after a checkpoint (exit 3), so the run resumes.
func (l *Launcher) Launch(ctx context.Context, a runner.Attempt) runner.Outcome {
	job := a.Job
	for resubmits := 0; ; resubmits++ {
		if job == "" {
			var err error
			if job, err = l.submit(a); err != nil {
				return runner.Outcome{Code: -1, Err: err}
			}
		}
		logHeader(a, job)
		out := l.follow(ctx, a, job)
		copyOutput(a.Dir, outputFile(a, job))
		if !out.timedOut || resubmits >= l.opt.Resubmits || ctx.Err() != nil {
			return out.Outcome
		}
		job = ""
	}
}

// logHeader starts the attempt's section of the run's log.
func logHeader(a runner.Attempt, job string) {
	f, err := os.OpenFile(filepath.Join(a.Dir, rundir.LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "==== attempt %d on slurm job %s at %s ====\n", a.Number, job, time.Now().Format(time.RFC3339))
}

// safeName keeps letters, digits and ._- of s, for job and file names.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

// JobName is the Slurm job name of run id of sweep.
func JobName(sweep, id string) string { return "sweep-" + safeName(sweep) + "-" + id }

// outputPattern is sbatch's --output for the jobs of run id of sweep in dir.
func outputPattern(sweep, id, dir string) string {
	return filepath.Join(dir, fmt.Sprintf("slurm-%s-%s-%%j.out", safeName(sweep), id))
}

// outputFile is where job's output (the child's stdout and stderr) goes.
func outputFile(a runner.Attempt, job string) string {
	return filepath.Join(a.Dir, fmt.Sprintf("slurm-%s-%s-%s.out", safeName(a.Sweep), a.ID, job))
}
