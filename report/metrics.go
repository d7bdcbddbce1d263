package report

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Better says which way a metric improves.
type Better int

const (
	LowerIsBetter Better = iota
	HigherIsBetter
)

func (b Better) String() string {
	if b == HigherIsBetter {
		return "higher"
	}
	return "lower"
}

// directions is the one table of metric directions, by name prefix; the longest matching
// prefix wins and a name matching none is lower-is-better (a distance or an error).
var directions = []struct {
	prefix string
	better Better
}{
	{"fid", LowerIsBetter},
	{"kid", LowerIsBetter},
	{"swd_", LowerIsBetter},
	{"gt_", LowerIsBetter},
	{"gt_object_conformity", HigherIsBetter}, // 0 for the identity, 1 for the ideal translation
	{"seg_", HigherIsBetter},
	{"psnr", HigherIsBetter},
	{"ssim", HigherIsBetter},
}

// Direction reports whether a higher or a lower value of the metric is better.
func Direction(metric string) Better {
	best, bestLen := LowerIsBetter, -1
	for _, d := range directions {
		if strings.HasPrefix(metric, d.prefix) && len(d.prefix) > bestLen {
			best, bestLen = d.better, len(d.prefix)
		}
	}
	return best
}

// worse is how much worse now is than base, in the metric's direction (negative: better).
func worse(metric string, base, now float64) float64 {
	if Direction(metric) == HigherIsBetter {
		return base - now
	}
	return now - base
}

// metricRank orders known metrics as the paper does: segmentation, FID, SWD (average, then
// finest to coarsest level), ground-truth errors; unknown names come last, alphabetically.
func metricRank(name string) (int, int) {
	switch {
	case name == "seg_miou":
		return 0, 0
	case name == "seg_pixacc":
		return 0, 1
	case name == "seg_classacc":
		return 0, 2
	case strings.HasPrefix(name, "seg_"):
		return 0, 3
	case name == "fid":
		return 1, 0
	case name == "swd_avg":
		return 2, 0
	case strings.HasPrefix(name, "swd_"):
		if res, err := strconv.Atoi(strings.TrimPrefix(name, "swd_")); err == nil {
			return 2, 1e6 - res
		}
		return 2, 1e6
	case strings.HasPrefix(name, "gt_"):
		return 3, 0
	}
	return 4, 0
}

// sortMetrics sorts metric names into the report's column order.
func sortMetrics(names []string) {
	sort.Slice(names, func(i, j int) bool {
		gi, ki := metricRank(names[i])
		gj, kj := metricRank(names[j])
		if gi != gj {
			return gi < gj
		}
		if ki != kj {
			return ki < kj
		}
		return names[i] < names[j]
	})
}

// decimals shows at least three significant digits of v, and one to six decimals.
func decimals(v float64) int {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	d := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	return min(max(d, 1), 6)
}

func formatValue(v float64, dec int) string {
	return strconv.FormatFloat(v, 'f', dec, 64)
}
