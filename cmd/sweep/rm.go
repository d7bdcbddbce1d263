package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"sweep/results"
	"sweep/rundir"
)

func init() {
	define("rm", "remove runs (or a sweep) from the database, and with --files their run directories", setupRm)
}

func setupRm(f *flags) func([]string) error {
	f.describe("[RUN...]", `Removes the given runs from the results database with everything recorded about them
(metrics, losses, provenance, sweep memberships), or with --sweep takes a sweep's runs out of
it and removes those that belong to no other sweep. With --files their run directories are
deleted too. A run that a live runner is executing is never removed. Asks for confirmation
on a terminal; elsewhere --yes is required.`)
	f.positional("RUN...", "run IDs or unique prefixes of them (not with --sweep)")
	f.nargs(0, -1)
	var db, sweep string
	var files, yes bool
	f.StringVar(&sweep, "sweep", "", "remove this sweep")
	f.BoolVar(&files, "files", false, "also delete the removed runs' directories")
	f.BoolVar(&yes, "yes", false, "remove without asking")
	f.dbFlag(&db)
	return func(args []string) error {
		if (sweep == "") == (len(args) == 0) {
			return f.usageErr("give run IDs or --sweep, one of them")
		}
		if !yes && !term.IsTerminal(int(os.Stdin.Fd())) {
			return f.usageErr("stdin is not a terminal to confirm on: give --yes to remove without asking")
		}
		if _, err := os.Stat(db); err != nil {
			return fmt.Errorf("results database: %w", err)
		}
		store, err := results.Open(db)
		if err != nil {
			return err
		}
		defer store.Close()
		rm := removal{store: store, sweep: sweep, files: files, confirm: !yes, in: os.Stdin, out: os.Stderr}
		return rm.run(args)
	}
}

// removal is one sweep rm.
type removal struct {
	store   *results.Store
	sweep   string
	files   bool
	confirm bool
	in      io.Reader
	out     io.Writer
}

func (rm removal) run(ids []string) error {
	runs, err := rm.targets(ids)
	if err != nil {
		return err
	}
	if rm.confirm && !rm.confirmed(runs) {
		return errors.New("nothing removed")
	}
	if rm.sweep == "" {
		err = rm.store.Remove(ids)
	} else {
		ids, err = rm.store.RemoveSweep(rm.sweep)
	}
	if err != nil {
		return err
	}
	return rm.report(runs, ids)
}

// targets resolves the runs named (by ID or prefix), or the runs of the sweep.
func (rm removal) targets(ids []string) ([]results.Run, error) {
	if rm.sweep != "" {
		return rm.store.ListRuns(rm.sweep)
	}
	var runs []results.Run
	for i, id := range ids {
		r, err := rm.store.FindRun(id)
		if err != nil {
			return nil, err
		}
		ids[i] = r.ID
		runs = append(runs, r)
	}
	return runs, nil
}

// confirmed lists what will go and asks.
func (rm removal) confirmed(runs []results.Run) bool {
	for _, r := range runs {
		fmt.Fprintf(rm.out, "  %s %s %s %s\n", r.ID, r.Config.Variant, r.Status, r.Dir)
	}
	what := fmt.Sprintf("remove these %d runs from %s", len(runs), rm.store.Path())
	if rm.sweep != "" {
		what = fmt.Sprintf("remove sweep %q (its %d runs, less those another sweep has) from %s", rm.sweep, len(runs), rm.store.Path())
	}
	if rm.files {
		what += ", with their directories"
	}
	fmt.Fprintf(rm.out, "%s? [y/N] ", what)
	answer, _ := bufio.NewReader(rm.in).ReadString('\n')
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes"
}

// report says what was removed and, with files, deletes the removed runs' directories.
func (rm removal) report(runs []results.Run, deleted []string) error {
	dirs := map[string]string{}
	for _, r := range runs {
		dirs[r.ID] = r.Dir
	}
	var errs []error
	for _, id := range deleted {
		msg := "removed run " + id
		if dir := dirs[id]; rm.files && dir != "" {
			if err := removeRunDir(dir); err != nil {
				errs = append(errs, err)
			} else {
				msg += " and " + dir
			}
		}
		fmt.Fprintln(rm.out, msg)
	}
	if kept := len(runs) - len(deleted); kept > 0 {
		fmt.Fprintf(rm.out, "%d runs of sweep %q stay for the other sweeps they belong to\n", kept, rm.sweep)
	}
	return errors.Join(errs...)
}

// removeRunDir deletes a run directory, under its lock, when it holds a run's config (or
// is gone already); anything else is left alone.
func removeRunDir(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.ConfigFile)); err != nil {
		return fmt.Errorf("%s is not a run directory (no %s): left in place", dir, rundir.ConfigFile)
	}
	lock, err := rundir.Lock(dir, 0)
	if err != nil {
		return fmt.Errorf("%s: %w: left in place", dir, err)
	}
	defer lock.Close()
	return os.RemoveAll(dir)
}
