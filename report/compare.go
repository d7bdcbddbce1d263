package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"sweep/results"
)

// DiffRow is one metric of one configuration on two sides of a comparison: two sweeps, or
// a sweep and a baseline file.
type DiffRow struct {
	Config      string   `json:"configuration"`
	Metric      string   `json:"metric"`
	Better      string   `json:"better"`
	A           Stat     `json:"a"`
	B           Stat     `json:"b"`
	Delta       float64  `json:"delta"`       // B.Mean - A.Mean
	P           *float64 `json:"p,omitempty"` // Welch's t-test; absent without two seeds on each side
	Significant bool     `json:"significant"` // P < 0.05
}

// Side is one side of a comparison: a sweep in the database or a baseline file.
type Side struct {
	Sweep    string // a sweep's name
	Baseline string // else a baseline file (means only: no significance)
}

func (sd Side) name() string { return cmp.Or(sd.Sweep, sd.Baseline) }

// side is one side's configurations: label -> metric -> statistics; spread is false for a
// baseline, which records means only.
type side struct {
	stats  map[string]map[string]Stat
	spread bool
}

// CompareSides compares a and b per configuration both have (by its label in each sweep's
// table, as baselines name it) and per metric both have, metrics chosen as the report
// chooses its columns (nil: the default ones), and writes a table (md, table or json) to w.
func CompareSides(w io.Writer, dbPath string, a, b Side, metrics []string, format string) error {
	if format != "md" && format != "table" && format != "json" {
		return fmt.Errorf("format %q is unknown; allowed: md, table, json", format)
	}
	sa, err := readSide(dbPath, a)
	if err != nil {
		return err
	}
	sb, err := readSide(dbPath, b)
	if err != nil {
		return err
	}
	rows := diffRows(sa, sb, metrics)
	if len(rows) == 0 {
		return fmt.Errorf("%s and %s share no configuration with a metric on both sides", a.name(), b.name())
	}
	switch format {
	case "json":
		return writeJSON(w, rows)
	case "md":
		return writeDiff(w, true, a.name(), b.name(), rows)
	}
	return writeDiff(w, false, a.name(), b.name(), rows)
}

func readSide(dbPath string, sd Side) (side, error) {
	if sd.Baseline != "" {
		b, err := ReadBaseline(sd.Baseline)
		if err != nil {
			return side{}, err
		}
		return baselineSide(b), nil
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return side{}, err
	}
	defer s.Close()
	return sweepSide(s, sd.Sweep)
}

// sweepSide is the completed runs of sweep, grouped over seeds, by their labels.
func sweepSide(s *results.Store, sweep string) (side, error) {
	d, err := load(s, sweep, EpochFinal)
	if err != nil {
		return side{}, err
	}
	if len(d.Groups) == 0 {
		return side{}, fmt.Errorf("sweep %q has no completed run in %s", sweep, s.Path())
	}
	pub, err := LoadPublished()
	if err != nil {
		return side{}, err
	}
	t := buildTable(d, ChooseKind(configsOf(d.Groups)), pub, nil)
	out := side{stats: map[string]map[string]Stat{}, spread: true}
	for _, g := range d.Groups {
		stats := map[string]Stat{}
		for _, m := range metricsOf([]*Group{g}) {
			stats[m] = g.Stat(m)
		}
		out.stats[baselineLabel(t, g)] = stats
	}
	return out, nil
}

// baselineSide is a baseline's entries by label: means without spread.
func baselineSide(b *Baseline) side {
	out := side{stats: map[string]map[string]Stat{}}
	for _, e := range b.Entries {
		if out.stats[e.Label] == nil {
			out.stats[e.Label] = map[string]Stat{}
		}
		out.stats[e.Label][e.Metric] = Stat{N: e.N, Mean: e.Value}
	}
	return out
}

// diffRows pairs the configurations and metrics a and b share, in label and report order.
func diffRows(a, b side, metrics []string) []DiffRow {
	var rows []DiffRow
	for _, label := range slices.Sorted(maps.Keys(a.stats)) {
		sb, ok := b.stats[label]
		if !ok {
			continue
		}
		sa := a.stats[label]
		for _, m := range chooseMetrics(shared(sa, sb), metrics) {
			rows = append(rows, diffRow(label, m, sa[m], sb[m], a.spread && b.spread))
		}
	}
	return rows
}

// shared are the metrics both sides have, in the report's order.
func shared(a, b map[string]Stat) []string {
	var out []string
	for m := range a {
		if _, ok := b[m]; ok {
			out = append(out, m)
		}
	}
	sortMetrics(out)
	return out
}

// diffRow compares a and b, testing the difference when both have a spread and two seeds.
func diffRow(label, metric string, a, b Stat, spread bool) DiffRow {
	r := DiffRow{Config: label, Metric: metric, Better: Direction(metric).String(), A: a, B: b, Delta: b.Mean - a.Mean}
	if spread && a.N >= 2 && b.N >= 2 {
		p := welchP(a, b)
		r.P, r.Significant = &p, p < alpha
	}
	return r
}

// writeDiff writes the rows as dvc metrics diff does: both values, the change, and here
// Welch's p and whether it separates the two.
func writeDiff(w io.Writer, markdown bool, a, b string, rows []DiffRow) error {
	header := []string{"configuration", "metric", a, b, "change", "p", "significant"}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		p, sig := "—", "—"
		if r.P != nil {
			p, sig = strconv.FormatFloat(*r.P, 'g', 2, 64), "no"
			if r.Significant {
				sig = "yes"
			}
		}
		cells[i] = []string{r.Config, r.Metric, statText(r.A), statText(r.B), changeText(r), p, sig}
	}
	return writeGrid(w, markdown, false, header, cells)
}

// statText is "mean ± std (n=N)", without the spread when there is none to show.
func statText(s Stat) string {
	dec := decimals(s.Mean)
	text := formatValue(s.Mean, dec)
	if s.Std > 0 {
		text += " ± " + formatValue(s.Std, dec)
	}
	if s.N > 0 {
		text += fmt.Sprintf(" (n=%d)", s.N)
	}
	return text
}

// changeText is the signed change, with "better" or "worse" in the metric's direction.
func changeText(r DiffRow) string {
	text := fmt.Sprintf("%+g", roundSig(r.Delta))
	switch w := worse(r.Metric, r.A.Mean, r.B.Mean); {
	case w < 0:
		text += " better"
	case w > 0:
		text += " worse"
	}
	return text
}
