package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sweep/results"
	"sweep/vocab"
)

// openExisting opens a store that must already exist, read-only: a report of a mistyped
// path should say so rather than show an empty, freshly created database, and reading
// results must work on read-only media and never upgrade a schema.
func openExisting(path string) (*results.Store, error) {
	return results.OpenReadOnly(path)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var csvHeader = []string{"sweep", "kind", "row", "published", "dataset", "side", "metric", "better", "n", "mean", "std", "best", "not_separable", "epochs"}

// writeCSV writes one line per non-empty cell, numbers in full precision; epochs are the
// epochs of the seeds' values, in seed order, separated by ";".
func writeCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, sr := range rep.Sweeps {
		for _, t := range sr.Tables {
			for _, r := range t.Rows {
				if err := writeCSVRow(cw, t, r); err != nil {
					return err
				}
			}
			if t.Published == nil {
				continue
			}
			for _, r := range t.Published.Rows {
				if err := writeCSVRow(cw, *t.Published, r); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeCSVRow writes one line per non-empty cell of row r of table t.
func writeCSVRow(cw *csv.Writer, t Table, r Row) error {
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, c := range t.Columns {
		cell := r.Cells[i]
		if cell.N == 0 {
			continue
		}
		rec := []string{t.Sweep, string(t.Kind), r.Label, strconv.FormatBool(r.Published),
			c.Group.Dataset, c.Group.Side, c.Metric, c.Better,
			strconv.Itoa(cell.N), num(cell.Mean), stdText(cell, num), strconv.FormatBool(cell.Best), strconv.FormatBool(cell.Tied), valueEpochs(cell.Values)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

// stdText is the standard deviation in full precision, empty with fewer than two values.
func stdText(c Cell, num func(float64) string) string {
	if c.N < 2 {
		return ""
	}
	return num(c.Std)
}

// valueEpochs joins the values' epochs with ";".
func valueEpochs(vs []Value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v.Epoch)
	}
	return strings.Join(parts, ";")
}

// statusOrder is the order run counts are listed in.
var statusOrder = []vocab.Status{vocab.StatusCompleted, vocab.StatusFailed, vocab.StatusInterrupted,
	vocab.StatusRunning, vocab.StatusPending}

func countsText(counts map[vocab.Status]int) string {
	var parts []string
	for _, s := range statusOrder {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func writeMarkdown(w io.Writer, rep *Report, opt Options) error {
	fmt.Fprintln(w, "# Results")
	if len(rep.Sweeps) == 0 {
		fmt.Fprintln(w, "\nNo runs recorded.")
		return nil
	}
	for _, sr := range rep.Sweeps {
		if err := writeSweepMarkdown(w, sr, rep.Source, opt); err != nil {
			return err
		}
	}
	return nil
}

func writeSweepMarkdown(w io.Writer, sr SweepReport, source string, opt Options) error {
	fmt.Fprintf(w, "\n## Sweep `%s`\n\nRuns: %s.\n", sr.Name, countsText(sr.Counts))
	if len(sr.Tables) == 0 {
		fmt.Fprintln(w, "\nNo completed runs yet.")
	}
	for _, t := range sr.Tables {
		if err := writeTableMarkdown(w, t, source); err != nil {
			return err
		}
	}
	return writePlotLinks(w, sr.Plots, opt)
}

func writeTableMarkdown(w io.Writer, t Table, source string) error {
	paper := ""
	if t.Paper != "" {
		paper = fmt.Sprintf(" (cf. paper %s)", t.Paper)
	}
	fmt.Fprintf(w, "\n### %s%s\n\nDatasets: %s.\n\n", kindTitle(t.Kind), paper, strings.Join(t.Datasets(), ", "))
	dec := t.columnDecimals()
	var rows [][]string
	for _, r := range t.Rows {
		rows = append(rows, withN(gridRow(t, r, dec, mdCell), rowN(r)))
	}
	header := withN(gridHeader(t), "n")
	if err := writeGrid(w, true, true, header, rows); err != nil {
		return err
	}
	if n := noiseText(t); n != "" {
		fmt.Fprintf(w, "\n%s\n", n)
	}
	fmt.Fprintf(w, "\n%s\n", legend(t))
	if t.Published != nil {
		return writePublishedMarkdown(w, *t.Published, source)
	}
	return nil
}

// writePublishedMarkdown writes the paper's numbers as a table of their own.
func writePublishedMarkdown(w io.Writer, t Table, source string) error {
	fmt.Fprintf(w, "\n#### %s\n\n", publishedTitle(t))
	dec := t.columnDecimals()
	var rows [][]string
	for _, r := range t.Rows {
		rows = append(rows, gridRow(t, r, dec, mdCell))
	}
	if err := writeGrid(w, true, true, gridHeader(t), rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", publishedLegend(t, source))
	return nil
}

// gridHeader is the heading of a table's columns: the row header, then each metric column,
// each after the epoch columns shown before it.
func gridHeader(t Table) []string {
	header := []string{t.RowHeader}
	for i, c := range t.Columns {
		for _, j := range t.epochColsBefore(i) {
			header = append(header, t.epochHeader(t.EpochCols[j]))
		}
		header = append(header, t.header(c))
	}
	return header
}

// gridRow is a row's texts in the columns of gridHeader, each cell formatted by cell.
func gridRow(t Table, r Row, dec []int, cell func(Cell, int, bool) string) []string {
	row := []string{r.Label}
	for i, c := range r.Cells {
		for _, j := range t.epochColsBefore(i) {
			row = append(row, epochText(r, j))
		}
		row = append(row, cell(c, dec[i], r.Published))
	}
	return row
}

// withN puts n after a row's label.
func withN(row []string, n string) []string {
	return append([]string{row[0], n}, row[1:]...)
}

// mdCell is a cell's Markdown text: bold when best, with a dagger when not separable.
func mdCell(c Cell, dec int, published bool) string {
	return markCell(cellText(c, dec, published), c, "**", "**", " †")
}

// markCell wraps a best cell's text in open and close and appends dagger to a cell not
// separable from the best.
func markCell(s string, c Cell, open, close, dagger string) string {
	switch {
	case c.Best:
		return open + s + close
	case c.Tied:
		return s + dagger
	}
	return s
}

// noiseText warns, in one line, of the columns whose ranking is within noise.
func noiseText(t Table) string {
	if len(t.Noise) == 0 {
		return ""
	}
	cols := make([]string, len(t.Noise))
	for k, i := range t.Noise {
		cols[k] = t.header(t.Columns[i])
	}
	return "Warning: ranking within noise (no row is significantly best) in " + strings.Join(cols, ", ") + "."
}

func kindTitle(k Kind) string {
	switch k {
	case KindMethods:
		return "Methods"
	case KindAblation:
		return "Ablation"
	case KindLayers:
		return "QS-Attn layers"
	case KindQueries:
		return "Number of queries"
	}
	return string(k)
}

// legend explains the cells, the bold marks, the row labels and the reference rows.
func legend(t Table) string {
	var lower, higher []string
	for _, c := range t.Columns {
		list := &lower
		if c.Better == HigherIsBetter.String() {
			list = &higher
		}
		if !slices.Contains(*list, c.Metric) {
			*list = append(*list, c.Metric)
		}
	}
	var dirs []string
	if len(lower) > 0 {
		dirs = append(dirs, "lower is better for "+strings.Join(lower, ", "))
	}
	if len(higher) > 0 {
		dirs = append(dirs, "higher is better for "+strings.Join(higher, ", "))
	}
	s := "Mean ± sample standard deviation over seeds; n: seeds per row (one per column group, joined by /, when they differ). " +
		"**Bold**: better than every other row, Welch's t-test p < 0.05 over seeds; †: not separable from the best (" +
		strings.Join(dirs, "; ") + "). —: no value."
	s += epochLegend(t)
	if len(t.Extras) > 0 {
		s += " Row labels also give " + strings.Join(t.Extras, ", ") + ", to tell apart configurations that would share a row."
	}
	return s
}

// publishedTitle heads the table of the paper's numbers.
func publishedTitle(t Table) string {
	return fmt.Sprintf("Published numbers (paper %s)", t.Paper)
}

// publishedLegend says where the paper's numbers come from and how far they compare with ours.
func publishedLegend(t Table, source string) string {
	s := fmt.Sprintf("The numbers of the paper's %s (%s) for the configurations this sweep ran, on the paper's full-size datasets,"+
		" in the columns where this sweep ran them; copied from the paper, not measured here, and not ranked.", t.Paper, source)
	if slices.ContainsFunc(t.Datasets(), func(d string) bool { return strings.HasPrefix(d, "builtin:") }) {
		s += " The built-in datasets are small stand-ins for the paper's, so compare trends rather than values."
	}
	if slices.ContainsFunc(t.Rows, func(r Row) bool { return strings.Contains(r.Label, " (ours: ") }) {
		s += " \"ours:\" names the rows of our table that ran a paper row's configuration under another label."
	}
	return s
}

// writePlotLinks shows bar charts and image grids inline and lists loss curves as links.
func writePlotLinks(w io.Writer, plots []Plot, opt Options) error {
	if len(plots) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n### Plots\n")
	losses := false
	for _, p := range plots {
		if p.Kind != PlotLoss {
			fmt.Fprintf(w, "\n![%s](%s)\n", p.Title, plotLink(p.Path, opt.LinkBase))
			continue
		}
		if !losses {
			fmt.Fprintf(w, "\nLoss curves:\n\n")
			losses = true
		}
		fmt.Fprintf(w, "- [%s](%s)\n", p.Title, plotLink(p.Path, opt.LinkBase))
	}
	return nil
}

// plotLink is path relative to base (when given and possible), with forward slashes.
func plotLink(path, base string) string {
	if base != "" {
		if rel, err := filepath.Rel(base, path); err == nil {
			path = rel
		}
	}
	return filepath.ToSlash(path)
}
