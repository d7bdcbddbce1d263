package main

import (
	"os"

	"sweep/report"
)

func init() {
	define("show", "show one run: config, status, metrics, losses, provenance, log tail", setupShow)
}

func setupShow(f *flags) func([]string) error {
	f.describe("RUN", "Shows one run: its configuration, identity (dataset fingerprint, code version, backend),\nstatus, metrics with their epochs, losses, provenance and the tail of its log.")
	f.positional("RUN", "a run ID or a unique prefix of one")
	f.nargs(1, 1)
	var db, format string
	f.StringVar(&format, "format", "text", "output format: `text|json`")
	f.dbFlag(&db)
	return func(args []string) error { return report.Show(os.Stdout, db, args[0], format) }
}
