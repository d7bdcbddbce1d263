package main

import (
	"os"

	"sweep/report"
)

func init() { define("list", "list the runs in the results database", setupList) }

func setupList(f *flags) func([]string) error {
	f.describe("", "Lists the runs in the results database: ID, sweep, label, status and metrics. Read-only:\nworks on read-only media and never upgrades a database's schema.")
	var db, sweep, format string
	f.StringVar(&format, "format", "table", "output format: `table|json`")
	f.StringVar(&sweep, "sweep", "", "list only this sweep's runs")
	f.dbFlag(&db)
	return func([]string) error { return report.List(os.Stdout, db, sweep, format) }
}
