package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// latexEscaper escapes the characters LaTeX gives a meaning to in text.
var latexEscaper = strings.NewReplacer(`\`, `\textbackslash{}`, `_`, `\_`, `%`, `\%`, `&`, `\&`, `#`, `\#`,
	`$`, `\$`, `{`, `\{`, `}`, `\}`, `~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`, "—", "--")

func latexEscape(s string) string { return latexEscaper.Replace(s) }

// writeLatex writes one booktabs table per sweep table, with n in the caption.
func writeLatex(w io.Writer, rep *Report) error {
	fmt.Fprintln(w, "% Results tables; needs \\usepackage{booktabs}.")
	for _, sr := range rep.Sweeps {
		fmt.Fprintf(w, "\n%% Sweep %s: %s.\n", sr.Name, countsText(sr.Counts))
		for _, t := range sr.Tables {
			writeLatexTable(w, t)
			if t.Published != nil {
				writeLatexPublished(w, *t.Published, rep.Source)
			}
		}
	}
	return nil
}

func writeLatexTable(w io.Writer, t Table) {
	fmt.Fprintf(w, "\\begin{table}[t]\n\\centering\n\\caption{%s}\n", latexCaption(t))
	writeLatexBody(w, t)
	if n := noiseText(t); n != "" {
		fmt.Fprintf(w, "%% %s\n", n)
	}
}

// writeLatexPublished writes the paper's numbers as a booktabs table of their own.
func writeLatexPublished(w io.Writer, t Table, source string) {
	caption := latexEscape(publishedTitle(t) + ", sweep " + t.Sweep + ". " + publishedLegend(t, source))
	fmt.Fprintf(w, "\\begin{table}[t]\n\\centering\n\\caption{%s}\n", caption)
	writeLatexBody(w, t)
}

// writeLatexBody writes the tabular of t and closes the table.
func writeLatexBody(w io.Writer, t Table) {
	header := gridHeader(t)
	fmt.Fprintf(w, "\\begin{tabular}{l%s}\n\\toprule\n", strings.Repeat("r", len(header)-1))
	fmt.Fprintf(w, "%s \\\\\n\\midrule\n", latexRow(header))
	dec := t.columnDecimals()
	for _, r := range t.Rows {
		fmt.Fprintf(w, "%s \\\\\n", latexRow(gridRow(t, r, dec, latexCell)))
	}
	fmt.Fprint(w, "\\bottomrule\n\\end{tabular}\n\\end{table}\n")
}

func latexRow(cells []string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c
		if !strings.HasPrefix(c, "$") && !strings.HasPrefix(c, `\textbf`) {
			out[i] = latexEscape(c)
		}
	}
	return strings.Join(out, " & ")
}

// latexCell is "$m \pm s$", "$m$" or "--", bold or daggered as the cell is marked.
func latexCell(c Cell, dec int, published bool) string {
	if c.N == 0 {
		return "--"
	}
	s := formatValue(c.Mean, dec)
	if c.N > 1 && !published {
		s += ` \pm ` + formatValue(c.Std, dec)
	}
	return markCell("$"+s+"$", c, `\textbf{\boldmath`, "}", `\textsuperscript{\dag}`)
}

func latexCaption(t Table) string {
	s := kindTitle(t.Kind)
	if t.Paper != "" {
		s += " (cf.\\ paper " + t.Paper + ")"
	}
	s += ", sweep " + latexEscape(t.Sweep) + "; " + latexEscape(strings.Join(t.Datasets(), ", ")) + ". " +
		"Mean $\\pm$ sample standard deviation over seeds; " + latexEscape(nCaption(t)) + ". " +
		"Bold: better than every other row, Welch's t-test $p < 0.05$ over seeds; \\dag: not separable from the best."
	return s
}

// rowN is the number of seeds behind a row's cells: one number, or each distinct one in
// column order joined by "/"; "" for a published row.
func rowN(r Row) string {
	if r.Published {
		return ""
	}
	var ns []string
	for _, c := range r.Cells {
		if n := strconv.Itoa(c.N); c.N > 0 && !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	return strings.Join(ns, "/")
}

// nCaption says how many seeds are behind the rows: once when every row has the same n,
// else per row.
func nCaption(t Table) string {
	var per []string
	same := ""
	for _, r := range t.Rows {
		if r.Published {
			continue
		}
		n := rowN(r)
		if len(per) == 0 {
			same = n
		} else if n != same {
			same = ""
		}
		per = append(per, r.Label+" "+n)
	}
	if same != "" && !strings.Contains(same, "/") {
		return "n = " + same + " seeds per row"
	}
	return "n (seeds per row): " + strings.Join(per, ", ")
}
