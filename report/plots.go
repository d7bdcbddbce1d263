package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"sweep/results"
)

// PlotKind is what a plot shows.
type PlotKind string

// Plot kinds.
const (
	PlotBar   PlotKind = "bar"   // one metric per row of a table, mean with std error bars
	PlotGrid  PlotKind = "grid"  // test inputs and each row's outputs for one seed
	PlotLoss  PlotKind = "loss"  // one run's training losses
	PlotEpoch PlotKind = "epoch" // one metric against epoch, one line per row
)

// Plot is one written PNG.
type Plot struct {
	Kind  PlotKind `json:"kind"`
	Title string   `json:"title"`
	Path  string   `json:"path"`
	Run   string   `json:"run,omitempty"` // the run a loss curve is of
}

// defaultGridImages is how many test images an image grid shows unless told otherwise.
const defaultGridImages = 4

// writePlots writes a sweep's bar charts, metric-versus-epoch curves, image grids and loss
// curves under opt.PlotsDir/<sweep>/ and returns them in that order.
func writePlots(s *results.Store, d *sweepData, t Table, opt Options) ([]Plot, error) {
	dir := filepath.Join(opt.PlotsDir, safeName(d.Name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	bars, err := writeBars(dir, t)
	if err != nil {
		return nil, err
	}
	curves, err := writeEpochCurves(dir, d, t)
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
	losses, err := writeLossCurves(s, dir, d, t)
	if err != nil {
		return nil, err
	}
	return slices.Concat(bars, curves, grids, losses), nil
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

// meanErrs is bar positions and heights with symmetric error bars, for plotter.NewYErrorBars.
type meanErrs struct {
	plotter.XYs
	plotter.YErrors
}

// writeBars draws, per column of the table, one bar per row of ours with the std as error bar.
func writeBars(dir string, t Table) ([]Plot, error) {
	var out []Plot
	for i, c := range t.Columns {
		var labels []string
		var me meanErrs
		for _, r := range t.Rows {
			if r.Published || r.Cells[i].N == 0 {
				continue
			}
			st := r.Cells[i].Stat
			labels = append(labels, r.Label)
			me.XYs = append(me.XYs, plotter.XY{X: float64(len(labels) - 1), Y: st.Mean})
			me.YErrors = append(me.YErrors, struct{ Low, High float64 }{st.Std, st.Std})
		}
		if len(labels) == 0 {
			continue
		}
		title := columnTitle(t, c, "")
		path := filepath.Join(dir, plotFile("bar", c.Group.Dataset, c.Metric, c.Group.Side))
		if err := saveBars(path, title, c.Metric, labels, me); err != nil {
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

func saveBars(path, title, metric string, labels []string, me meanErrs) error {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = metric
	vals := make(plotter.Values, len(me.XYs))
	for i, xy := range me.XYs {
		vals[i] = xy.Y
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(24))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	bars.Color = plotutil.Color(0)
	errs, err := plotter.NewYErrorBars(me)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	p.Add(bars, errs)
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(labels))-0.4
	width := vg.Length(max(4, 1.2*float64(len(labels)))) * vg.Inch
	if err := p.Save(width, 3.5*vg.Inch, path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeLossCurves draws every completed run's logged losses, one line per loss name.
func writeLossCurves(s *results.Store, dir string, d *sweepData, t Table) ([]Plot, error) {
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
			path := filepath.Join(dir, plotFile("loss", label, fmt.Sprintf("seed%d", r.Config.Seed), r.ID))
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
	p := plot.New()
	p.Title.Text = title
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
	if err := p.Save(6*vg.Inch, 4*vg.Inch, path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// plotFile names a PNG after its non-empty parts.
func plotFile(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, safeName(p))
		}
	}
	return strings.Join(keep, "-") + ".png"
}
