package main

import (
	"errors"
	"flag"
	"time"

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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want exactly one sweep file")
	}
	a.File = fs.Arg(0)
	a.Check = preflight.Check
	return runner.Main(a)
}
