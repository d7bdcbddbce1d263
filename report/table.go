package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sweep/config"
	"sweep/vocab"
)

// Kind is a kind of results table, each after one of the paper's tables.
type Kind string

// Table kinds.
const (
	KindAuto     Kind = "auto"
	KindMethods  Kind = "methods"  // rows: variant; paper Table 1
	KindAblation Kind = "ablation" // rows: variants A..H; paper Table 3
	KindLayers   Kind = "layers"   // rows: attn_layers; paper Table 4
	KindQueries  Kind = "queries"  // rows: queries, QS-Attn beside CUT; paper Table 5
)

// Kinds lists the table kinds a report can be asked for.
var Kinds = []Kind{KindAuto, KindMethods, KindAblation, KindLayers, KindQueries}

// ColGroup is a group of columns: one dataset and, in a queries table, one side.
type ColGroup struct {
	Dataset string `json:"dataset"`
	Side    string `json:"side,omitempty"` // "QS-Attn" or "CUT" in a queries table
}

// Column is one metric of one column group.
type Column struct {
	Group  ColGroup `json:"group"`
	Metric string   `json:"metric"`
	Better string   `json:"better"` // "lower" or "higher"
}

// Cell is one row's value in one column; N is 0 when there is none.
type Cell struct {
	Stat
	Best   bool    `json:"best,omitempty"`          // better than every other row (Welch, p < 0.05)
	Tied   bool    `json:"not_separable,omitempty"` // the best mean, or not separable from it
	Values []Value `json:"values,omitempty"`        // each seed's value and its epoch, in seed order
}

// Row is one configuration (or, when Published, one row of the paper's table).
type Row struct {
	Label     string   `json:"label"`
	Published bool     `json:"published,omitempty"`
	Groups    []string `json:"groups,omitempty"` // GroupKeys of the configurations in the row
	Cells     []Cell   `json:"cells"`
	Epochs    [][]int  `json:"epochs,omitempty"` // per Table.EpochCols: each seed's epoch, in seed order
}

// Table is one results table of one sweep.
type Table struct {
	Sweep     string            `json:"sweep"`
	Kind      Kind              `json:"kind"`
	Paper     string            `json:"paper_table,omitempty"` // the paper's table it mirrors
	RowHeader string            `json:"row_header"`
	Extras    []string          `json:"extra_fields,omitempty"`  // config fields added to row labels to keep rows apart
	Epoch     EpochMode         `json:"epoch"`                   // how each run's epoch was chosen
	BestBy    map[string]string `json:"best_epoch_by,omitempty"` // with EpochBest: dataset -> the metric deciding the epoch
	EpochCols []ColGroup        `json:"epoch_columns,omitempty"` // column groups given an epoch column: when a run has several epochs
	Columns   []Column          `json:"columns"`
	Rows      []Row             `json:"rows"`
	Noise     []int             `json:"within_noise,omitempty"` // columns in which no row is significantly best
	Published *Table            `json:"published,omitempty"`    // the paper's numbers for these configurations, with Options.Published
}

// ChooseKind picks the table kind for a sweep's configurations:
// queries when `queries` varies, else layers when `attn_layers` varies, else ablation when
// every variant label is one of A..H, else methods.
func ChooseKind(cs []config.Run) Kind {
	v := varying(cs)
	switch {
	case slices.Contains(v, "queries"):
		return KindQueries
	case slices.Contains(v, "attn_layers"):
		return KindLayers
	}
	for _, c := range cs {
		if len(c.Variant) != 1 || c.Variant[0] < 'A' || c.Variant[0] > 'H' {
			return KindMethods
		}
	}
	if len(cs) == 0 {
		return KindMethods
	}
	return KindAblation
}

// rowKey is the base row label of a configuration in a table of kind.
func rowKey(kind Kind, c config.Run) string {
	switch kind {
	case KindLayers:
		return string(c.AttnLayers)
	case KindQueries:
		return strconv.Itoa(c.Queries)
	}
	if c.Variant == "" {
		return string(c.Mode)
	}
	return c.Variant
}

func rowHeader(kind Kind) string {
	switch kind {
	case KindLayers:
		return "attn_layers"
	case KindQueries:
		return "queries"
	}
	return "variant"
}

func colGroup(kind Kind, c config.Run) ColGroup {
	g := ColGroup{Dataset: c.Dataset}
	if kind == KindQueries {
		g.Side = "QS-Attn"
		if !c.Mode.Attends() {
			g.Side = "CUT"
		}
	}
	return g
}

// buildTable lays out the groups of one sweep as a table of kind.
func buildTable(d *sweepData, kind Kind, pub *Published, metrics []string) Table {
	t := Table{Sweep: d.Name, Kind: kind, Paper: pub.tableRef(kind), RowHeader: rowHeader(kind), Epoch: d.Mode}
	t.Extras = extraFields(kind, d.Groups)
	t.Columns = columns(kind, d.Groups, metrics)
	if d.Mode == EpochBest {
		t.BestBy = d.Primary
	}
	if d.Multi {
		t.EpochCols = colGroups(t)
	}
	rows := map[string]*Row{}
	var order []string
	for _, g := range d.Groups {
		label := rowKey(kind, g.Config) + extrasLabel(g.Config, t.Extras)
		r := rows[label]
		if r == nil {
			r = &Row{Label: label, Cells: make([]Cell, len(t.Columns))}
			if len(t.EpochCols) > 0 {
				r.Epochs = make([][]int, len(t.EpochCols))
			}
			rows[label] = r
			order = append(order, label)
		}
		r.Groups = append(r.Groups, g.Key)
		cg := colGroup(kind, g.Config)
		for i, c := range t.Columns {
			if c.Group == cg {
				r.Cells[i] = Cell{Stat: g.Stat(c.Metric), Values: g.Values[c.Metric]}
			}
		}
		if j := slices.Index(t.EpochCols, cg); j >= 0 {
			r.Epochs[j] = g.chosenEpochs()
		}
	}
	sortRows(kind, order, d.Groups, t.Extras)
	for _, l := range order {
		t.Rows = append(t.Rows, *rows[l])
	}
	markBest(&t)
	return t
}

// extraFields finds the config fields that tell apart configurations landing in one cell, so
// that no cell ever mixes two configurations.
func extraFields(kind Kind, groups []*Group) []string {
	cells := map[string][]config.Run{}
	for _, g := range groups {
		cg := colGroup(kind, g.Config)
		k := rowKey(kind, g.Config) + "\x00" + cg.Dataset + "\x00" + cg.Side
		cells[k] = append(cells[k], g.Config)
	}
	set := map[string]bool{}
	for _, cs := range cells {
		for _, f := range varying(cs) {
			set[f] = true
		}
	}
	var out []string
	for _, f := range fields(config.Run{}) {
		if set[f.Key] {
			out = append(out, f.Key)
		}
	}
	return out
}

func extrasLabel(c config.Run, extras []string) string {
	if len(extras) == 0 {
		return ""
	}
	parts := make([]string, len(extras))
	for i, k := range extras {
		parts[i] = k + "=" + fieldValue(c, k)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// columns are the column groups in order of first appearance (QS-Attn before CUT), each with
// every metric its dataset has, sorted by dataset, then metric, then side.
func columns(kind Kind, groups []*Group, metrics []string) []Column {
	var datasets []string
	byDataset := map[string][]*Group{}
	sides := map[string][]string{}
	for _, g := range groups {
		cg := colGroup(kind, g.Config)
		if _, ok := byDataset[cg.Dataset]; !ok {
			datasets = append(datasets, cg.Dataset)
		}
		byDataset[cg.Dataset] = append(byDataset[cg.Dataset], g)
		if !slices.Contains(sides[cg.Dataset], cg.Side) {
			sides[cg.Dataset] = append(sides[cg.Dataset], cg.Side)
		}
	}
	var cols []Column
	for _, ds := range datasets {
		ss := sides[ds]
		sort.Slice(ss, func(i, j int) bool { return ss[i] > ss[j] }) // "QS-Attn" before "CUT"
		for _, m := range chooseMetrics(metricsOf(byDataset[ds]), metrics) {
			for _, s := range ss {
				cols = append(cols, Column{Group: ColGroup{ds, s}, Metric: m, Better: Direction(m).String()})
			}
		}
	}
	return cols
}

// sortRows orders row labels: ablation rows by variant letter, layers last2 before all,
// queries by number; methods keep the order in which the sweep created them.
func sortRows(kind Kind, labels []string, groups []*Group, extras []string) {
	first := map[string]int{}
	base := map[string]config.Run{}
	for i, g := range groups {
		l := rowKey(kind, g.Config) + extrasLabel(g.Config, extras)
		if _, ok := first[l]; !ok {
			first[l], base[l] = i, g.Config
		}
	}
	key := func(l string) float64 {
		c := base[l]
		switch kind {
		case KindAblation:
			if len(c.Variant) == 1 {
				return float64(c.Variant[0])
			}
			return math.MaxFloat64
		case KindLayers:
			if c.AttnLayers == vocab.LayersLast2 {
				return 0
			}
			return 1
		case KindQueries:
			return float64(c.Queries)
		}
		return 0
	}
	sort.SliceStable(labels, func(i, j int) bool {
		ki, kj := key(labels[i]), key(labels[j])
		if ki != kj {
			return ki < kj
		}
		return first[labels[i]] < first[labels[j]]
	})
}

// header is a column's heading: the dataset only when the table has several, the metric,
// and the side of a queries table.
func (t *Table) header(c Column) string {
	parts := []string{}
	if len(t.Datasets()) > 1 {
		parts = append(parts, c.Group.Dataset)
	}
	parts = append(parts, c.Metric)
	if c.Group.Side != "" {
		parts = append(parts, c.Group.Side)
	}
	return strings.Join(parts, " ")
}

// Datasets lists the datasets of the table's columns in order.
func (t *Table) Datasets() []string {
	var out []string
	for _, c := range t.Columns {
		if !slices.Contains(out, c.Group.Dataset) {
			out = append(out, c.Group.Dataset)
		}
	}
	return out
}

// cellText formats a cell with dec decimals: "41.2 ± 1.3", "41.2" (one seed), or "—".
func cellText(c Cell, dec int, published bool) string {
	switch {
	case c.N == 0:
		return "—"
	case published:
		return formatValue(c.Mean, dec)
	case c.N == 1:
		return formatValue(c.Mean, dec)
	}
	return fmt.Sprintf("%s ± %s", formatValue(c.Mean, dec), formatValue(c.Std, dec))
}

// columnDecimals picks one number of decimals per column, from its largest magnitude.
func (t *Table) columnDecimals() []int {
	out := make([]int, len(t.Columns))
	for i := range t.Columns {
		m := 0.0
		for _, r := range t.Rows {
			if r.Cells[i].N > 0 {
				m = max(m, math.Abs(r.Cells[i].Mean))
			}
		}
		out[i] = decimals(m)
	}
	return out
}

// chooseMetrics picks a dataset's columns from the metrics it has: those asked for, in that
// order, or by default the ones papers report (fid, swd_avg, seg_*) and the built-in
// datasets' ground-truth scores (gt_*), or all when it has none of those.
func chooseMetrics(have, asked []string) []string {
	var out []string
	if len(asked) > 0 {
		for _, m := range asked {
			if slices.Contains(have, m) {
				out = append(out, m)
			}
		}
		return out
	}
	for _, m := range have {
		if m == "fid" || m == "swd_avg" || strings.HasPrefix(m, "seg_") || strings.HasPrefix(m, "gt_") {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return have
	}
	return out
}
