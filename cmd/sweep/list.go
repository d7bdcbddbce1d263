package main

import (
	"os"
	"strings"

	"sweep/report"
	"sweep/vocab"
)

func init() { define("list", "list the runs in the results database", setupList) }

func setupList(f *flags) func([]string) error {
	f.describe("", `Lists the runs in the results database: a short ID (a prefix that sweep show and rm
take), the configuration keys that differ among the listed runs, status, progress (a running
run's iteration and ETA as its runner last recorded them, else the duration) and the main
metrics, within the terminal's width (80 columns when stdout is not a terminal). Read-only:
works on read-only media and never upgrades a database's schema.`)
	var db, status, sortBy, columns string
	opt := report.ListOptions{}
	f.StringVar(&opt.Format, "format", "table", "output format: `table|json`")
	f.StringVar(&opt.Sweep, "sweep", "", "list only this sweep's runs")
	f.StringVar(&status, "status", "", "list only runs of these statuses: `S,...` of pending, running, completed, failed, interrupted")
	f.StringVar(&sortBy, "sort", "", "order by this `METRIC`'s final value, best first (runs without it last)")
	f.StringVar(&columns, "columns", "", "the table's metric columns `a,b,...` (default: seg_miou, fid, swd_avg where recorded)")
	f.dbFlag(&db)
	return func([]string) error {
		opt.Sort = sortBy
		opt.Columns = splitList(columns)
		for _, s := range splitList(status) {
			opt.Status = append(opt.Status, vocab.Status(s))
		}
		if width, ok := terminalWidth(os.Stdout); ok {
			opt.Width = width()
		}
		return report.List(os.Stdout, db, opt)
	}
}

// splitList splits a comma-separated flag value, trimming spaces and dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
