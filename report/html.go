package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"sweep/internal/atomicfile"
	"sweep/results"
	"sweep/rundir"
)

// HTML site layout under the output folder.
const (
	htmlIndex    = "index.html"
	htmlPlotsDir = "plots"
	htmlRunsDir  = "runs"
	logTailLines = 60
)

// WriteHTML opens the store at dbPath and writes its report as a static site into dir.
func WriteHTML(dir, dbPath string, opt Options) error {
	if err := opt.checkTable(); err != nil {
		return err
	}
	s, err := openExisting(dbPath)
	if err != nil {
		return err
	}
	defer s.Close()
	return RenderHTML(dir, s, opt)
}

// RenderHTML writes the report of s as a static site into dir: index.html with the tables,
// plots and image grids, the plots as image files under dir/plots, and one page per run
// under dir/runs, linked from the tables and linking back. Every file is written through a
// temporary file and renamed into place, and index.html last. The pages need no server and
// load nothing from the network.
func RenderHTML(dir string, s *results.Store, opt Options) error {
	if err := opt.checkTable(); err != nil {
		return err
	}
	opt.Format = "html"
	if opt.PlotFormat == "pdf" {
		return errors.New("the HTML report shows plots in the page: plot format png or svg, not pdf")
	}
	opt.PlotsDir = filepath.Join(dir, htmlPlotsDir)
	opt.LinkBase = dir
	if err := os.MkdirAll(filepath.Join(dir, htmlRunsDir), 0o755); err != nil {
		return err
	}
	rep, err := Build(s, opt)
	if err != nil {
		return err
	}
	site := htmlSite{}
	if opt.Published {
		site.Source = rep.Source // the paper's numbers are shown, so say where they come from
	}
	pages := map[string]*htmlRunPage{}
	var order []string
	for _, sr := range rep.Sweeps {
		hs, err := htmlSweepOf(s, sr, rep.Source, opt, pages, &order)
		if err != nil {
			return err
		}
		site.Sweeps = append(site.Sweeps, hs)
	}
	runsDir := filepath.Join(dir, htmlRunsDir)
	for _, id := range order {
		p := pages[id]
		if err := p.fill(s, runsDir); err != nil {
			return err
		}
		if err := writeTemplate(filepath.Join(runsDir, safeName(id)+".html"), runTemplate, p); err != nil {
			return err
		}
	}
	return writeTemplate(filepath.Join(dir, htmlIndex), indexTemplate, site)
}

// htmlSite is what index.html shows.
type htmlSite struct {
	Source string
	Sweeps []htmlSweep
}

type htmlSweep struct {
	Name, Anchor, Counts string
	Tables               []htmlTable
	Figures              []htmlFigure // bar charts, epoch curves and image grids
	Losses               []htmlFigure // loss curves, each linking its run's page
	Runs                 []htmlRunLink
}

type htmlTable struct {
	Title, Datasets string
	Header          []string
	Rows            []htmlRow
	Noise           string
	LegendBefore    string // the legend, split around its "Bold" mark
	LegendAfter     string
	Bold            bool
	Ours            bool // this sweep's rows, with seed counts and links to the runs
}

type htmlRow struct {
	Label, Anchor string
	Published     bool
	Cells         []htmlCell
	Runs          []htmlRunLink
}

type htmlCell struct {
	Text       string
	Best, Tied bool
	Epoch      bool // an epoch column
}

type htmlFigure struct {
	Kind         PlotKind
	Title, Src   string
	Href, Anchor string // Href: where the figure links to; Anchor: its id
}

type htmlRunLink struct {
	ID, Href, Label, Status string
	Seed                    int64
}

// htmlRunPage is what runs/<id>.html shows.
type htmlRunPage struct {
	Run        results.Run
	Label      string
	Sweeps     []string
	Back       []htmlRunLink // the index's rows (or sweep run lists) that show the run
	Config     string
	Provenance *results.Provenance
	Modules    []string
	Metrics    []rundir.Metric
	Loss       string // the loss plot, relative to the page; "" for none
	Log        string
	LogSource  string
	Started    string
	Finished   string
}

// htmlSweepOf lays out one sweep's section and registers its runs' pages.
func htmlSweepOf(s *results.Store, sr SweepReport, source string, opt Options, pages map[string]*htmlRunPage, order *[]string) (htmlSweep, error) {
	anchor := "sweep-" + safeName(sr.Name)
	hs := htmlSweep{Name: sr.Name, Anchor: anchor, Counts: countsText(sr.Counts)}
	runs, err := s.ListRuns(sr.Name)
	if err != nil {
		return hs, err
	}
	byID := map[string]results.Run{}
	page := func(r results.Run, label string) *htmlRunPage {
		p := pages[r.ID]
		if p == nil {
			p = &htmlRunPage{Run: r, Label: label}
			pages[r.ID] = p
			*order = append(*order, r.ID)
		}
		if !slices.Contains(p.Sweeps, sr.Name) {
			p.Sweeps = append(p.Sweeps, sr.Name)
		}
		return p
	}
	for _, r := range runs {
		byID[r.ID] = r
	}
	for ti, t := range sr.Tables {
		ht := htmlTableOf(t, anchor, ti, true)
		ht.setLegend(legend(t))
		for ri, r := range t.Rows {
			for _, id := range rowRuns(r) {
				run, ok := byID[id]
				if !ok {
					continue
				}
				ht.Rows[ri].Runs = append(ht.Rows[ri].Runs, runLink(run, "", "seed "+strconv.FormatInt(run.Config.Seed, 10)))
				p := page(run, fmt.Sprintf("%s %s, %s, seed %d", t.RowHeader, r.Label, run.Config.Dataset, run.Config.Seed))
				p.Back = append(p.Back, htmlRunLink{Href: "../" + htmlIndex + "#" + ht.Rows[ri].Anchor,
					Label: fmt.Sprintf("%s: %s, row %s", sr.Name, kindTitle(t.Kind), r.Label)})
			}
		}
		hs.Tables = append(hs.Tables, ht)
		if t.Published != nil {
			pt := htmlTableOf(*t.Published, anchor+"-published", ti, false)
			pt.Title = publishedTitle(*t.Published)
			pt.setLegend(publishedLegend(*t.Published, source))
			hs.Tables = append(hs.Tables, pt)
		}
	}
	for _, r := range runs {
		p := page(r, runLabel(r))
		p.Back = append(p.Back, htmlRunLink{Href: "../" + htmlIndex + "#" + anchor + "-runs", Label: sr.Name + ": all runs"})
		hs.Runs = append(hs.Runs, runLink(r, "", runLabel(r)))
	}
	for i, pl := range sr.Plots {
		f := htmlFigure{Kind: pl.Kind, Title: pl.Title, Src: plotLink(pl.Path, opt.LinkBase), Anchor: fmt.Sprintf("%s-plot-%d", anchor, i)}
		if pl.Kind != PlotLoss {
			hs.Figures = append(hs.Figures, f)
			continue
		}
		f.Href = runHref("", pl.Run)
		if p := pages[pl.Run]; p != nil {
			p.Loss = plotLink(pl.Path, filepath.Join(opt.LinkBase, htmlRunsDir))
		}
		hs.Losses = append(hs.Losses, f)
	}
	return hs, nil
}

// rowRuns lists the runs behind a row's cells, each once, in order of first appearance.
func rowRuns(r Row) []string {
	var out []string
	for _, c := range r.Cells {
		for _, v := range c.Values {
			if v.Run != "" && !slices.Contains(out, v.Run) {
				out = append(out, v.Run)
			}
		}
	}
	return out
}

func runLabel(r results.Run) string {
	label := r.Config.Variant
	if label == "" {
		label = string(r.Config.Mode)
	}
	return fmt.Sprintf("%s %s seed %d", label, r.Config.Dataset, r.Config.Seed)
}

// runHref is the link to a run's page from a page in folder from ("" for the index).
func runHref(from, id string) string {
	if from == htmlRunsDir {
		return safeName(id) + ".html"
	}
	return htmlRunsDir + "/" + safeName(id) + ".html"
}

func runLink(r results.Run, from, label string) htmlRunLink {
	return htmlRunLink{ID: r.ID, Href: runHref(from, r.ID), Label: label, Status: string(r.Status), Seed: r.Config.Seed}
}

// htmlTableOf lays out table t with the Markdown report's headings, cell texts and marks;
// ours adds the seed counts and the links to the runs.
func htmlTableOf(t Table, anchor string, ti int, ours bool) htmlTable {
	paper := ""
	if t.Paper != "" {
		paper = fmt.Sprintf(" (cf. paper %s)", t.Paper)
	}
	ht := htmlTable{Title: kindTitle(t.Kind) + paper, Datasets: strings.Join(t.Datasets(), ", "),
		Header: gridHeader(t), Noise: noiseText(t), Ours: ours}
	if ours {
		ht.Header = withN(ht.Header, "n")
	}
	dec := t.columnDecimals()
	for ri, r := range t.Rows {
		hr := htmlRow{Label: r.Label, Published: r.Published, Anchor: fmt.Sprintf("%s-t%d-r%d", anchor, ti, ri)}
		if ours {
			hr.Cells = append(hr.Cells, htmlCell{Text: rowN(r)})
		}
		for i, c := range r.Cells {
			for _, j := range t.epochColsBefore(i) {
				hr.Cells = append(hr.Cells, htmlCell{Text: epochText(r, j), Epoch: true})
			}
			hr.Cells = append(hr.Cells, htmlCell{Text: cellText(c, dec[i], r.Published), Best: c.Best, Tied: c.Tied})
		}
		ht.Rows = append(ht.Rows, hr)
	}
	return ht
}

// setLegend splits the Markdown legend around its bold mark, which the page shows in bold.
func (ht *htmlTable) setLegend(legend string) {
	before, after, ok := strings.Cut(legend, "**Bold**")
	ht.LegendBefore, ht.LegendAfter, ht.Bold = before, after, ok
}

// fill reads what a run's page shows besides the run: its configuration, provenance,
// metrics and the tail of its log.
func (p *htmlRunPage) fill(s *results.Store, runsDir string) error {
	var cfg bytes.Buffer
	if err := json.Indent(&cfg, p.Run.Config.Canonical(), "", "  "); err != nil {
		return err
	}
	p.Config = cfg.String()
	prov, ok, err := s.Provenance(p.Run.ID)
	if err != nil {
		return err
	}
	if ok {
		p.Provenance = &prov
		for m, v := range prov.Modules {
			p.Modules = append(p.Modules, m+" "+v)
		}
		slices.Sort(p.Modules)
	}
	if p.Metrics, err = s.Metrics(p.Run.ID); err != nil {
		return err
	}
	p.Started, p.Finished = utcText(p.Run.Started), utcText(p.Run.Finished)
	p.Log, p.LogSource = p.Run.LogTail, "the log tail recorded in the database"
	if p.Run.Dir != "" {
		path := filepath.Join(p.Run.Dir, rundir.LogFile)
		tail, err := fileTail(path, logTailLines)
		switch {
		case err == nil:
			p.Log, p.LogSource = tail, fmt.Sprintf("the last %d lines of %s", logTailLines, path)
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
	}
	return nil
}

// utcText is t in RFC 3339 in UTC, so that a page reads the same wherever it was made;
// "—" when t is zero.
func utcText(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.RFC3339)
}

// fileTail is the last n lines of the file at path, read from at most its last 64 KiB.
func fileTail(path string, n int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	const most = 64 << 10
	off := max(0, st.Size()-most)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && err != io.EOF {
		return "", err
	}
	lines := strings.SplitAfter(strings.TrimRight(string(b), "\n"), "\n")
	if off > 0 && len(lines) > 0 {
		lines = lines[1:] // the first may be cut
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, ""), nil
}

// writeTemplate executes tmpl with data and writes the page to path atomically.
func writeTemplate(path string, tmpl *template.Template, data any) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, buf.Bytes())
}

// htmlStyle is the pages' style sheet, inline in each page.
const htmlStyle = `
body { font-family: sans-serif; margin: 1.5em 2em; color: #111; background: #fff; max-width: 1200px; }
h1, h2, h3 { font-weight: 600; }
h2 { border-bottom: 2px solid #444; padding-bottom: 0.2em; margin-top: 1.5em; }
table.results { border-collapse: collapse; margin: 0.8em 0; }
table.results th, table.results td { border: 1px solid #333; padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
table.results th { background: #e8e8e8; }
table.results td.label, table.results th:first-child { text-align: left; }
table.results tr.published td { color: #555; font-style: italic; background: #f6f6f6; }
table.results td.epoch { color: #555; }
table.results td.best { font-weight: bold; }
table.results tr:target td { background: #fff3b0; }
td.runs a { font-size: 0.8em; margin-right: 0.4em; }
table.results th.runs, table.results td.runs { text-align: left; }
p.noise { color: #8a4b00; }
p.legend { font-size: 0.85em; color: #333; max-width: 60em; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #ccc; }
figcaption { font-size: 0.85em; max-width: 40em; }
img.missing { min-width: 12em; min-height: 3em; outline: 2px solid #c00; }
ul.losses, ul.runs { columns: 2; }
table.kv { border-collapse: collapse; }
table.kv th, table.kv td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
pre { background: #f4f4f4; border: 1px solid #ccc; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
.status-failed, .status-interrupted { color: #b00; }
`

// htmlImageCheck marks images that did not load, so that a folder moved without its plots
// shows it, and records each image's natural width.
const htmlImageCheck = `
window.addEventListener("load", function () {
  for (const img of document.images) {
    img.dataset.naturalWidth = img.naturalWidth;
    if (!img.naturalWidth) { img.classList.add("missing"); }
  }
});
`

var htmlFuncs = template.FuncMap{
	"style":  func() template.CSS { return template.CSS(htmlStyle) },
	"script": func() template.JS { return template.JS(htmlImageCheck) },
}

var indexTemplate = template.Must(template.New("index").Funcs(htmlFuncs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Results</title>
<style>{{style}}</style>
<script>{{script}}</script>
</head>
<body>
<h1>Results</h1>
{{if not .Sweeps}}<p>No runs recorded.</p>{{end}}
{{if gt (len .Sweeps) 1}}<nav><ul>{{range .Sweeps}}<li><a href="#{{.Anchor}}">Sweep {{.Name}}</a></li>{{end}}</ul></nav>{{end}}
{{range .Sweeps}}
<section id="{{.Anchor}}">
<h2>Sweep <code>{{.Name}}</code></h2>
<p>Runs: {{.Counts}}.</p>
{{if not .Tables}}<p>No completed runs yet.</p>{{end}}
{{range .Tables}}
<h3>{{.Title}}</h3>
<p>Datasets: {{.Datasets}}.</p>
<table class="results{{if not .Ours}} published{{end}}">
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}{{if .Ours}}<th class="runs">runs</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr id="{{.Anchor}}"{{if .Published}} class="published"{{end}}><td class="label">{{.Label}}</td>{{range .Cells}}<td{{if .Best}} class="best"{{else if .Epoch}} class="epoch"{{end}}>{{.Text}}{{if and .Tied (not .Best)}} †{{end}}</td>{{end}}{{if .Runs}}<td class="runs">{{range .Runs}}<a href="{{.Href}}" title="run {{.ID}}">{{.Label}}</a>{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{with .Noise}}<p class="noise">{{.}}</p>{{end}}
<p class="legend">{{.LegendBefore}}{{if .Bold}}<strong>Bold</strong>{{end}}{{.LegendAfter}}</p>
{{end}}
{{if .Figures}}<h3>Plots</h3>
{{range .Figures}}<figure id="{{.Anchor}}" class="{{.Kind}}"><img src="{{.Src}}" alt="{{.Title}}">{{if ne .Kind "grid"}}<figcaption>{{.Title}}</figcaption>{{end}}</figure>
{{end}}{{end}}
{{if .Losses}}<h3>Loss curves</h3>
<ul class="losses">{{range .Losses}}<li><a href="{{.Href}}">{{.Title}}</a> (<a href="{{.Src}}">plot</a>)</li>{{end}}</ul>{{end}}
<h3 id="{{.Anchor}}-runs">Runs</h3>
<ul class="runs">{{range .Runs}}<li><a href="{{.Href}}">{{.ID}}</a> {{.Label}}: <span class="status-{{.Status}}">{{.Status}}</span></li>{{end}}</ul>
</section>
{{end}}
{{with .Source}}<p class="legend">Published numbers: {{.}}.</p>{{end}}
</body>
</html>
`))

var runTemplate = template.Must(template.New("run").Funcs(htmlFuncs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Run {{.Run.ID}}</title>
<style>{{style}}</style>
<script>{{script}}</script>
</head>
<body>
<p><a href="../index.html">Results</a>{{range .Back}} · <a href="{{.Href}}">{{.Label}}</a>{{end}}</p>
<h1>Run <code>{{.Run.ID}}</code></h1>
<p>{{.Label}}</p>
<table class="kv">
<tr><th>status</th><td class="status-{{.Run.Status}}">{{.Run.Status}}</td></tr>
<tr><th>sweeps</th><td>{{range $i, $s := .Sweeps}}{{if $i}}, {{end}}{{$s}}{{end}}</td></tr>
<tr><th>seed</th><td>{{.Run.Config.Seed}}</td></tr>
<tr><th>attempts</th><td>{{.Run.Attempts}}</td></tr>
<tr><th>device</th><td>{{.Run.Device}}</td></tr>
<tr><th>run directory</th><td><code>{{.Run.Dir}}</code></td></tr>
<tr><th>started</th><td>{{.Started}}</td></tr>
<tr><th>finished</th><td>{{.Finished}}</td></tr>
{{with .Run.Error}}<tr><th>error</th><td class="status-failed">{{.}}</td></tr>{{end}}
</table>
{{if .Metrics}}<h2>Metrics</h2>
<table class="kv"><tr><th>metric</th><th>value</th><th>epoch</th><th>step</th><th>identity</th></tr>
{{range .Metrics}}<tr><td>{{.Name}}</td><td>{{.Value}}</td><td>{{.Epoch}}</td><td>{{.Step}}</td><td>{{.Identity}}</td></tr>
{{end}}</table>{{end}}
<h2>Losses</h2>
{{if .Loss}}<figure class="loss"><img src="{{.Loss}}" alt="losses of run {{.Run.ID}}"><figcaption>Logged training losses</figcaption></figure>{{else}}<p>No losses recorded.</p>{{end}}
<h2>Configuration</h2>
<pre class="config">{{.Config}}</pre>
<h2>Provenance</h2>
{{with .Provenance}}<table class="kv">
<tr><th>git commit</th><td><code>{{.GitCommit}}</code>{{if .GitDirty}} (uncommitted changes){{end}}</td></tr>
{{with .DiffHash}}<tr><th>diff hash</th><td><code>{{.}}</code></td></tr>{{end}}
<tr><th>backend</th><td>{{.Backend}}</td></tr>
<tr><th>Go</th><td>{{.GoVersion}}</td></tr>
<tr><th>host</th><td>{{.Host}}</td></tr>
<tr><th>CPU</th><td>{{.CPU}}</td></tr>
<tr><th>seed</th><td>{{.Seed}}</td></tr>
<tr><th>recorded</th><td>{{.Recorded.UTC.Format "2006-01-02T15:04:05Z07:00"}}</td></tr>
</table>{{else}}<p>No provenance recorded.</p>{{end}}
{{if .Modules}}<details><summary>modules</summary><pre>{{range .Modules}}{{.}}
{{end}}</pre></details>{{end}}
<h2>Log</h2>
{{if .Log}}<p>From {{.LogSource}}:</p>
<pre class="log">{{.Log}}</pre>{{else}}<p>No log recorded.</p>{{end}}
</body>
</html>
`))
