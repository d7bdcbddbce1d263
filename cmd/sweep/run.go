package main

import (
	"errors"
	"os"
	"time"

	"sweep/cluster/slurm"
	"sweep/experiments"
	"sweep/internal/exitcode"
	"sweep/preflight"
	"sweep/results"
	"sweep/runner"
)

func init() { define("run", "run a sweep file's runs that are not completed yet", setupRun) }

func setupRun(f *flags) func([]string) error {
	f.describe("FILE.toml", "Runs the sweep's runs that the database does not hold as completed; a crashed or\ninterrupted sweep resumes where it stopped.")
	f.positional("FILE.toml", "the sweep file (docs/toml.md)")
	f.nargs(1, 1)
	var a runner.Args
	f.StringVar(&a.Devices, "devices", "cpu:1", "device slots: `cpu:N|gpu:0,1` (N concurrent runs sharing the CPUs, or one run per GPU)")
	f.dbFlag(&a.DB)
	f.StringVar(&a.RunsDir, "runs-dir", "runs", "directory `D` of the run directories")
	f.IntVar(&a.Retries, "retries", 0, "extra attempts for a failed run")
	f.BoolVar(&a.FailFast, "fail-fast", false, "start no new run after a run has failed")
	f.BoolVar(&a.Force, "force", false, "rerun completed runs from scratch")
	f.BoolVar(&a.DryRun, "dry-run", false, "print the runs and which are done, run nothing")
	every := f.Duration("progress-every", 30*time.Second, "progress line interval when stderr is not a terminal")
	f.StringVar(&a.Cluster, "cluster", "", "where runs execute: `local|slurm` (default: the sweep file's [sweep] cluster, else local)")
	f.BoolVar(&a.CancelOnInterrupt, "cancel-on-interrupt", false, "with a cluster: Ctrl-C cancels the jobs (default: detach, they go on)")
	poll := f.Duration("slurm-poll", 15*time.Second, "longest interval between two queries of a Slurm job's state (back-off from 1s)")
	return func(args []string) error {
		a.File = args[0]
		a.Check = preflight.Check
		a.Clusters = map[string]runner.ClusterFunc{"slurm": slurmCluster(*poll)}
		a.Reporter = reporterFor(os.Stderr, *every)
		ctx, kill, stop := interrupts(os.Stderr)
		defer stop()
		survivePipeClose()
		a.Kill = kill
		err := runner.RunFile(ctx, a)
		if errors.Is(err, runner.ErrInterrupted) {
			return &exitcode.Error{Code: exitInterrupted, Err: err}
		}
		return err
	}
}

// slurmCluster submits every attempt as a Slurm job with the sweep file's [slurm] settings.
func slurmCluster(poll time.Duration) runner.ClusterFunc {
	return func(store *results.Store, sw *experiments.Sweep, a runner.Args) (runner.Launcher, []runner.Slot, error) {
		c := sw.Slurm
		opt := slurm.Options{
			Partition: c.Partition, Time: c.Time, GPUs: c.GPUs, CPUsPerTask: c.CPUsPerTask, Mem: c.Mem,
			Account: c.Account, QOS: c.QOS, Constraint: c.Constraint, Extra: c.Extra, MaxParallel: c.MaxParallel,
			Signal: c.Signal, CancelOnInterrupt: a.CancelOnInterrupt, PollMax: poll,
		}
		l, err := slurm.New(store, opt)
		if err != nil {
			return nil, nil, err
		}
		return l, opt.Slots(), nil
	}
}
