package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// ExportColumns are the columns of an export before the configuration's, which follow as
// "config.<key>" in key order (nested tables as "config.<key>.<key>").
var ExportColumns = []string{"sweep", "run_id", "status", "metric", "value", "step", "epoch", "identity"}

// Export writes one row per run and metric of sweep ("" for every sweep; a run listed in two
// sweeps appears under each, with its configuration there) as csv or jsonl, with the run's
// configuration flattened into columns. A run without metrics has one row with an empty
// metric. In CSV a list is its JSON text and a missing or NaN value is empty; in JSON Lines
// every row has every column and a NaN value is null.
func Export(w io.Writer, s *Store, sweep, format string) error {
	if format != "csv" && format != "jsonl" {
		return fmt.Errorf("export format %q is unknown; use csv or jsonl", format)
	}
	sweeps := []string{sweep}
	if sweep == "" {
		var err error
		if sweeps, err = s.Sweeps(); err != nil {
			return err
		}
	}
	var rows []map[string]any
	keys := map[string]bool{}
	for _, sw := range sweeps {
		runs, err := s.ListRuns(sw)
		if err != nil {
			return err
		}
		if sweep != "" && len(runs) == 0 {
			return fmt.Errorf("sweep %q has no runs in %s", sweep, s.Path())
		}
		for _, r := range runs {
			cfg, err := flattenConfig(r)
			if err != nil {
				return err
			}
			for k := range cfg {
				keys[k] = true
			}
			ms, err := s.Metrics(r.ID)
			if err != nil {
				return err
			}
			base := map[string]any{"sweep": sw, "run_id": r.ID, "status": string(r.Status)}
			if len(ms) == 0 {
				rows = append(rows, merge(base, cfg, map[string]any{"metric": "", "value": nil, "step": nil, "epoch": nil, "identity": ""}))
			}
			for _, m := range ms {
				var v any = m.Value
				if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
					v = nil
				}
				rows = append(rows, merge(base, cfg, map[string]any{"metric": m.Name, "value": v, "step": m.Step, "epoch": m.Epoch, "identity": m.Identity}))
			}
		}
	}
	cols := append([]string{}, ExportColumns...)
	cfgCols := make([]string, 0, len(keys))
	for k := range keys {
		cfgCols = append(cfgCols, k)
	}
	sort.Strings(cfgCols)
	cols = append(cols, cfgCols...)
	if format == "jsonl" {
		return writeJSONL(w, cols, rows)
	}
	return writeCSV(w, cols, rows)
}

// flattenConfig returns the run's configuration as "config.<key>" columns.
func flattenConfig(r Run) (map[string]any, error) {
	b, err := json.Marshal(r.Config)
	if err != nil {
		return nil, fmt.Errorf("run %s: config: %w", r.ID, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("run %s: config: %w", r.ID, err)
	}
	out := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			out[prefix+k] = v
		}
	}
	walk("config.", m)
	return out, nil
}

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func writeJSONL(w io.Writer, cols []string, rows []map[string]any) error {
	for _, row := range rows {
		var b bytes.Buffer
		b.WriteByte('{')
		for i, c := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(c)
			v, err := json.Marshal(row[c])
			if err != nil {
				return fmt.Errorf("export %s: %w", c, err)
			}
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
		}
		b.WriteString("}\n")
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func writeCSV(w io.Writer, cols []string, rows []map[string]any) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, row := range rows {
		for i, c := range cols {
			s, err := csvCell(row[c])
			if err != nil {
				return fmt.Errorf("export %s: %w", c, err)
			}
			rec[i] = s
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvCell(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case int:
		return strconv.Itoa(v), nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
