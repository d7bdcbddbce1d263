package report

import (
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/internal/imagefile"
	"sweep/rundir"
)

// writeRealB puts n solid PNGs of colour c into a run directory's real_B folder.
func writeRealB(t *testing.T, dir string, n, px int, c color.RGBA) {
	t.Helper()
	mustDo(t, os.MkdirAll(filepath.Join(dir, rundir.RealImagesDir), 0o755))
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, px, px))
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = c.R, c.G, c.B, 255
		}
		mustDo(t, imagefile.WritePNG(filepath.Join(dir, rundir.RealImagesDir, "real"+string(rune('0'+i))+".png"), img))
	}
}

// gridOf builds the report of fakes and returns its one image grid and its plot.
func gridOf(t *testing.T, root string, fakes []fake, n int) (image.Image, Plot) {
	t.Helper()
	s := newStore(t)
	addFakes(t, s, fakes)
	rep, err := Build(s, Options{Format: "md", PlotsDir: filepath.Join(root, "plots"), GridImages: n})
	mustDo(t, err)
	for _, p := range rep.Sweeps[0].Plots {
		if p.Kind == PlotGrid {
			img, err := imagefile.ReadPNG(p.Path)
			mustDo(t, err)
			return img, p
		}
	}
	t.Fatal("no image grid written")
	return nil, Plot{}
}

var realBColour = color.RGBA{10, 200, 30, 255}

// The grid has the input, CUT, Global, Local and real_B columns, one row per test image
// (2 exist, 3 were asked for), every tile its own run's image, white gaps between tiles,
// dark label text over each column and the seed in the caption.
func TestImageGrid(t *testing.T) {
	cases := []struct {
		name     string
		seeds    []int64 // per variant CUT, Global, Local: the seeds it has
		realB    bool
		caption  string
		labelHas string // a column label's text
	}{
		{"common seed", nil, true, "seed 1", "Global"},
		{"seeds differ", []int64{1, 2, 2}, true, "each column's seed in its label", "Global seed 2"},
		{"no real_B", nil, false, "seed 1", "Local"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			fakes := plotFakes(t, root)
			if c.seeds != nil {
				var keep []fake
				for i, f := range fakes {
					if f.seed == c.seeds[i/2] {
						keep = append(keep, f)
					}
				}
				fakes = keep
			}
			if c.realB {
				for _, f := range fakes {
					writeRealB(t, f.dir, 2, 32, realBColour)
				}
			}
			img, p := gridOf(t, root, fakes, 3)
			if !strings.Contains(p.Title, c.caption) {
				t.Errorf("grid title %q lacks %q", p.Title, c.caption)
			}
			checkGridTiles(t, img, c.realB, c.labelHas)
		})
	}
}

// checkGridTiles lays the grid out again and checks each tile's colour, the gaps and the
// label and caption text.
func checkGridTiles(t *testing.T, img image.Image, realB bool, label string) {
	t.Helper()
	labelFace, capFace, err := gridFaces()
	mustDo(t, err)
	cols := []gridColumn{{label: "input"}, {label: "CUT"}, {label: "Global"}, {label: "Local"}, {label: "real_B"}}
	if label != "Global" && label != "Local" {
		cols = []gridColumn{{label: "input"}, {label: "CUT seed 1"}, {label: "Global seed 2"}, {label: "Local seed 2"}, {label: "real_B"}}
	}
	l := layoutGrid(cols, 2, image.Pt(96, 96), "", labelFace, capFace)
	if b := img.Bounds(); b.Dx() != l.size.X {
		t.Fatalf("grid is %d wide, want %d", b.Dx(), l.size.X)
	}
	grey := color.RGBA{200, 200, 200, 255}
	for j, shade := range []uint8{0, 0, 60, 120, 0} { // input (CUT's run), CUT, Global, Local, real_B
		for i := range 2 {
			r := l.tileRect(i, j)
			want := color.RGBA{shade, uint8(i * 40), 100, 255}
			if j == 4 {
				want = grey
				if realB {
					want = realBColour
				}
			}
			if got := color.RGBAModel.Convert(img.At(r.Min.X+48, r.Min.Y+48)).(color.RGBA); got != want {
				t.Errorf("tile (%d,%d) at %v: %v, want %v", i, j, r.Min, got, want)
			}
			if j > 0 {
				if got := color.GrayModel.Convert(img.At(r.Min.X-gridGap/2, r.Min.Y+48)).(color.Gray); got.Y != 255 {
					t.Errorf("gap left of tile (%d,%d): %v, want white", i, j, got)
				}
			}
		}
		if n := darkPixels(img, image.Rect(l.colX[j], gridMargin, l.colX[j]+l.colW[j], l.tilesTop)); n < 20 {
			t.Errorf("column %d's label: %d dark pixels, want its text", j, n)
		}
	}
	if n := darkPixels(img, image.Rect(0, l.tileRect(1, 0).Max.Y+1, img.Bounds().Dx(), img.Bounds().Dy())); n < 100 {
		t.Errorf("caption: %d dark pixels, want its text", n)
	}
}

// darkPixels counts the pixels of img in r darker than mid-grey.
func darkPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 128 {
				n++
			}
		}
	}
	return n
}

// Long labels are broken at spaces, and a column is as wide as its longest line.
func TestGridLabelsWrap(t *testing.T) {
	labelFace, capFace, err := gridFaces()
	mustDo(t, err)
	long := "A (lr=0.0002, n_blocks=9, ngf=64) seed 3"
	l := layoutGrid([]gridColumn{{label: "input"}, {label: long}}, 1, image.Pt(96, 96), "a caption", labelFace, capFace)
	if len(l.labels[1]) < 2 {
		t.Errorf("label %q on %d line(s), want it broken", long, len(l.labels[1]))
	}
	if strings.Join(l.labels[1], " ") != long {
		t.Errorf("broken label %q loses words", l.labels[1])
	}
	if l.colW[0] != 96 {
		t.Errorf("input column %d wide, want the tile's 96", l.colW[0])
	}
}
