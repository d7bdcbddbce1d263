package main

import (
	"errors"
	"fmt"
	"os"

	"sweep/internal/exitcode"
	"sweep/report"
)

func init() {
	define("check", "compare results with a baseline file; exit 1 on a regression, 2 on an error", setupCheck)
	define("baseline", "baseline write FILE: store the current results as a baseline", setupBaseline)
}

func setupCheck(f *flags) func([]string) error {
	f.describe("", `Compares each baseline entry (mean of one metric of one configuration) with the
current results. Exit status 1: a result is worse than its tolerance allows or missing;
2: the check could not be made (a usage error, a missing database, an unreadable baseline).`)
	f.require("baseline")
	var db, baseline, sweep string
	f.StringVar(&baseline, "baseline", "", "baseline file `F` (.toml or .json), as written by 'sweep baseline write'")
	f.dbFlag(&db)
	f.StringVar(&sweep, "sweep", "", "compare only this sweep's runs (default: all runs)")
	return func([]string) error {
		err := report.Check(os.Stdout, db, baseline, sweep)
		if failed := (*report.CheckFailed)(nil); err == nil || errors.As(err, &failed) {
			return err
		}
		return &exitcode.Error{Code: 2, Err: err}
	}
}

func setupBaseline(f *flags) func([]string) error {
	f.describe("write FILE", `Stores the current mean of every configuration and metric as a baseline file
(TOML when FILE ends in .toml, JSON otherwise) for 'sweep check'.`)
	f.leadWith()
	f.positional("write", "the subcommand (the only one)")
	f.positional("FILE", "the baseline file to write")
	f.nargs(2, 2)
	var db, sweep string
	var tolRel, tolAbs float64
	f.dbFlag(&db)
	f.StringVar(&sweep, "sweep", "", "store only this sweep's results (default: all runs)")
	f.Float64Var(&tolRel, "tol-rel", 0.1, "relative tolerance of each entry")
	f.Float64Var(&tolAbs, "tol-abs", 0, "absolute tolerance of each entry")
	return func(args []string) error {
		if args[0] != "write" {
			return f.usageErr("unknown subcommand %q; want write", args[0])
		}
		n, err := report.WriteBaseline(db, args[1], sweep, tolRel, tolAbs)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "wrote %d baseline entries to %s\n", n, args[1])
		return nil
	}
}
