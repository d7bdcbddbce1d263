package evaluate

import (
	"sweep/rundir"
	"sweep/vocab"
)

// at names one checkpoint's values of one metric kind.
type at struct {
	epoch int
	kind  vocab.Metric
}

// scoredOf is the set of (epoch, kind) that metrics hold values of; a value's kind follows
// from its name (vocab.MetricOf: fid, swd_*, seg_*, gt_*).
func scoredOf(ms []rundir.Metric) map[at]bool {
	s := map[at]bool{}
	for _, m := range ms {
		if k := vocab.MetricOf(m.Name); k != "" {
			s[at{m.Epoch, k}] = true
		}
	}
	return s
}
