package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"sweep/report"
	"sweep/results"
)

func init() {
	register("check", "compare results with a baseline file; exit 1 on a regression", runCheck)
	register("baseline", "baseline write FILE: store the current results as a baseline", runBaseline)
}

func runCheck(args []string) error {
	fs := flag.NewFlagSet("sweep check", flag.ContinueOnError)
	fs.Usage = func() {
		fs.Output().Write([]byte("usage: sweep check --baseline FILE [options]\n\nCompares each baseline entry (mean of one metric of one configuration) with the\ncurrent results; exits 1 when a result is worse than its tolerance allows or missing.\n\noptions:\n"))
		fs.PrintDefaults()
	}
	var db, baseline, sweep string
	fs.StringVar(&baseline, "baseline", "", "baseline file (.toml or .json), as written by 'sweep baseline write'")
	fs.StringVar(&db, "db", results.DefaultPath(), "results database (default $SWEEP_DB or ./sweep.db)")
	fs.StringVar(&sweep, "sweep", "", "compare only this sweep's runs (default: all runs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if baseline == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("want --baseline FILE and no arguments")
	}
	return report.Check(os.Stdout, db, baseline, sweep)
}

func runBaseline(args []string) error {
	fs := flag.NewFlagSet("sweep baseline write", flag.ContinueOnError)
	fs.Usage = func() {
		fs.Output().Write([]byte("usage: sweep baseline write [options] FILE\n\nStores the current mean of every configuration and metric as a baseline file\n(TOML when FILE ends in .toml, JSON otherwise) for 'sweep check'.\n\noptions:\n"))
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "write" {
		fs.Usage()
		return errors.New("want the subcommand 'write'")
	}
	var db, sweep string
	var tolRel, tolAbs float64
	fs.StringVar(&db, "db", results.DefaultPath(), "results database (default $SWEEP_DB or ./sweep.db)")
	fs.StringVar(&sweep, "sweep", "", "store only this sweep's results (default: all runs)")
	fs.Float64Var(&tolRel, "tol-rel", 0.1, "relative tolerance of each entry")
	fs.Float64Var(&tolAbs, "tol-abs", 0, "absolute tolerance of each entry")
	files, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fs.Usage()
		return errors.New("want exactly one baseline FILE")
	}
	n, err := report.WriteBaseline(db, files[0], sweep, tolRel, tolAbs)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %d baseline entries to %s\n", n, files[0])
	return nil
}

// parseInterleaved parses flags that may come before or after the positional arguments,
// which it returns.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
