package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sweep/config"
	"sweep/vocab"
)

//go:embed published.json
var publishedJSON []byte

// Published is the paper's reported numbers, shown (with --published) in a table of their
// own after ours, for the configurations a sweep ran.
type Published struct {
	Label    string `json:"label"`
	Source   string `json:"source"`
	Notes    string `json:"notes"`
	Datasets []struct {
		Name  string   `json:"name"`
		Label string   `json:"label"`
		Match []string `json:"match"`
	} `json:"datasets"`
	Tables []publishedTable `json:"tables"`
}

// publishedTable is one of the paper's tables. Modes maps a row of a methods or ablation
// table to the mode that runs it; rows without one (other methods) match no configuration.
type publishedTable struct {
	Kind  Kind                  `json:"kind"`
	Table string                `json:"table"`
	Modes map[string]vocab.Mode `json:"modes"`
	Rows  []publishedRow        `json:"rows"`
}

// publishedRow is one row's numbers on one dataset (and, in Table 5, one side).
type publishedRow struct {
	Row     string             `json:"row"`
	Side    string             `json:"side"`
	Dataset string             `json:"dataset"`
	Values  map[string]float64 `json:"values"`
}

// LoadPublished parses the embedded published numbers.
func LoadPublished() (*Published, error) {
	var p Published
	if err := json.Unmarshal(publishedJSON, &p); err != nil {
		return nil, fmt.Errorf("report/published.json: %w", err)
	}
	return &p, nil
}

// datasetOf names the published dataset a run's dataset stands for, or "" for none: an exact
// match of the dataset string, or of its folder's base name, ignoring case.
func (p *Published) datasetOf(dataset string) string {
	d := strings.ToLower(dataset)
	base := strings.ToLower(filepath.Base(strings.TrimRight(dataset, `/\`)))
	for _, ds := range p.Datasets {
		if slices.Contains(ds.Match, d) || slices.Contains(ds.Match, base) {
			return ds.Name
		}
	}
	return ""
}

// tableRef is the paper's table number for kind ("" when it has none).
func (p *Published) tableRef(kind Kind) string {
	for _, t := range p.Tables {
		if t.Kind == kind {
			return t.Table
		}
	}
	return ""
}

// runs reports whether configuration c is what the paper's row name of table pt ran: the
// same mode (methods, ablation), attention layers (layers) or number of queries (queries).
func (pt publishedTable) runs(name string, c config.Run) bool {
	switch pt.Kind {
	case KindMethods, KindAblation:
		m, ok := pt.Modes[name]
		return ok && m == c.Mode
	case KindLayers:
		return name == string(c.AttnLayers)
	case KindQueries:
		return name == strconv.Itoa(c.Queries)
	}
	return false
}

// table builds the reference table for t: the paper's rows that stand for a configuration t
// shows, each filled only in the columns where that configuration ran (same dataset and
// side), and only the columns with a value. Nil when nothing matches.
func (p *Published) table(t Table, groups []*Group) *Table {
	ref := &Table{Sweep: t.Sweep, Kind: t.Kind, Paper: t.Paper, RowHeader: t.RowHeader, Columns: t.Columns}
	labels := rowLabels(t)
	for _, pt := range p.Tables {
		if pt.Kind != t.Kind {
			continue
		}
		for _, name := range pt.names() {
			if r, ok := p.row(pt, name, t, groups, labels); ok {
				ref.Rows = append(ref.Rows, r)
			}
		}
	}
	ref.dropEmptyColumns()
	if len(ref.Rows) == 0 {
		return nil
	}
	return ref
}

// names lists the table's row names in order of first appearance.
func (pt publishedTable) names() []string {
	var out []string
	for _, r := range pt.Rows {
		if !slices.Contains(out, r.Row) {
			out = append(out, r.Row)
		}
	}
	return out
}

// row is the paper's row name in t's columns; false when no configuration of t stands for it.
// A row our table labels otherwise names our rows.
func (p *Published) row(pt publishedTable, name string, t Table, groups []*Group, labels map[string]string) (Row, bool) {
	row := Row{Label: name, Published: true, Cells: make([]Cell, len(t.Columns))}
	var ours []string
	renamed := false
	for _, g := range groups {
		if !pt.runs(name, g.Config) {
			continue
		}
		renamed = renamed || rowKey(t.Kind, g.Config) != name
		cg := colGroup(t.Kind, g.Config)
		for i, c := range t.Columns {
			if v, ok := pt.value(name, c, p.datasetOf(cg.Dataset)); ok && c.Group == cg {
				row.Cells[i] = Cell{Stat: Stat{N: 1, Mean: v}}
				if l := labels[g.Key]; !slices.Contains(ours, l) {
					ours = append(ours, l)
				}
			}
		}
	}
	if len(ours) == 0 {
		return Row{}, false
	}
	if renamed {
		row.Label += " (ours: " + strings.Join(ours, ", ") + ")"
	}
	return row, true
}

// value is the paper's number of row name for column c on published dataset ds.
func (pt publishedTable) value(name string, c Column, ds string) (float64, bool) {
	for _, r := range pt.Rows {
		if r.Row == name && r.Side == c.Group.Side && r.Dataset == ds && ds != "" {
			v, ok := r.Values[c.Metric]
			return v, ok
		}
	}
	return 0, false
}

// rowLabels maps each group key to the label of the row it is shown in.
func rowLabels(t Table) map[string]string {
	out := map[string]string{}
	for _, r := range t.Rows {
		for _, k := range r.Groups {
			out[k] = r.Label
		}
	}
	return out
}

// dropEmptyColumns removes the columns no row has a value in.
func (t *Table) dropEmptyColumns() {
	var keep []int
	for i := range t.Columns {
		if slices.ContainsFunc(t.Rows, func(r Row) bool { return r.Cells[i].N > 0 }) {
			keep = append(keep, i)
		}
	}
	cols := make([]Column, len(keep))
	for k, i := range keep {
		cols[k] = t.Columns[i]
	}
	for j, r := range t.Rows {
		cells := make([]Cell, len(keep))
		for k, i := range keep {
			cells[k] = r.Cells[i]
		}
		t.Rows[j].Cells = cells
	}
	t.Columns = cols
}
