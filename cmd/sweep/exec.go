package main

import (
	"errors"
	"flag"

	"sweep/job"
	"sweep/runner"
	commandexec "sweep/runner/command"
	"sweep/runner/official"
	"sweep/vocab"
)

func init() { register("exec", "execute one run directory (started by 'sweep run')", runExec) }

// executors maps config.Run.Executor to its implementation.
var executors = map[vocab.Executor]runner.Executor{
	vocab.ExecutorBuiltin:  job.Execute,
	vocab.ExecutorCommand:  commandexec.Executor{Evaluate: job.EvaluateImages}.Execute,
	vocab.ExecutorOfficial: official.Executor{}.Execute,
}

func runExec(args []string) error {
	fs := flag.NewFlagSet("sweep exec", flag.ContinueOnError)
	fs.Usage = func() {
		fs.Output().Write([]byte("usage: sweep exec RUNDIR\n\nExecutes the run whose config.json is in RUNDIR, resuming from its checkpoint.\nExit status 3 means interrupted (checkpoint kept).\n"))
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want exactly one run directory")
	}
	return runner.Exec(fs.Arg(0), executors)
}
