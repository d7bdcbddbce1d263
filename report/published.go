package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed published.json
var publishedJSON []byte

// Published is the paper's reported numbers, shown beside ours as reference rows.
type Published struct {
	Label    string `json:"label"`
	Source   string `json:"source"`
	Notes    string `json:"notes"`
	Datasets []struct {
		Name  string   `json:"name"`
		Label string   `json:"label"`
		Match []string `json:"match"`
	} `json:"datasets"`
	Tables []struct {
		Kind  Kind   `json:"kind"`
		Table string `json:"table"`
		Rows  []struct {
			Row     string             `json:"row"`
			Side    string             `json:"side"`
			Dataset string             `json:"dataset"`
			Values  map[string]float64 `json:"values"`
		} `json:"rows"`
	} `json:"tables"`
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

// rows builds the reference rows of kind for the given columns; rows without any value in
// these columns are left out.
func (p *Published) rows(kind Kind, cols []Column) []Row {
	var out []Row
	for _, t := range p.Tables {
		if t.Kind != kind {
			continue
		}
		var names []string
		for _, r := range t.Rows {
			if !slices.Contains(names, r.Row) {
				names = append(names, r.Row)
			}
		}
		for _, name := range names {
			row := Row{Label: p.Label + ": " + name, Published: true, Cells: make([]Cell, len(cols))}
			filled := false
			for i, c := range cols {
				for _, r := range t.Rows {
					v, ok := r.Values[c.Metric]
					if r.Row == name && ok && r.Side == c.Group.Side && r.Dataset == p.datasetOf(c.Group.Dataset) {
						row.Cells[i] = Cell{Stat: Stat{N: 1, Mean: v}}
						filled = true
					}
				}
			}
			if filled {
				out = append(out, row)
			}
		}
	}
	return out
}
