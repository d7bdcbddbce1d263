package report

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"sweep/rundir"
)

// EpochMode chooses the epoch at which each run's metrics are reported.
type EpochMode string

// Epoch modes.
const (
	EpochFinal EpochMode = "final" // the run's last recorded epoch
	EpochBest  EpochMode = "best"  // the run's epoch with the best value of the primary metric
)

// EpochModes lists the epoch modes a report can be asked for.
var EpochModes = []EpochMode{EpochFinal, EpochBest}

// Value is one run's value of a metric and the epoch of the checkpoint it scores.
type Value struct {
	Run   string  `json:"run"`
	Seed  int64   `json:"seed"`
	Epoch int     `json:"epoch"`
	Value float64 `json:"value"`
}

// history is one run's metrics: name -> epoch -> value (the one at the highest step of
// that epoch).
type history map[string]map[int]float64

func historyOf(ms []rundir.Metric) history {
	type at struct {
		name  string
		epoch int
	}
	steps := map[at]int{}
	h := history{}
	for _, m := range ms {
		k := at{m.Name, m.Epoch}
		if st, seen := steps[k]; seen && m.Step < st {
			continue
		}
		steps[k] = m.Step
		if h[m.Name] == nil {
			h[m.Name] = map[int]float64{}
		}
		h[m.Name][m.Epoch] = m.Value
	}
	return h
}

// epochs lists the epochs at which any metric was recorded, in order.
func (h history) epochs() []int {
	set := map[int]bool{}
	for _, byEpoch := range h {
		for e := range byEpoch {
			set[e] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// last is the last epoch at which any metric was recorded; -1 when there is none.
func (h history) last() int {
	es := h.epochs()
	if len(es) == 0 {
		return -1
	}
	return es[len(es)-1]
}

// best is the epoch with the best value of metric (ties: the later epoch); false when the
// run does not have the metric.
func (h history) best(metric string) (int, bool) {
	byEpoch := h[metric]
	if len(byEpoch) == 0 {
		return 0, false
	}
	best := -1
	for _, e := range slices.Sorted(maps.Keys(byEpoch)) {
		if best < 0 || worse(metric, byEpoch[best], byEpoch[e]) <= 0 {
			best = e
		}
	}
	return best, true
}

// choose is the epoch the run's values are taken at in mode, primary being the metric that
// decides the best epoch; -1 when the run has no metrics.
func (h history) choose(mode EpochMode, primary string) int {
	if mode == EpochBest {
		if e, ok := h.best(primary); ok {
			return e
		}
	}
	return h.last()
}

// checkEpochMode accepts "" (final) and the listed modes.
func checkEpochMode(m EpochMode) error {
	if m == "" || slices.Contains(EpochModes, m) {
		return nil
	}
	return fmt.Errorf("epoch %q is unknown; allowed: final, best", m)
}

// primaryMetrics picks, per dataset, the metric that decides a run's best epoch: the first
// in report order that some run of the dataset has at several epochs, else the first.
func primaryMetrics(groups []*Group) map[string]string {
	names := map[string][]string{}
	multi := map[string]map[string]bool{}
	for _, g := range groups {
		ds := g.Config.Dataset
		if multi[ds] == nil {
			multi[ds] = map[string]bool{}
		}
		for _, h := range g.History {
			for name, byEpoch := range h {
				if !slices.Contains(names[ds], name) {
					names[ds] = append(names[ds], name)
				}
				multi[ds][name] = multi[ds][name] || len(byEpoch) > 1
			}
		}
	}
	out := map[string]string{}
	for ds, ns := range names {
		sortMetrics(ns)
		out[ds] = ns[0]
		if i := slices.IndexFunc(ns, func(n string) bool { return multi[ds][n] }); i >= 0 {
			out[ds] = ns[i]
		}
	}
	return out
}

// multiEpoch reports whether any run of the groups has metrics at more than one epoch.
func multiEpoch(groups []*Group) bool {
	for _, g := range groups {
		for _, h := range g.History {
			if len(h.epochs()) > 1 {
				return true
			}
		}
	}
	return false
}

// epochColsBefore lists the epoch columns shown just before column i: those of its dataset
// when i is the dataset's first column.
func (t *Table) epochColsBefore(i int) []int {
	ds := t.Columns[i].Group.Dataset
	if i > 0 && t.Columns[i-1].Group.Dataset == ds {
		return nil
	}
	var out []int
	for j, cg := range t.EpochCols {
		if cg.Dataset == ds {
			out = append(out, j)
		}
	}
	return out
}

// epochHeader heads column group cg's epoch column, named like its metric columns.
func (t *Table) epochHeader(cg ColGroup) string {
	name := "epoch"
	if t.Epoch == EpochBest {
		name = "best epoch"
	}
	return t.header(Column{Group: cg, Metric: name})
}

// epochText is a row's epochs in epoch column j: one number when every seed has the same,
// else one per seed in seed order; "" for a published row.
func epochText(r Row, j int) string {
	if r.Published {
		return ""
	}
	es := r.Epochs[j]
	if len(es) == 0 {
		return "—"
	}
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = strconv.Itoa(e)
	}
	if slices.Min(es) == slices.Max(es) {
		return parts[0]
	}
	return strings.Join(parts, ", ")
}

// epochLegend says at which epoch the table's values were taken; "" when every run has one
// epoch and the final one was asked for.
func epochLegend(t Table) string {
	if len(t.EpochCols) == 0 && t.Epoch != EpochBest {
		return ""
	}
	s := " Each run counts at its last evaluated epoch."
	col := "epoch"
	if t.Epoch == EpochBest {
		s = fmt.Sprintf(" Each run counts at its best epoch, the one with its best %s, every metric taken from that epoch"+
			" (a run without that metric counts at its last epoch).", bestByText(t))
		col = "best epoch"
	}
	if len(t.EpochCols) > 0 {
		s += fmt.Sprintf(" The %s column gives it: one number when every seed has the same, else one per seed in seed order.", col)
	}
	return s
}

// bestByText names the metric that decided the best epoch, with its direction, per dataset
// when the table has several.
func bestByText(t Table) string {
	var parts []string
	for _, ds := range t.Datasets() {
		m := t.BestBy[ds]
		p := fmt.Sprintf("%s (%s is better)", m, Direction(m))
		if len(t.Datasets()) > 1 {
			p += " on " + ds
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
