package main

import (
	"os"
	"path/filepath"
	"strings"

	"sweep/report"
)

func init() {
	define("compare", "compare two sweeps (or a sweep and a baseline file) per configuration: values, change, significance", setupCompare)
}

func setupCompare(f *flags) func([]string) error {
	f.describe("A B", `Compares the completed runs of two sweeps, or a sweep and a baseline file, per configuration
both have (paired by label, as the report's rows name them) and per metric both have: the
mean ± std over seeds on each side, the change B - A (better or worse in the metric's
direction), and Welch's t-test p-value, significant when p < 0.05 (with at least two seeds
on each side; a baseline records means only, so is never tested).`)
	f.positional("A", "a sweep name, or a baseline file (.toml or .json, as 'sweep baseline write' writes)")
	f.positional("B", "likewise; the change is B - A")
	f.nargs(2, 2)
	var db, format, metrics string
	f.StringVar(&format, "format", "table", "output format: `table|md|json`")
	f.StringVar(&metrics, "metrics", "", "metrics to compare, in order: `a,b,...` (default: fid, swd_avg, seg_*, gt_* where both have them)")
	f.dbFlag(&db)
	return func(args []string) error {
		return report.CompareSides(os.Stdout, db, side(args[0]), side(args[1]), splitList(metrics), format)
	}
}

// side reads an argument of compare: a baseline file when it names an existing .toml or
// .json file, else a sweep.
func side(arg string) report.Side {
	ext := strings.ToLower(filepath.Ext(arg))
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() && (ext == ".toml" || ext == ".json") {
		return report.Side{Baseline: arg}
	}
	return report.Side{Sweep: arg}
}
