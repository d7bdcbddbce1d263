package report

import (
	"sweep/internal/imagefile"

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

// The grid has the input, then CUT, Global and Local for seed 1, one row per test image
// (2 exist, 3 were asked for); every tile shows its own run's image.
func TestImageGridLayout(t *testing.T) {
	root := t.TempDir()
	s := newStore(t)
	addFakes(t, s, plotFakes(t, root))
	rep, err := Build(s, Options{Format: "md", PlotsDir: filepath.Join(root, "plots"), GridImages: 3})
	if err != nil {
		t.Fatal(err)
	}
	var grid string
	for _, p := range rep.Sweeps[0].Plots {
		if p.Kind == PlotGrid {
			grid = p.Path
		}
	}
	img, err := imagefile.ReadPNG(grid)
	if err != nil {
		t.Fatal(err)
	}
	tile := 96 // 32-pixel test images are shown enlarged 3x, pixel for pixel
	if b := img.Bounds(); b.Dx() != 4*tile || b.Dy() != labelHeight+2*tile {
		t.Fatalf("grid is %v, want %dx%d", b, 4*tile, labelHeight+2*tile)
	}
	for col, shade := range []uint8{0, 0, 60, 120} { // input (from CUT's run), CUT, Global, Local
		for row := range 2 {
			r, g, _, _ := img.At(col*tile+48, labelHeight+row*tile+48).RGBA()
			if uint8(r>>8) != shade || uint8(g>>8) != uint8(row*40) {
				t.Errorf("tile (%d,%d): red %d green %d, want %d %d", row, col, r>>8, g>>8, shade, row*40)
			}
		}
	}
}
