package main

import (
	"errors"
	"flag"
	"time"

	"sweep/cluster/slurm"
	"sweep/experiments"
	"sweep/preflight"
	"sweep/results"
	"sweep/runner"
)

func init() { register("run", "run a sweep file's runs that are not completed yet", runRun) }

func runRun(args []string) error {
	fs := flag.NewFlagSet("sweep run", flag.ContinueOnError)
	fs.Usage = func() {
		fs.Output().Write([]byte("usage: sweep run [options] FILE.toml\n\nRuns the sweep's runs that the database does not hold as completed; a crashed or\ninterrupted sweep resumes where it stopped.\n\noptions:\n"))
		fs.PrintDefaults()
	}
	var a runner.Args
	fs.StringVar(&a.Devices, "devices", "cpu:1", "device slots: cpu:N (N concurrent runs sharing the CPUs) or gpu:I,J,... (one run per GPU)")
	fs.StringVar(&a.DB, "db", results.DefaultPath(), "results database; $SWEEP_DB sets the default")
	fs.StringVar(&a.RunsDir, "runs-dir", "runs", "directory of the run directories")
	fs.IntVar(&a.Retries, "retries", 0, "extra attempts for a failed run")
	fs.BoolVar(&a.FailFast, "fail-fast", false, "start no new run after a run has failed")
	fs.BoolVar(&a.Force, "force", false, "rerun completed runs from scratch")
	fs.BoolVar(&a.DryRun, "dry-run", false, "print the runs and which are done, run nothing")
	fs.DurationVar(&a.Every, "progress-every", 30*time.Second, "progress line interval when stderr is not a terminal")
	fs.StringVar(&a.Cluster, "cluster", "", "where runs execute: local or slurm (default: the sweep file's [sweep] cluster, else local)")
	fs.BoolVar(&a.CancelOnInterrupt, "cancel-on-interrupt", false, "with a cluster: Ctrl-C cancels the jobs (default: detach, they go on)")
	poll := fs.Duration("slurm-poll", 15*time.Second, "longest interval between two queries of a Slurm job's state (back-off from 1s)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want exactly one sweep file")
	}
	a.File = fs.Arg(0)
	a.Check = preflight.Check
	a.Clusters = map[string]runner.ClusterFunc{"slurm": slurmCluster(*poll)}
	return runner.Main(a)
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
