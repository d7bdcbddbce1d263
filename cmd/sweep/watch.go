package main

import (
	"os"
	"time"

	"sweep/results"
	"sweep/runner"
)

func init() {
	define("watch", "follow the progress of running runs from the database, without being their runner", setupWatch)
}

func setupWatch(f *flags) func([]string) error {
	f.describe("", `Shows the board of 'sweep run' (a bar per running run with its iteration, ETA and losses,
and the sweep's counts and ETA) from what the runner records in the database every few
seconds, until interrupted: from another shell or machine, any number at once. Read-only.
On a terminal the board is redrawn in place; otherwise it is printed when it changes.`)
	var db, sweep string
	var opt runner.WatchOptions
	f.StringVar(&sweep, "sweep", "", "follow only this sweep's runs (default: every run in the database)")
	f.DurationVar(&opt.Max, "every", 5*time.Second, "the longest wait between two reads of the database (after a change: 250ms, doubling while nothing changes)")
	f.BoolVar(&opt.Once, "once", false, "print the board once and exit")
	f.dbFlag(&db)
	return func([]string) error {
		store, err := results.OpenReadOnly(db)
		if err != nil {
			return err
		}
		defer store.Close()
		opt.Sweep = sweep
		if width, ok := terminalWidth(os.Stdout); ok && !opt.Once {
			opt.Width = width
		}
		ctx, stop := untilInterrupt()
		defer stop()
		return runner.Watch(ctx, os.Stdout, store, opt)
	}
}
