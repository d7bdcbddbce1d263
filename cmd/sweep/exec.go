package main

import (
	"sweep/job"
	"sweep/runner"
	commandexec "sweep/runner/command"
	"sweep/runner/official"
	"sweep/vocab"
)

func init() { define("exec", "execute one run directory (started by 'sweep run')", setupExec) }

// executors maps config.Run.Executor to its implementation.
var executors = map[vocab.Executor]runner.Executor{
	vocab.ExecutorBuiltin:  job.Execute,
	vocab.ExecutorCommand:  commandexec.Executor{Evaluate: job.EvaluateImages}.Execute,
	vocab.ExecutorOfficial: official.Executor{}.Execute,
}

func setupExec(f *flags) func([]string) error {
	f.describe("RUNDIR", "Executes the run whose config.json is in RUNDIR, resuming from its checkpoint: the\nrunner's child process. Exit status 3 means interrupted (checkpoint kept).")
	f.positional("RUNDIR", "the run directory")
	f.nargs(1, 1)
	return func(args []string) error { return runner.Exec(args[0], executors) }
}
