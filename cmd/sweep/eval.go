package main

import (
	"strings"

	"sweep/evaluate"
	"sweep/metrics"
	"sweep/vocab"
)

func init() {
	define("eval", "score completed runs' checkpoints with metrics they lack, without retraining", setupEval)
}

func setupEval(f *flags) func([]string) error {
	f.describe("[RUN...]", `Scores the checkpoints of completed runs (the final one and every one kept by eval_every)
with the metrics the database holds no value of for that checkpoint, and records each value
as soon as it is computed: an interrupted evaluation resumes. Without --sweep or run IDs,
every run in the database. See docs/eval.md.`)
	f.positional("RUN...", "run IDs or unique prefixes of them (not with --sweep)")
	f.nargs(0, -1)
	var a evaluate.Args
	var kinds string
	f.dbFlag(&a.DB)
	f.StringVar(&a.Sweep, "sweep", "", "score this sweep's runs")
	f.StringVar(&kinds, "metrics", "", "comma-separated metric kinds `fid,swd,...`: swd, fid, seg, gt (default: each run's metrics, as its sweep lists them)")
	f.BoolVar(&a.Force, "force", false, "recompute values that are already recorded")
	f.StringVar(&a.Inception, "inception", "", "FID weights `PATH` ("+metrics.InceptionFile+") for every run (default: each run's inception, $SWEEP_INCEPTION, the cache)")
	f.StringVar(&a.Epochs, "epochs", "all", "`all|final`: the final and every kept checkpoint, or the final one only")
	return func(args []string) error {
		if kinds != "" {
			for _, k := range strings.Split(kinds, ",") {
				a.Metrics = append(a.Metrics, vocab.Metric(strings.TrimSpace(k)))
			}
		}
		if a.Sweep != "" && len(args) > 0 {
			return f.usageErr("give --sweep or run IDs, not both")
		}
		a.Runs = args
		return evaluate.Main(a)
	}
}
