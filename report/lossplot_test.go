package report

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

	"sweep/results"
)

func TestEMA(t *testing.T) {
	in := plotter.XYs{{X: 1, Y: 4}, {X: 2, Y: 0}, {X: 3, Y: 8}}
	cases := []struct {
		w    float64
		want []float64
	}{
		{0, []float64{4, 0, 8}},
		{0.5, []float64{4, 2, 5}},
		{0.75, []float64{4, 3, 4.25}},
	}
	for _, c := range cases {
		got := ema(in, c.w)
		for i, xy := range got {
			if xy.X != in[i].X || math.Abs(xy.Y-c.want[i]) > 1e-12 {
				t.Errorf("ema w=%v: point %d = %v, want (%v, %v)", c.w, i, xy, in[i].X, c.want[i])
			}
		}
	}
}

// A row's line is the mean over the seeds that logged each iteration; its band is the
// seeds' min..max, or mean ± std.
func TestLossSpread(t *testing.T) {
	l := lossLine{label: "A", seeds: []plotter.XYs{
		{{X: 1, Y: 1}, {X: 2, Y: 2}},
		{{X: 1, Y: 3}, {X: 2, Y: 4}, {X: 3, Y: 5}},
	}}
	cases := []struct {
		band           string
		mean, lo, hi   []float64
		wantIterations []float64
	}{
		{BandMinMax, []float64{2, 3, 5}, []float64{1, 2, 5}, []float64{3, 4, 5}, []float64{1, 2, 3}},
		{BandStd, []float64{2, 3, 5}, []float64{2 - math.Sqrt2, 3 - math.Sqrt2, 5}, []float64{2 + math.Sqrt2, 3 + math.Sqrt2, 5}, []float64{1, 2, 3}},
	}
	for _, c := range cases {
		sp := l.spreadOf(c.band)
		for i := range c.mean {
			if sp.mean[i].X != c.wantIterations[i] || !closeTo(sp.mean[i].Y, c.mean[i]) || !closeTo(sp.lo[i].Y, c.lo[i]) || !closeTo(sp.hi[i].Y, c.hi[i]) {
				t.Errorf("%s at %d: mean %v lo %v hi %v, want %v %v %v", c.band, i, sp.mean[i], sp.lo[i], sp.hi[i], c.mean[i], c.lo[i], c.hi[i])
			}
		}
	}
}

func closeTo(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// One overlay per loss name, each with one line per row; refused options name themselves.
func TestLossOverlays(t *testing.T) {
	root := t.TempDir()
	s := newStore(t)
	fakes := plotFakes(t, root)
	for i := range fakes {
		fakes[i].losses = append(fakes[i].losses, results.Loss{Iter: 3, Name: "NCE", Value: float64(i)})
	}
	addFakes(t, s, fakes)
	for _, opt := range []Options{
		{Format: "md", PlotsDir: filepath.Join(root, "minmax")},
		{Format: "md", PlotsDir: filepath.Join(root, "std"), LossBand: BandStd, LossSmooth: 0.9, PlotFormat: "svg"},
	} {
		rep, err := Build(s, opt)
		mustDo(t, err)
		var names []string
		for _, p := range rep.Sweeps[0].Plots {
			if p.Kind == PlotLosses {
				names = append(names, filepath.Base(p.Path))
				if opt.LossSmooth > 0 && !strings.Contains(p.Title, "EMA 0.9") {
					t.Errorf("title %q does not name the smoothing", p.Title)
				}
				if strings.Contains(p.Title, "\n") {
					t.Errorf("title %q has a line break", p.Title)
				}
			}
		}
		ext := "." + opt.plotFormatOrPNG()
		want := "losses-builtin_zebra-D" + ext + " losses-builtin_zebra-G" + ext + " losses-builtin_zebra-NCE" + ext
		if strings.Join(names, " ") != want {
			t.Errorf("overlays %v, want %s", names, want)
		}
	}
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{Format: "md", LossBand: "iqr"}, `loss band "iqr" is unknown`},
		{Options{Format: "md", LossSmooth: 1}, "loss smoothing 1 is outside [0, 1)"},
		{Options{Format: "md", LossSmooth: -0.1}, "loss smoothing -0.1 is outside"},
	} {
		if _, err := Build(s, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.opt, err, c.want)
		}
	}
}

func (opt Options) plotFormatOrPNG() string {
	if opt.PlotFormat == "" {
		return "png"
	}
	return opt.PlotFormat
}
