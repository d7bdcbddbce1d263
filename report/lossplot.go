package report

import (
	"fmt"
	"image/color"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"sweep/results"
)

// PlotLosses is one training loss of every row, overlaid: a line per row, the spread over
// its seeds as a band.
const PlotLosses PlotKind = "losses"

// Loss bands: how the spread of a row's seeds is shown around its mean loss.
const (
	BandMinMax = "minmax" // from the lowest to the highest seed
	BandStd    = "std"    // mean ± sample standard deviation
)

// LossBands lists the loss bands a report can be asked for.
var LossBands = []string{BandMinMax, BandStd}

// checkLossOptions refuses an unknown band or a smoothing weight outside [0, 1).
func checkLossOptions(band string, smooth float64) error {
	if band != "" && !slices.Contains(LossBands, band) {
		return fmt.Errorf("loss band %q is unknown; allowed: %s", band, strings.Join(LossBands, ", "))
	}
	if smooth < 0 || smooth >= 1 || math.IsNaN(smooth) {
		return fmt.Errorf("loss smoothing %v is outside [0, 1): it is the weight an EMA gives the previous value", smooth)
	}
	return nil
}

// lossLine is one row's logged values of one loss: per seed, its (smoothed) points.
type lossLine struct {
	label string
	seeds []plotter.XYs
}

// writeLossOverlays draws, per column group and loss name, the loss of every row against
// the iteration: the mean over the row's seeds as a line, their spread as a band.
func writeLossOverlays(s *results.Store, dir string, d *sweepData, t Table, opt Options, ext string) ([]Plot, error) {
	var out []Plot
	for _, cg := range colGroups(t) {
		byName, err := lossLines(s, d, t, cg, opt.LossSmooth)
		if err != nil {
			return nil, err
		}
		for _, name := range slices.Sorted(maps.Keys(byName)) {
			title := lossTitle(t, cg, name, opt)
			path := filepath.Join(dir, plotName(ext, "losses", cg.Dataset, cg.Side, name))
			if err := saveLossOverlay(path, title, name, byName[name], opt.LossBand); err != nil {
				return nil, err
			}
			out = append(out, Plot{Kind: PlotLosses, Title: strings.ReplaceAll(title, "\n", "; "), Path: path})
		}
	}
	return out, nil
}

// lossLines reads the losses of the runs in column group cg, in row order: loss name ->
// one line per row that logged it.
func lossLines(s *results.Store, d *sweepData, t Table, cg ColGroup, smooth float64) (map[string][]lossLine, error) {
	out := map[string][]lossLine{}
	for _, r := range t.Rows {
		for _, g := range d.Groups {
			if !slices.Contains(r.Groups, g.Key) || colGroup(t.Kind, g.Config) != cg {
				continue
			}
			perName := map[string][]plotter.XYs{}
			for _, run := range g.Runs {
				losses, err := s.Losses(run.ID)
				if err != nil {
					return nil, err
				}
				for name, xys := range lossSeries(losses) {
					perName[name] = append(perName[name], ema(xys, smooth))
				}
			}
			for name, seeds := range perName {
				out[name] = append(out[name], lossLine{label: r.Label, seeds: seeds})
			}
		}
	}
	return out, nil
}

// lossSeries splits one run's losses by name, in logged order.
func lossSeries(losses []results.Loss) map[string]plotter.XYs {
	out := map[string]plotter.XYs{}
	for _, l := range losses {
		out[l.Name] = append(out[l.Name], plotter.XY{X: float64(l.Iter), Y: l.Value})
	}
	return out
}

// ema smooths the values with an exponential moving average giving the previous smoothed
// value weight w (0: unchanged).
func ema(xys plotter.XYs, w float64) plotter.XYs {
	out := make(plotter.XYs, len(xys))
	for i, xy := range xys {
		out[i] = xy
		if i > 0 && w > 0 {
			out[i].Y = w*out[i-1].Y + (1-w)*xy.Y
		}
	}
	return out
}

// lossTitle says which loss, where, and how the lines and bands are made.
func lossTitle(t Table, cg ColGroup, name string, opt Options) string {
	band := "min–max"
	if opt.LossBand == BandStd {
		band = "± std"
	}
	how := "line: mean over seeds, band: " + band + " over seeds"
	if opt.LossSmooth > 0 {
		how += fmt.Sprintf(", EMA %g", opt.LossSmooth)
	}
	where := strings.TrimSpace(cg.Dataset + " " + cg.Side)
	return fmt.Sprintf("%s, %s: loss %s\n%s", t.Sweep, where, name, how)
}

// spread is a line's mean and band at each iteration any seed logged.
type spread struct {
	mean, lo, hi plotter.XYs
}

// spreadOf computes, at each iteration, the mean of the seeds that logged it and the band.
func (l lossLine) spreadOf(band string) spread {
	at := map[float64][]float64{}
	for _, xys := range l.seeds {
		for _, xy := range xys {
			at[xy.X] = append(at[xy.X], xy.Y)
		}
	}
	var sp spread
	for _, x := range slices.Sorted(maps.Keys(at)) {
		vs := at[x]
		m := stat.Mean(vs, nil)
		lo, hi := slices.Min(vs), slices.Max(vs)
		if band == BandStd {
			sd := 0.0
			if len(vs) > 1 {
				sd = stat.StdDev(vs, nil)
			}
			lo, hi = m-sd, m+sd
		}
		sp.mean = append(sp.mean, plotter.XY{X: x, Y: m})
		sp.lo = append(sp.lo, plotter.XY{X: x, Y: lo})
		sp.hi = append(sp.hi, plotter.XY{X: x, Y: hi})
	}
	return sp
}

// bandPolygon is the area between lo and hi: along hi, then back along lo.
func bandPolygon(sp spread, c color.Color) (*plotter.Polygon, error) {
	ring := slices.Clone(sp.hi)
	for i := len(sp.lo) - 1; i >= 0; i-- {
		ring = append(ring, sp.lo[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, err
	}
	r, g, b, _ := c.RGBA()
	poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 64}
	poly.LineStyle.Width = 0
	return poly, nil
}

func saveLossOverlay(path, title, name string, lines []lossLine, band string) error {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = name
	spreads := make([]spread, len(lines))
	for i, l := range lines { // every band first, so that no band covers another row's line
		spreads[i] = l.spreadOf(band)
		if len(l.seeds) > 1 {
			poly, err := bandPolygon(spreads[i], plotutil.Color(i))
			if err != nil {
				return fmt.Errorf("%s: %s: %w", path, l.label, err)
			}
			p.Add(poly)
		}
	}
	for i, l := range lines {
		line, err := plotter.NewLine(spreads[i].mean)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, l.label, err)
		}
		line.Color, line.Width, line.Dashes = plotutil.Color(i), vg.Points(1.5), plotutil.Dashes(i)
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s (%d seeds)", l.label, len(l.seeds)), line)
	}
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(8) // keep the line samples off the plot's right edge
	return savePlot(p, max(6*vg.Inch, titleWidth(p)), 4*vg.Inch, path)
}
