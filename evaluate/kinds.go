package evaluate

import (
	"strings"

	"sweep/config"
	"sweep/rundir"
)

// at names one checkpoint's values of one metric kind.
type at struct {
	epoch int
	kind  string
}

// scoredOf is the set of (epoch, kind) that metrics hold values of; a value's kind follows
// from its name (config.MetricKind: fid, swd_*, seg_*, gt_*).
func scoredOf(ms []rundir.Metric) map[at]bool {
	s := map[at]bool{}
	for _, m := range ms {
		if k := config.MetricKind(m.Name); k != "" {
			s[at{m.Epoch, k}] = true
		}
	}
	return s
}

// Applies reports whether metric kind can score a run of cfg: gt needs a built-in dataset
// (generated with its ground truth); every other kind applies to every run.
func Applies(kind string, cfg config.Run) bool {
	return kind != "gt" || strings.HasPrefix(cfg.Dataset, "builtin:")
}
