package report

import (
	"strings"

	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"sweep/results"
	"sweep/vocab"
)

// plotFakes is a methods sweep on one dataset whose runs have images and losses on disk.
func plotFakes(t *testing.T, root string) []fake {
	var fakes []fake
	for i, v := range []struct {
		variant string
		mode    vocab.Mode
	}{{"CUT", "cut"}, {"Global", "global"}, {"Local", "local"}} {
		for _, f := range seeds(fake{sweep: "methods", variant: v.variant, mode: v.mode, metrics: map[string]float64{"fid": 40 + float64(i), "swd_avg": 30}}, 1, 2) {
			f.dir = filepath.Join(root, "runs", v.variant+"-"+string(rune('0'+f.seed)))
			f.losses = []results.Loss{{Iter: 1, Name: "G", Value: 2}, {Iter: 1, Name: "D", Value: 1}, {Iter: 2, Name: "G", Value: 1.5}, {Iter: 2, Name: "D", Value: 0.8}}
			writeTestImages(t, f.dir, 2, 32, uint8(60*i))
			fakes = append(fakes, f)
		}
	}
	return fakes
}

func TestPlots(t *testing.T) {
	root := t.TempDir()
	s := newStore(t)
	addFakes(t, s, plotFakes(t, root))
	opt := Options{Format: "md", PlotsDir: filepath.Join(root, "plots"), LinkBase: root, GridImages: 3}
	rep, err := Build(s, opt)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[PlotKind]int{}
	for _, p := range rep.Sweeps[0].Plots {
		kinds[p.Kind]++
		checkPNG(t, p.Path)
	}
	// Bars: fid and swd_avg; one grid; a loss curve for each of the 6 runs.
	if kinds[PlotBar] != 2 || kinds[PlotGrid] != 1 || kinds[PlotLoss] != 6 {
		t.Errorf("plots by kind = %v, want 2 bar, 1 grid, 6 loss", kinds)
	}
	var buf bytes.Buffer
	mustDo(t, Render(&buf, s, opt))
	golden(t, "report-plots.md", buf.Bytes())
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		t.Errorf("%s: not a non-empty PNG: %v %+v", path, err, cfg)
	}
}

// --plot-format svg and pdf write the plots in that format, named by it; grids stay PNG.
func TestPlotFormats(t *testing.T) {
	root := t.TempDir()
	s := newStore(t)
	addFakes(t, s, plotFakes(t, root))
	magic := map[string]string{"svg": "<?xml", "pdf": "%PDF-"}
	for format, head := range magic {
		rep, err := Build(s, Options{Format: "md", PlotsDir: filepath.Join(root, format), PlotFormat: format})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Sweeps[0].Plots {
			want := "." + format
			if p.Kind == PlotGrid {
				want = ".png"
			}
			if filepath.Ext(p.Path) != want {
				t.Errorf("%s plot %s: extension %q, want %q", format, p.Path, filepath.Ext(p.Path), want)
				continue
			}
			b, err := os.ReadFile(p.Path)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != PlotGrid && !bytes.HasPrefix(b, []byte(head)) {
				t.Errorf("%s does not start with %q", p.Path, head)
			}
		}
	}
	if _, err := Build(s, Options{Format: "md", PlotsDir: root, PlotFormat: "gif"}); err == nil || !strings.Contains(err.Error(), `plot format "gif" is unknown`) {
		t.Errorf("plot format gif: error %v", err)
	}
}

// A bar chart's y axis spans the values (40.5..41.5 here), not down to 0.
func TestBarAxisNotFromZero(t *testing.T) {
	rows := []barRow{{label: "a", stat: Stat{N: 2, Mean: 41, Std: 0.5}, seeds: []float64{40.5, 41.5}}}
	path := filepath.Join(t.TempDir(), "bar.svg")
	mustDo(t, saveBars(path, "t", "fid", rows))
	b, err := os.ReadFile(path)
	mustDo(t, err)
	// The tick labels of an axis from 0 would include "0" or "20"; this one has 41.0.
	if bytes.Contains(b, []byte(">0<")) || bytes.Contains(b, []byte(">20<")) || !bytes.Contains(b, []byte(">41.0<")) {
		t.Errorf("bar chart's ticks do not span the values 40.5..41.5:\n%s", b)
	}
}
