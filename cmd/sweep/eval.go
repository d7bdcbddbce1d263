package main

import (
	"flag"
	"strings"

	"sweep/evaluate"
	"sweep/metrics"
	"sweep/results"
	"sweep/vocab"
)

func init() {
	register("eval", "score completed runs' checkpoints with metrics they lack, without retraining", runEval)
}

func runEval(args []string) error {
	fs := flag.NewFlagSet("sweep eval", flag.ContinueOnError)
	fs.Usage = func() {
		fs.Output().Write([]byte(`usage: sweep eval [options] [--sweep S | RUN...]

Scores the checkpoints of completed runs (the final one and every one kept by eval_every)
with the metrics the database holds no value of for that checkpoint, and records each value
as soon as it is computed: an interrupted evaluation resumes. Without --sweep or run IDs,
every run in the database. See docs/eval.md.

options:
`))
		fs.PrintDefaults()
	}
	var a evaluate.Args
	var kinds string
	fs.StringVar(&a.DB, "db", results.DefaultPath(), "results database; $SWEEP_DB sets the default")
	fs.StringVar(&a.Sweep, "sweep", "", "score this sweep's runs")
	fs.StringVar(&kinds, "metrics", "", "comma-separated metric kinds: swd, fid, seg, gt (default: each run's metrics, as its sweep lists them)")
	fs.BoolVar(&a.Force, "force", false, "recompute values that are already recorded")
	fs.StringVar(&a.Inception, "inception", "", "FID weights "+metrics.InceptionFile+" for every run (default: each run's inception, $SWEEP_INCEPTION, the cache)")
	fs.StringVar(&a.Epochs, "epochs", "all", "all: the final and every kept checkpoint; final: the final one only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if kinds != "" {
		for _, k := range strings.Split(kinds, ",") {
			a.Metrics = append(a.Metrics, vocab.Metric(strings.TrimSpace(k)))
		}
	}
	a.Runs = fs.Args()
	return evaluate.Main(a)
}
