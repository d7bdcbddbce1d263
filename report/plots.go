package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"sweep/internal/atomicfile"

	"sweep/results"
)

// PlotKind is what a plot shows.
type PlotKind string

// Plot kinds.
const (
	PlotBar   PlotKind = "bar"   // one metric per row of a table: mean ± std and each seed's value
	PlotGrid  PlotKind = "grid"  // test inputs and each row's outputs for one seed
	PlotLoss  PlotKind = "loss"  // one run's training losses
	PlotEpoch PlotKind = "epoch" // one metric against epoch, one line per row
)

// Plot is one written plot or image grid.
type Plot struct {
	Kind  PlotKind `json:"kind"`
	Title string   `json:"title"`
	Path  string   `json:"path"`
	Run   string   `json:"run,omitempty"` // the run a loss curve is of
}

// defaultGridImages is how many test images an image grid shows unless told otherwise.
const defaultGridImages = 4

// writePlots writes a sweep's bar charts, metric-versus-epoch curves, loss curves of every
// row overlaid, image grids and each run's loss curves under opt.PlotsDir/<sweep>/ and
// returns them in that order.
func writePlots(s *results.Store, d *sweepData, t Table, opt Options) ([]Plot, error) {
	dir := filepath.Join(opt.PlotsDir, safeName(d.Name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ext := opt.PlotFormat
	if ext == "" {
		ext = "png"
	}
	bars, err := writeBars(dir, t, ext)
	if err != nil {
		return nil, err
	}
	curves, err := writeEpochCurves(dir, d, t, ext)
	if err != nil {
		return nil, err
	}
	n := opt.GridImages
	if n <= 0 {
		n = defaultGridImages
	}
	grids, err := writeGrids(dir, d, t, n)
	if err != nil {
		return nil, err
	}
	overlays, err := writeLossOverlays(s, dir, d, t, opt, ext)
	if err != nil {
		return nil, err
	}
	losses, err := writeLossCurves(s, dir, d, t, ext)
	if err != nil {
		return nil, err
	}
	return slices.Concat(bars, curves, overlays, grids, losses), nil
}

// safeName keeps a name usable as a file name on any system.
func safeName(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, s)
}

// meanErrs is the rows' means with symmetric error bars, for plotter.NewYErrorBars.
type meanErrs struct {
	plotter.XYs
	plotter.YErrors
}

// barRow is one row of a bar chart: its label, mean ± std and each seed's value.
type barRow struct {
	label string
	stat  Stat
	seeds []float64
}

// writeBars draws, per column of the table, each row of ours as its mean ± std with each
// seed's value as a point.
func writeBars(dir string, t Table, ext string) ([]Plot, error) {
	var out []Plot
	for i, c := range t.Columns {
		var rows []barRow
		for _, r := range t.Rows {
			if r.Published || r.Cells[i].N == 0 {
				continue
			}
			br := barRow{label: r.Label, stat: r.Cells[i].Stat}
			for _, v := range r.Cells[i].Values {
				br.seeds = append(br.seeds, v.Value)
			}
			rows = append(rows, br)
		}
		if len(rows) == 0 {
			continue
		}
		title := columnTitle(t, c, "")
		path := filepath.Join(dir, plotName(ext, "bar", c.Group.Dataset, c.Metric, c.Group.Side))
		if err := saveBars(path, title, c.Metric, rows); err != nil {
			return nil, err
		}
		out = append(out, Plot{Kind: PlotBar, Title: title, Path: path})
	}
	return out, nil
}

// columnTitle names a column's plot: sweep, dataset, heading, what the plot shows, direction.
func columnTitle(t Table, c Column, what string) string {
	if len(t.Datasets()) == 1 {
		return fmt.Sprintf("%s, %s: %s%s (%s is better)", t.Sweep, c.Group.Dataset, t.header(c), what, c.Better)
	}
	return fmt.Sprintf("%s: %s%s (%s is better)", t.Sweep, t.header(c), what, c.Better)
}

// saveBars draws each row's mean as a short thick bar with ± std error bars, and its seeds'
// values as points side by side over it. The y axis spans the values, not down to 0:
// the differences between rows are what the chart is for.
func saveBars(path, title, metric string, rows []barRow) error {
	p := newPlot(title + "\nbar: mean ± std over seeds; points: one per seed")
	p.Y.Label.Text = metric
	var me meanErrs
	var labels []string
	var seedPts plotter.XYs
	for i, r := range rows {
		x := float64(i)
		labels = append(labels, r.label)
		me.XYs = append(me.XYs, plotter.XY{X: x, Y: r.stat.Mean})
		me.YErrors = append(me.YErrors, struct{ Low, High float64 }{r.stat.Std, r.stat.Std})
		mean, err := plotter.NewLine(plotter.XYs{{X: x - 0.25, Y: r.stat.Mean}, {X: x + 0.25, Y: r.stat.Mean}})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		mean.Color, mean.Width = plotutil.Color(0), vg.Points(5)
		p.Add(mean)
		for k, v := range r.seeds {
			off := 0.0 // a row's seeds side by side, so that equal values stay visible
			if len(r.seeds) > 1 {
				off = 0.3 * (float64(k)/float64(len(r.seeds)-1) - 0.5)
			}
			seedPts = append(seedPts, plotter.XY{X: x + off, Y: v})
		}
	}
	errs, err := plotter.NewYErrorBars(me)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	errs.LineStyle.Width, errs.CapWidth = vg.Points(1.2), vg.Points(12)
	pts, err := plotter.NewScatter(seedPts)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	pts.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(2), Shape: draw.CircleGlyph{}, Radius: vg.Points(3)}
	p.Add(errs, pts)
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(labels))-0.4
	padY(p)
	width := max(vg.Length(max(4, 1.2*float64(len(labels))))*vg.Inch, titleWidth(p))
	return savePlot(p, width, 3.5*vg.Inch, path)
}

// padY widens the y axis by 8% of its span on each side (of 10% of the value, or 1, when
// every value is equal), so that no point sits on the plot's edge.
func padY(p *plot.Plot) {
	span := p.Y.Max - p.Y.Min
	if span <= 0 {
		span = math.Abs(p.Y.Max)
		if span == 0 {
			span = 1
		}
	}
	p.Y.Min -= 0.08 * span
	p.Y.Max += 0.08 * span
}

// newPlot is a plot titled title, with room above the title so that it is never cut.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(8)
	return p
}

// titleWidth is the width a plot needs for its title (of one or more lines) not to be cut
// at the sides.
func titleWidth(p *plot.Plot) vg.Length {
	w := vg.Length(0)
	for _, line := range strings.Split(p.Title.Text, "\n") {
		w = max(w, p.Title.TextStyle.Width(line))
	}
	return w + vg.Inch/2
}

// savePlot writes p at w×h to path in the format its extension names (png, svg or pdf),
// through a temporary file, so that a crash never leaves half a plot.
func savePlot(p *plot.Plot, w, h vg.Length, path string) error {
	wt, err := p.WriterTo(w, h, strings.TrimPrefix(filepath.Ext(path), "."))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, buf.Bytes())
}

// writeLossCurves draws every completed run's logged losses, one line per loss name.
func writeLossCurves(s *results.Store, dir string, d *sweepData, t Table, ext string) ([]Plot, error) {
	var out []Plot
	for _, g := range d.Groups {
		label := groupLabel(t, g)
		for _, r := range g.Runs {
			losses, err := s.Losses(r.ID)
			if err != nil {
				return nil, err
			}
			if len(losses) == 0 {
				continue
			}
			title := fmt.Sprintf("%s, seed %d: losses", label, r.Config.Seed)
			path := filepath.Join(dir, plotName(ext, "loss", label, fmt.Sprintf("seed%d", r.Config.Seed), r.ID))
			if err := saveLosses(path, title, losses); err != nil {
				return nil, err
			}
			out = append(out, Plot{Kind: PlotLoss, Title: title, Path: path, Run: r.ID})
		}
	}
	return out, nil
}

// groupLabel names a configuration by its row, and by its column group when the table has
// several datasets or sides.
func groupLabel(t Table, g *Group) string {
	label := g.Key
	for _, r := range t.Rows {
		if slices.Contains(r.Groups, g.Key) {
			label = r.Label
		}
	}
	if t.RowHeader != "variant" {
		label = t.RowHeader + " " + label
	}
	cg := colGroup(t.Kind, g.Config)
	if len(t.Datasets()) > 1 {
		label += " " + cg.Dataset
	}
	if cg.Side != "" {
		label += " " + cg.Side
	}
	return label
}

func saveLosses(path, title string, losses []results.Loss) error {
	series := map[string]plotter.XYs{}
	var names []string
	for _, l := range losses {
		if _, ok := series[l.Name]; !ok {
			names = append(names, l.Name)
		}
		series[l.Name] = append(series[l.Name], plotter.XY{X: float64(l.Iter), Y: l.Value})
	}
	sort.Strings(names)
	p := newPlot(title)
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = "loss"
	for i, n := range names {
		line, err := plotter.NewLine(series[n])
		if err != nil {
			return fmt.Errorf("%s: loss %q: %w", path, n, err)
		}
		line.Color = plotutil.Color(i)
		line.Dashes = plotutil.Dashes(i)
		p.Add(line)
		p.Legend.Add(n, line)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return savePlot(p, max(6*vg.Inch, titleWidth(p)), 4*vg.Inch, path)
}

// plotFile names a PNG after its non-empty parts.
func plotFile(parts ...string) string { return plotName("png", parts...) }

// plotName names a file of format ext (png, svg or pdf) after its non-empty parts.
func plotName(ext string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, safeName(p))
		}
	}
	return strings.Join(keep, "-") + "." + ext
}
