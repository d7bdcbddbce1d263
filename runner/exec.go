package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"sweep/internal/exitcode"
	"sweep/rundir"
	"sweep/vocab"
)

// Executor executes the run in dir: it trains or runs its command, writes the run's files
// and, last, result.json. It reports progress through progress and, when ctx ends, stops
// (keeping what lets it resume) and returns an error wrapping context.Canceled.
type Executor func(ctx context.Context, dir string, progress func(rundir.Progress)) error

// lockFD is the descriptor a child inherits its run's lock on.
const lockFD = 3

// Exec is the child side of a run ("sweep exec DIR"): it reads dir's config, runs the
// executor its config names with SIGINT and SIGTERM ending the context, prints progress on
// stdout as rundir.ProgressPrefix lines, and exits with ExitInterrupted when interrupted.
func Exec(dir string, executors map[vocab.Executor]Executor) error {
	if os.Getenv("SWEEP_LOCK_FD") == fmt.Sprint(lockFD) {
		syscall.CloseOnExec(lockFD) // the lock stays with this process, not with what it starts
	}
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return err
	}
	execute := executors[cfg.Executor]
	if execute == nil {
		return fmt.Errorf("%s: executor %q is not available in this program", dir, cfg.Executor)
	}
	defer dieWithParent()()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = execute(ctx, dir, progressPrinter())
	if err != nil && (errors.Is(err, context.Canceled) || ctx.Err() != nil) {
		return &exitcode.Error{Code: ExitInterrupted, Err: err}
	}
	return err
}

// progressPrinter prints each Progress as one line on stdout.
func progressPrinter() func(rundir.Progress) {
	var mu sync.Mutex
	return func(p rundir.Progress) {
		b, err := json.Marshal(p)
		if err != nil {
			return // a Progress of plain fields only fails on NaN losses; skip such a report
		}
		mu.Lock()
		defer mu.Unlock()
		os.Stdout.Write(append(append([]byte(rundir.ProgressPrefix), b...), '\n'))
	}
}
