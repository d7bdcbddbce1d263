package main

import (
	"os"
	"path/filepath"
	"strings"

	"sweep/report"
)

func init() {
	define("report", "write the results tables (md, csv, json, latex), plots and image grids, or all of them as a static HTML site", setupReport)
}

func setupReport(f *flags) func([]string) error {
	f.describe("", `Writes one table per sweep (mean ± std over seeds), chosen by what the sweep varies,
and with --published the paper's numbers for the configurations it ran as a table of
their own; each run counts at its final epoch, or with --epoch best at its epoch with the best primary metric. --format html
--out DIR writes a static site: DIR/index.html with the tables, plots and image grids,
and a page per run under DIR/runs.`)
	var o report.Options
	var db, out, kind, epoch, metrics string
	f.StringVar(&o.Format, "format", "md", "output format: `md|csv|json|latex|html` (html needs --out DIR)")
	f.StringVar(&o.Sweep, "sweep", "", "report only this sweep (default: every sweep in the database)")
	f.dbFlag(&db)
	f.StringVar(&o.PlotsDir, "plots", "", "write PNG plots and image grids into this directory `DIR` and link them (html: always DIR/plots of --out)")
	f.StringVar(&o.PlotFormat, "plot-format", "png", "file format of the plots (image grids are always PNG): `png|svg|pdf` (html: png or svg)")
	f.IntVar(&o.GridImages, "grid-images", 4, "test images per image grid")
	f.StringVar(&epoch, "epoch", "final", "epoch each run is reported at: `final|best` (its last, or its best value of the table's primary metric)")
	f.StringVar(&metrics, "metrics", "", "comma-separated metric columns `a,b,c`, in order (default: fid, swd_avg and seg_* when present)")
	f.StringVar(&kind, "table", "auto", "table kind: `auto|methods|ablation|layers|queries`")
	f.BoolVar(&o.Published, "published", false, "add the paper's numbers for the configurations the sweep ran, as a table of their own (never beside ours)")
	f.StringVar(&o.LossBand, "loss-band", "minmax", "the seeds' spread around each row's loss curve: `minmax|std`")
	f.Float64Var(&o.LossSmooth, "loss-smooth", 0, "smooth the overlaid loss curves with an EMA giving the previous value weight `W` in [0, 1) (0: none)")
	f.StringVar(&out, "out", "", "write the report to this file `F` instead of stdout (plot links become relative to it); with html, the folder of the site")
	return func([]string) error {
		o.Kind = report.Kind(kind)
		o.Epoch = report.EpochMode(epoch)
		if metrics != "" {
			for _, m := range strings.Split(metrics, ",") {
				o.Metrics = append(o.Metrics, strings.TrimSpace(m))
			}
		}
		if o.Format == "html" {
			if out == "" {
				return f.usageErr("--format html needs --out DIR, the folder to write the site into")
			}
			return report.WriteHTML(out, db, o)
		}
		if out == "" {
			return report.WriteReport(os.Stdout, db, o)
		}
		o.LinkBase = filepath.Dir(out)
		return report.WriteReportFile(out, db, o)
	}
}
