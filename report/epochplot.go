package report

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// epochLine is one row's values of one metric: per seed, epoch -> value.
type epochLine struct {
	label string
	seeds []map[int]float64
}

// writeEpochCurves draws, for each column whose metric some run has at several epochs, the
// metric against epoch: one line per row (the mean over the seeds that have each epoch) and
// each seed's values as points.
func writeEpochCurves(dir string, d *sweepData, t Table, ext string) ([]Plot, error) {
	byKey := map[string]*Group{}
	for _, g := range d.Groups {
		byKey[g.Key] = g
	}
	var out []Plot
	for _, c := range t.Columns {
		lines := epochLines(t, c, byKey)
		if !slices.ContainsFunc(lines, epochLine.several) {
			continue
		}
		title := columnTitle(t, c, " by epoch")
		path := filepath.Join(dir, plotName(ext, "epoch", c.Group.Dataset, c.Metric, c.Group.Side))
		if err := saveEpochCurves(path, title, c.Metric, lines); err != nil {
			return nil, err
		}
		out = append(out, Plot{Kind: PlotEpoch, Title: title, Path: path})
	}
	return out, nil
}

// epochLines collects, in row order, every recorded value of column c's metric.
func epochLines(t Table, c Column, byKey map[string]*Group) []epochLine {
	var out []epochLine
	for _, r := range t.Rows {
		for _, k := range r.Groups {
			g := byKey[k]
			if colGroup(t.Kind, g.Config) != c.Group {
				continue
			}
			l := epochLine{label: r.Label}
			for _, h := range g.History {
				if byEpoch := h[c.Metric]; len(byEpoch) > 0 {
					l.seeds = append(l.seeds, byEpoch)
				}
			}
			if len(l.seeds) > 0 {
				out = append(out, l)
			}
		}
	}
	return out
}

// several reports whether a seed of the line has the metric at more than one epoch.
func (l epochLine) several() bool {
	return slices.ContainsFunc(l.seeds, func(m map[int]float64) bool { return len(m) > 1 })
}

// epochs lists the epochs any seed of the line has, in order.
func (l epochLine) epochs() []int {
	set := map[int]bool{}
	for _, m := range l.seeds {
		for e := range m {
			set[e] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// means is the mean over the seeds that have each epoch.
func (l epochLine) means() plotter.XYs {
	var out plotter.XYs
	for _, e := range l.epochs() {
		var vs []float64
		for _, m := range l.seeds {
			if v, ok := m[e]; ok {
				vs = append(vs, v)
			}
		}
		out = append(out, plotter.XY{X: float64(e), Y: stat.Mean(vs, nil)})
	}
	return out
}

// points is every seed's value at every epoch.
func (l epochLine) points() plotter.XYs {
	var out plotter.XYs
	for _, m := range l.seeds {
		for _, e := range slices.Sorted(maps.Keys(m)) {
			out = append(out, plotter.XY{X: float64(e), Y: m[e]})
		}
	}
	return out
}

func saveEpochCurves(path, title, metric string, lines []epochLine) error {
	p := newPlot(title + "\nline: mean over seeds; points: one per seed")
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = metric
	var all []int
	for i, l := range lines {
		line, err := plotter.NewLine(l.means())
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, l.label, err)
		}
		line.Color = plotutil.Color(i)
		line.Dashes = plotutil.Dashes(i)
		pts, err := plotter.NewScatter(l.points())
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, l.label, err)
		}
		pts.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(i), Shape: plotutil.Shape(i), Radius: vg.Points(2.5)}
		p.Add(line, pts)
		p.Legend.Add(l.label, line, pts)
		all = append(all, l.epochs()...)
	}
	p.X.Tick.Marker = epochTicks(all)
	lo, hi := float64(slices.Min(all)), float64(slices.Max(all))
	p.X.Min, p.X.Max = lo-0.05*(hi-lo), hi+0.05*(hi-lo)
	p.Legend.Top = true
	return savePlot(p, max(6*vg.Inch, titleWidth(p)), 4*vg.Inch, path)
}

// epochTicks marks every epoch when there are few, else leaves gonum's default ticks.
func epochTicks(epochs []int) plot.Ticker {
	slices.Sort(epochs)
	epochs = slices.Compact(epochs)
	if len(epochs) > 12 {
		return plot.DefaultTicks{}
	}
	ticks := make(plot.ConstantTicks, len(epochs))
	for i, e := range epochs {
		ticks[i] = plot.Tick{Value: float64(e), Label: strconv.Itoa(e)}
	}
	return ticks
}
