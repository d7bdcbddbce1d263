package runner

import (
	"context"
	"os"

	"sweep/rundir"
)

// Launcher executes attempts of runs: by default as local children (LocalLauncher); a
// cluster launcher (package sweep/cluster/slurm) submits each as a batch job. The runner
// claims, locks and records every attempt whatever its launcher.
type Launcher interface {
	// Launch runs attempt a to its end, or until ctx ends (interrupt) or a.Kill closes.
	Launch(ctx context.Context, a Attempt) Outcome
	// Attach reports the job of an earlier coordinator that still runs or waits for run
	// id of sweep in run directory dir (a coordinator killed and started again): the runner then follows it through
	// Launch with Attempt.Job set instead of starting another attempt. "" means none.
	Attach(sweep, id, dir string) (job string, err error)
}

// Attempt is one attempt of one run.
type Attempt struct {
	Executable string // the sweep program: the attempt runs "Executable exec Dir"
	Sweep      string // the sweep's name
	ID         string // the run's ID
	Dir        string // the run directory
	Slot       Slot
	Number     int                   // the run's attempt count, this one included
	Lock       *os.File              // the run directory's lock, held by the runner
	Kill       <-chan struct{}       // closed on a second interrupt
	Job        string                // a job to follow rather than start one (see Launcher.Attach)
	Progress   func(rundir.Progress) // the attempt's progress reports
}

// Outcome is how an attempt ended.
type Outcome struct {
	Code        int    // exit status; -1 when it never ran or died by a signal
	Err         error  // why it did not exit 0, in words
	Interrupted bool   // stopped by an interrupt (resumable)
	Detached    bool   // left running in a cluster at an interrupt: the next 'sweep run' re-attaches
	Reason      string // with Err: the cluster's account of the end (state, reason), if any
}

// LocalLauncher runs each attempt as a child process of the runner, on its slot.
type LocalLauncher struct{}

// Launch runs a as a child "sweep exec DIR" in its own process group.
func (LocalLauncher) Launch(ctx context.Context, a Attempt) Outcome {
	spec := childSpec{exe: a.Executable, dir: a.Dir, slot: a.Slot, attempt: a.Number, lock: a.Lock}
	ex := runChild(ctx, a.Kill, spec, a.Progress)
	return Outcome{Code: ex.code, Err: ex.err, Interrupted: ex.interrupted}
}

// Attach finds nothing: a local child never outlives its runner.
func (LocalLauncher) Attach(string, string, string) (string, error) { return "", nil }
