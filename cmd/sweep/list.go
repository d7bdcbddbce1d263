package main

import (
	"errors"
	"flag"
	"os"

	"sweep/report"
	"sweep/results"
)

func init() { register("list", "list the runs in the results database", runList) }

func runList(args []string) error {
	fs := flag.NewFlagSet("sweep list", flag.ContinueOnError)
	var db, sweep, format string
	fs.StringVar(&format, "format", "table", "output format: table or json")
	fs.StringVar(&sweep, "sweep", "", "list only this sweep's runs")
	fs.StringVar(&db, "db", results.DefaultPath(), "results database (default $SWEEP_DB or ./sweep.db)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("unexpected arguments; usage: sweep list [--format table|json] [--sweep NAME] [--db PATH]")
	}
	return report.List(os.Stdout, db, sweep, format)
}
