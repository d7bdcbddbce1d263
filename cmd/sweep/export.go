package main

import (
	"bufio"
	"os"

	"sweep/results"
)

func init() {
	define("export", "export one row per run and metric, the configuration in columns (csv, jsonl)", setupExport)
}

func setupExport(f *flags) func([]string) error {
	f.describe("", `Writes one row per run and metric to stdout: sweep, run_id, status, metric, value, step,
epoch and identity, then the run's configuration flattened into config.<key> columns.
A run without metrics has one row with an empty metric. pandas reads it in one line:
pd.read_csv("runs.csv") or pd.read_json("runs.jsonl", lines=True).`)
	var db, sweep, format string
	f.StringVar(&format, "format", "csv", "output format: `csv|jsonl`")
	f.StringVar(&sweep, "sweep", "", "export only this sweep's runs (default: every sweep's)")
	f.dbFlag(&db)
	return func([]string) error {
		if format != "csv" && format != "jsonl" {
			return f.usageErr("--format %q: want csv or jsonl", format)
		}
		s, err := results.OpenReadOnly(db)
		if err != nil {
			return err
		}
		defer s.Close()
		w := bufio.NewWriter(os.Stdout)
		if err := results.Export(w, s, sweep, format); err != nil {
			return err
		}
		return w.Flush()
	}
}
