package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sweep/rundir"
	"sweep/runner"
)

// state is what Slurm (squeue) says of a job.
type state struct {
	known    bool   // Slurm still holds the job (it forgets finished ones after MinJobAge)
	name     string // JobState: PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, ...
	reason   string
	exitCode int    // the batch script's exit status; -1 when unknown
	output   string // the job's output file, its %j unexpanded
}

// ended reports whether the job will not run (again) by itself.
func (s state) ended() bool {
	switch s.name {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "STOPPED":
		return false
	}
	return true
}

// exitFile reads the exit status that job's script recorded; -1 when none.
func exitFile(dir, job string) int {
	b, err := os.ReadFile(filepath.Join(dir, "slurm-"+job+".exit"))
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return n
}

// result is how a followed job ended.
type result struct {
	runner.Outcome
	timedOut bool // stopped by its time limit after a checkpoint: resubmit
}

// follow polls job with back-off until it ends, reporting progress from its output file.
// An interrupt detaches (the job goes on) or, with CancelOnInterrupt, cancels it and waits.
func (l *Launcher) follow(ctx context.Context, a runner.Attempt, job string) result {
	tail := &follower{path: outputFile(a, job), progress: a.Progress}
	wait, last, cancelled := l.opt.PollMin, "", false
	for {
		tail.read()
		st, err := l.poll.state(job)
		if err != nil {
			return result{Outcome: runner.Outcome{Code: -1, Err: err}}
		}
		if !st.known || st.ended() {
			tail.read()
			return l.ended(a, job, st, cancelled)
		}
		if st.name != last {
			wait, last = l.opt.PollMin, st.name
			l.store.SetJobState(Cluster, job, st.name)
		}
		if ctx.Err() != nil && !cancelled {
			if !l.opt.CancelOnInterrupt {
				return detached(job)
			}
			slurmCmd("scancel", job)
			cancelled = true
		}
		select {
		case <-time.After(wait):
		case <-a.Kill:
			return detached(job)
		case <-ctxDone(ctx, cancelled):
		}
		wait = min(l.opt.PollMax, wait*3/2)
	}
}

// ctxDone is ctx's Done channel until the job has been cancelled, then nil (blocks).
func ctxDone(ctx context.Context, cancelled bool) <-chan struct{} {
	if cancelled {
		return nil
	}
	return ctx.Done()
}

func detached(job string) result {
	return result{Outcome: runner.Outcome{Detached: true, Err: fmt.Errorf("slurm job %s keeps running; 'sweep run' again re-attaches ('scancel %s' stops it)", job, job)}}
}

// ended turns a job's final state into the attempt's outcome.
func (l *Launcher) ended(a runner.Attempt, job string, st state, cancelled bool) result {
	code := exitFile(a.Dir, job)
	if code < 0 {
		code = st.exitCode
	}
	if st.name == "" {
		st.name = "ENDED (no longer known to Slurm)"
	}
	l.store.SetJobState(Cluster, job, st.name)
	_, hasResult, _ := rundir.ReadResult(a.Dir)
	reason := fmt.Sprintf("slurm job %s %s", job, st.name)
	if st.reason != "" && st.reason != "None" {
		reason += " (" + st.reason + ")"
	}
	switch {
	case code == 0 && hasResult && (st.name == "COMPLETED" || !st.known):
		return result{Outcome: runner.Outcome{Code: 0}}
	case cancelled:
		return result{Outcome: runner.Outcome{Code: code, Interrupted: true, Err: errors.New(reason)}}
	case st.name == "CANCELLED" || strings.HasPrefix(st.name, "CANCELLED"):
		return result{Outcome: runner.Outcome{Code: -1, Err: fmt.Errorf("exit status %d", code), Reason: reason + ", cancelled outside sweep"}}
	case code == runner.ExitInterrupted || st.name == "PREEMPTED":
		return result{Outcome: runner.Outcome{Code: code, Interrupted: true, Err: errors.New(reason)}, timedOut: true}
	}
	return result{Outcome: runner.Outcome{Code: code, Err: fmt.Errorf("exit status %d", code), Reason: reason}}
}
