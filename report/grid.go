package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font/liberation"

	"sweep/internal/imagefile"
	"sweep/results"
	"sweep/rundir"
)

// gridColumn is one column of an image grid: a folder of images under a label. Paired
// columns show each test image under its own name; an unpaired one (real_B) shows its
// folder's images in name order.
type gridColumn struct {
	label    string
	dir      string
	unpaired bool
}

// writeGrids writes one image grid per column group: for up to n test images, the input,
// each row's output for one seed (the smallest seed all rows have, when there is one), and
// the target domain's real test images.
func writeGrids(dir string, d *sweepData, t Table, n int) ([]Plot, error) {
	var out []Plot
	for _, cg := range colGroups(t) {
		runs, labels, seed := gridRuns(t, d, cg)
		if len(runs) == 0 {
			continue
		}
		names := testImageNames(runs[0].Dir, n)
		if len(names) == 0 {
			continue
		}
		cols := gridColumns(runs, labels)
		caption := gridCaption(d.Name, cg, seed)
		img, err := composeGrid(cols, names, caption)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, gridFile(cg))
		if err := imagefile.WritePNG(path, img); err != nil {
			return nil, err
		}
		out = append(out, Plot{Kind: PlotGrid, Title: caption, Path: path})
	}
	return out, nil
}

// gridFile names a column group's image grid.
func gridFile(cg ColGroup) string {
	name := "grid-" + safeName(cg.Dataset)
	if cg.Side != "" {
		name += "-" + safeName(cg.Side)
	}
	return name + ".png"
}

// gridColumns are the input (from the first run), each run's outputs and real_B.
func gridColumns(runs []results.Run, labels []string) []gridColumn {
	cols := []gridColumn{{label: "input", dir: filepath.Join(runs[0].Dir, rundir.InputImagesDir)}}
	for i, r := range runs {
		cols = append(cols, gridColumn{label: labels[i], dir: filepath.Join(r.Dir, rundir.FakeImagesDir)})
	}
	return append(cols, gridColumn{label: "real_B", dir: filepath.Join(runs[0].Dir, rundir.RealImagesDir), unpaired: true})
}

// gridCaption says what the grid shows and for which seed (-1: each column's own, named
// in its label).
func gridCaption(sweep string, cg ColGroup, seed int64) string {
	where := strings.TrimSpace(cg.Dataset + " " + cg.Side)
	seeds := fmt.Sprintf("seed %d", seed)
	if seed < 0 {
		seeds = "each column's seed in its label"
	}
	return fmt.Sprintf("%s, %s: one test image per row; input, each row's translation, real_B (unpaired target images); %s",
		sweep, where, seeds)
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
// same seed when possible (returned; else -1); the labels name the row, and the seed when
// seeds differ.
func gridRuns(t Table, d *sweepData, cg ColGroup) ([]results.Run, []string, int64) {
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
	if !common {
		seed = -1
	}
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
	return runs, labels, seed
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

// readTiles reads, per image name (row) and column, the enlarged image; nil where missing.
func readTiles(cols []gridColumn, names []string) ([][]image.Image, error) {
	tiles := make([][]image.Image, len(names))
	for j, c := range cols {
		files := names
		if c.unpaired {
			files = unpairedNames(c.dir, len(names))
		}
		for i := range names {
			if tiles[i] == nil {
				tiles[i] = make([]image.Image, len(cols))
			}
			if i >= len(files) {
				continue
			}
			img, err := imagefile.ReadPNG(filepath.Join(c.dir, files[i]))
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			tiles[i][j] = enlarge(img, minTile)
		}
	}
	return tiles, nil
}

// unpairedNames lists up to n PNG names of dir in order.
func unpairedNames(dir string, n int) []string {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	sort.Strings(paths)
	var out []string
	for _, p := range paths[:min(n, len(paths))] {
		out = append(out, filepath.Base(p))
	}
	return out
}

// Spacing of an image grid, in pixels.
const (
	gridMargin  = 10 // around the grid
	gridGap     = 6  // between tiles
	labelGap    = 4  // between a column's label and its first tile
	captionGap  = 8  // between the last row and the caption
	labelSizePx = 15 // the labels' font size
	captionPx   = 13 // the caption's font size
)

// gridLayout places an image grid's labels, tiles and caption.
type gridLayout struct {
	size     image.Point
	colX     []int      // left edge of each column
	colW     []int      // width of each column
	labels   [][]string // each column's label lines
	tilesTop int        // top of the first row of tiles
	tile     image.Point
	caption  []string
	capTop   int
	line     int // label line height
	capLine  int // caption line height
}

// tileRect is where the tile of row i, column j goes (centred in its column).
func (l *gridLayout) tileRect(i, j int) image.Rectangle {
	x := l.colX[j] + (l.colW[j]-l.tile.X)/2
	y := l.tilesTop + i*(l.tile.Y+gridGap)
	return image.Rect(x, y, x+l.tile.X, y+l.tile.Y)
}

// layoutGrid sizes the grid for tiles of size tile: each column as wide as its tile or its
// label (broken into lines at spaces to stay near the tile's width), the caption broken
// to the grid's width.
func layoutGrid(cols []gridColumn, rows int, tile image.Point, caption string, label, capFace font.Face) *gridLayout {
	l := &gridLayout{tile: tile, line: faceHeight(label), capLine: faceHeight(capFace)}
	x, most := gridMargin, 1
	for _, c := range cols {
		lines := breakLines(c.label, func(s string) bool { return font.MeasureString(label, s).Ceil() <= max(tile.X, 110) })
		w := tile.X
		for _, s := range lines {
			w = max(w, font.MeasureString(label, s).Ceil())
		}
		l.colX, l.colW, l.labels = append(l.colX, x), append(l.colW, w), append(l.labels, lines)
		x += w + gridGap
		most = max(most, len(lines))
	}
	width := x - gridGap + gridMargin
	l.tilesTop = gridMargin + most*l.line + labelGap
	l.capTop = l.tilesTop + rows*(tile.Y+gridGap) - gridGap + captionGap
	l.caption = breakLines(caption, func(s string) bool { return font.MeasureString(capFace, s).Ceil() <= width-2*gridMargin })
	l.size = image.Pt(width, l.capTop+len(l.caption)*l.capLine+gridMargin)
	return l
}

// composeGrid lays out one row per image name and one column per folder, labelled on top,
// with the caption under it; a missing image leaves its tile grey.
func composeGrid(cols []gridColumn, names []string, caption string) (image.Image, error) {
	tiles, err := readTiles(cols, names)
	if err != nil {
		return nil, err
	}
	tile := image.Pt(minTile, minTile)
	for _, row := range tiles {
		for _, img := range row {
			if img != nil {
				tile = image.Pt(max(tile.X, img.Bounds().Dx()), max(tile.Y, img.Bounds().Dy()))
			}
		}
	}
	label, capFace, err := gridFaces()
	if err != nil {
		return nil, err
	}
	l := layoutGrid(cols, len(names), tile, caption, label, capFace)
	grid := image.NewRGBA(image.Rectangle{Max: l.size})
	draw.Draw(grid, grid.Bounds(), image.White, image.Point{}, draw.Src)
	for j := range cols {
		for k, s := range l.labels[j] {
			w := font.MeasureString(label, s).Ceil()
			drawText(grid, label, image.Black, l.colX[j]+(l.colW[j]-w)/2, gridMargin+k*l.line, s)
		}
	}
	grey := image.NewUniform(color.Gray{Y: 200})
	for i := range names {
		for j := range cols {
			at := l.tileRect(i, j)
			if tiles[i][j] == nil {
				draw.Draw(grid, at, grey, image.Point{}, draw.Src)
				continue
			}
			draw.Draw(grid, at, tiles[i][j], tiles[i][j].Bounds().Min, draw.Src)
		}
	}
	ink := image.NewUniform(color.Gray{Y: 40})
	for k, s := range l.caption {
		drawText(grid, capFace, ink, gridMargin, l.capTop+k*l.capLine, s)
	}
	return grid, nil
}

// drawText writes s with its top-left corner at (x, top).
func drawText(dst draw.Image, face font.Face, src image.Image, x, top int, s string) {
	d := font.Drawer{Dst: dst, Src: src, Face: face, Dot: fixed.P(x, top+face.Metrics().Ascent.Ceil())}
	d.DrawString(s)
}

func faceHeight(f font.Face) int {
	m := f.Metrics()
	return (m.Ascent + m.Descent).Ceil() + 2
}

var (
	facesOnce              sync.Once
	labelFace, captionFace font.Face
	facesErr               error
)

// gridFaces are Liberation Sans for the labels and the caption, the font gonum/plot uses,
// at sizes readable at 100%.
func gridFaces() (label, caption font.Face, err error) {
	facesOnce.Do(func() {
		var sans *opentype.Font
		for _, f := range liberation.Collection() {
			if f.Font.Variant == "Sans" && f.Font.Style == font.StyleNormal && f.Font.Weight == font.WeightNormal {
				sans = f.Face
			}
		}
		if sans == nil {
			facesErr = fmt.Errorf("image grids: Liberation Sans is missing from gonum/plot's fonts")
			return
		}
		opts := func(px float64) *opentype.FaceOptions {
			return &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull}
		}
		if labelFace, facesErr = opentype.NewFace(sans, opts(labelSizePx)); facesErr != nil {
			return
		}
		captionFace, facesErr = opentype.NewFace(sans, opts(captionPx))
	})
	return labelFace, captionFace, facesErr
}

// breakLines puts the words of s on as few lines as fits allows, filling each line; a word
// that does not fit alone gets a line of its own.
func breakLines(s string, fits func(string) bool) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case fits(line + " " + word):
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	return append(lines, line)
}
