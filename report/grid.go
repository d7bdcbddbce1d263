package report

import (
	"sweep/internal/imagefile"

	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"sweep/results"
	"sweep/rundir"
)

// gridColumn is one column of an image grid: a folder of images under a label.
type gridColumn struct {
	label string
	dir   string
}

// writeGrids writes one image grid per column group: for up to n test images, the input, then
// each row's output for one seed (the smallest seed all rows have, when there is one).
func writeGrids(dir string, d *sweepData, t Table, n int) ([]Plot, error) {
	var out []Plot
	for _, cg := range colGroups(t) {
		runs, labels := gridRuns(t, d, cg)
		if len(runs) == 0 {
			continue
		}
		names := testImageNames(runs[0].Dir, n)
		if len(names) == 0 {
			continue
		}
		cols := []gridColumn{{"input", filepath.Join(runs[0].Dir, rundir.InputImagesDir)}}
		for i, r := range runs {
			cols = append(cols, gridColumn{labels[i], filepath.Join(r.Dir, rundir.FakeImagesDir)})
		}
		img, err := composeGrid(cols, names)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, plotFile("grid", cg.Dataset, cg.Side))
		if err := imagefile.WritePNG(path, img); err != nil {
			return nil, err
		}
		title := strings.TrimSpace(fmt.Sprintf("%s: test images, %s %s", d.Name, cg.Dataset, cg.Side))
		out = append(out, Plot{Kind: PlotGrid, Title: title, Path: path})
	}
	return out, nil
}

func colGroups(t Table) []ColGroup {
	var out []ColGroup
	for _, c := range t.Columns {
		if !slices.Contains(out, c.Group) {
			out = append(out, c.Group)
		}
	}
	return out
}

// gridRuns picks, in row order, one run of every group in column group cg, all with the
// same seed when possible; the labels name the row (and the seed when seeds differ).
func gridRuns(t Table, d *sweepData, cg ColGroup) ([]results.Run, []string) {
	var groups []*Group
	var labels []string
	for _, r := range t.Rows {
		for _, g := range d.Groups {
			if slices.Contains(r.Groups, g.Key) && colGroup(t.Kind, g.Config) == cg && g.Runs[0].Dir != "" {
				groups = append(groups, g)
				labels = append(labels, r.Label)
			}
		}
	}
	seed, common := commonSeed(groups)
	var runs []results.Run
	for i, g := range groups {
		r := g.Runs[0]
		if common {
			r = runWithSeed(g, seed)
		} else {
			labels[i] = fmt.Sprintf("%s seed %d", labels[i], r.Config.Seed)
		}
		runs = append(runs, r)
	}
	return runs, labels
}

func commonSeed(groups []*Group) (int64, bool) {
	if len(groups) == 0 {
		return 0, false
	}
	for _, r := range groups[0].Runs {
		all := true
		for _, g := range groups[1:] {
			if runWithSeed(g, r.Config.Seed).ID == "" {
				all = false
				break
			}
		}
		if all {
			return r.Config.Seed, true
		}
	}
	return 0, false
}

func runWithSeed(g *Group, seed int64) results.Run {
	for _, r := range g.Runs {
		if r.Config.Seed == seed {
			return r
		}
	}
	return results.Run{}
}

// testImageNames lists up to n PNG names that a run has both as input and as output.
func testImageNames(runDir string, n int) []string {
	inputs, _ := filepath.Glob(filepath.Join(runDir, rundir.InputImagesDir, "*.png"))
	sort.Strings(inputs)
	var names []string
	for _, in := range inputs {
		name := filepath.Base(in)
		if _, err := os.Stat(filepath.Join(runDir, rundir.FakeImagesDir, name)); err == nil {
			names = append(names, name)
		}
		if len(names) == n {
			break
		}
	}
	return names
}

const labelHeight = 16

// minTile is the smallest side a grid tile is shown at: smaller test images (the built-in
// data's 32x32) are enlarged by a whole factor, pixel for pixel, so they can be looked at.
const minTile = 96

// enlarge scales img by the smallest whole factor that makes its width at least side,
// repeating pixels (nearest neighbour) so nothing is smoothed away.
func enlarge(img image.Image, side int) image.Image {
	b := img.Bounds()
	f := (side + b.Dx() - 1) / b.Dx()
	if f <= 1 {
		return img
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()*f, b.Dy()*f))
	for y := 0; y < b.Dy()*f; y++ {
		for x := 0; x < b.Dx()*f; x++ {
			out.Set(x, y, img.At(b.Min.X+x/f, b.Min.Y+y/f))
		}
	}
	return out
}

// composeGrid lays out one row per image name and one column per folder, with a label row
// on top; a missing image leaves its tile grey.
func composeGrid(cols []gridColumn, names []string) (image.Image, error) {
	tiles := make([][]image.Image, len(names))
	cellW, cellH := 0, 0
	for _, c := range cols {
		cellW = max(cellW, font.MeasureString(basicfont.Face7x13, c.label).Ceil()+4)
	}
	for i, name := range names {
		tiles[i] = make([]image.Image, len(cols))
		for j, c := range cols {
			img, err := imagefile.ReadPNG(filepath.Join(c.dir, name))
			if err != nil {
				if os.IsNotExist(err) {
					continue
				}
				return nil, err
			}
			img = enlarge(img, minTile)
			tiles[i][j] = img
			cellW, cellH = max(cellW, img.Bounds().Dx()), max(cellH, img.Bounds().Dy())
		}
	}
	grid := image.NewRGBA(image.Rect(0, 0, cellW*len(cols), labelHeight+cellH*len(names)))
	draw.Draw(grid, grid.Bounds(), image.White, image.Point{}, draw.Src)
	for j, c := range cols {
		drawLabel(grid, j*cellW+2, c.label)
	}
	grey := image.NewUniform(color.Gray{Y: 200})
	for i := range names {
		for j := range cols {
			at := image.Rect(j*cellW, labelHeight+i*cellH, (j+1)*cellW, labelHeight+(i+1)*cellH)
			if tiles[i][j] == nil {
				draw.Draw(grid, at, grey, image.Point{}, draw.Src)
				continue
			}
			draw.Draw(grid, at, tiles[i][j], tiles[i][j].Bounds().Min, draw.Src)
		}
	}
	return grid, nil
}

func drawLabel(dst draw.Image, x int, s string) {
	d := font.Drawer{Dst: dst, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x, labelHeight-4)}
	d.DrawString(s)
}
