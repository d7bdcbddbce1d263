package main

import (
	"errors"
	"flag"
	"os"

	"sweep/report"
	"sweep/results"
)

func init() {
	register("show", "show one run: config, status, metrics, losses, provenance, log tail", runShow)
}

func runShow(args []string) error {
	fs := flag.NewFlagSet("sweep show", flag.ContinueOnError)
	var db, format string
	fs.StringVar(&format, "format", "text", "output format: text or json")
	fs.StringVar(&db, "db", results.DefaultPath(), "results database (default $SWEEP_DB or ./sweep.db)")
	runs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(runs) != 1 {
		return errors.New("usage: sweep show [--format text|json] [--db PATH] RUN (a run ID or a unique prefix of one)")
	}
	return report.Show(os.Stdout, db, runs[0], format)
}
