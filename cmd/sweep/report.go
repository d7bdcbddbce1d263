package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"

	"sweep/report"
	"sweep/results"
)

func init() {
	register("report", "write the results tables (md, csv, json, latex), plots and image grids", runReport)
}

func runReport(args []string) error {
	fs := flag.NewFlagSet("sweep report", flag.ContinueOnError)
	fs.Usage = func() {
		fs.Output().Write([]byte("usage: sweep report [options]\n\nWrites one table per sweep (mean ± std over seeds), chosen by what the sweep varies,\nwith the paper's published numbers as reference rows; each run counts at its final\nepoch, or with --epoch best at its epoch with the best primary metric.\n\noptions:\n"))
		fs.PrintDefaults()
	}
	var o report.Options
	var db, out, kind, epoch, metrics string
	fs.StringVar(&o.Format, "format", "md", "output format: md, csv, json or latex")
	fs.StringVar(&o.Sweep, "sweep", "", "report only this sweep (default: every sweep in the database)")
	fs.StringVar(&db, "db", results.DefaultPath(), "results database (default $SWEEP_DB or ./sweep.db)")
	fs.StringVar(&o.PlotsDir, "plots", "", "write PNG plots and image grids into this directory and link them")
	fs.IntVar(&o.GridImages, "grid-images", 4, "test images per image grid")
	fs.StringVar(&epoch, "epoch", "final", "epoch each run is reported at: final (its last) or best (its best value of the table's primary metric)")
	fs.StringVar(&metrics, "metrics", "", "comma-separated metric columns, in order (default: fid, swd_avg and seg_* when present)")
	fs.StringVar(&kind, "table", "auto", "table kind: auto, methods, ablation, layers or queries")
	fs.StringVar(&out, "out", "", "write the report to this file instead of stdout (plot links become relative to it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errors.New("unexpected arguments")
	}
	o.Kind = report.Kind(kind)
	o.Epoch = report.EpochMode(epoch)
	if metrics != "" {
		for _, m := range strings.Split(metrics, ",") {
			o.Metrics = append(o.Metrics, strings.TrimSpace(m))
		}
	}
	if out == "" {
		return report.WriteReport(os.Stdout, db, o)
	}
	o.LinkBase = filepath.Dir(out)
	return report.WriteReportFile(out, db, o)
}
