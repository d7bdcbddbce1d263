package metrics

import (
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/internal/imagefile"
)

// A hand-made case over 5 classes. Class 2 is only predicted, class 4 is absent from both.
//
//	gt   0 0 0 0 1 1 1 255 3
//	pred 0 0 0 1 0 1 1 2   2
//
// rows (gt) 0:[3 1 0 0 0] 1:[1 2 0 0 0] 3:[0 0 1 0 0]; row sums 4 3 0 1 0, column sums 4 3 1 0 0.
var (
	handGT   = []uint8{0, 0, 0, 0, 1, 1, 1, 255, 3}
	handPred = []uint8{0, 0, 0, 1, 0, 1, 1, 2, 2}
)

func TestConfusionScores(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		conv                SegConvention
		pix, class, miou    float64
		classAccs, classIoU []float64
	}{
		{ConventionDRN, 5.0 / 8, (0.75 + 2.0/3 + 0) / 3, (0.6 + 0.5 + 0 + 0) / 4,
			[]float64{0.75, 2.0 / 3, nan, 0, nan}, []float64{0.6, 0.5, 0, 0, nan}},
		{ConventionPix2pix, 5.0 / 8, (0.75 + 2.0/3) / 5, (0.6 + 0.5) / 5,
			[]float64{0.75, 2.0 / 3, 0, 0, 0}, []float64{0.6, 0.5, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(string(tt.conv), func(t *testing.T) {
			c := NewConfusion(5)
			if err := c.Add(handGT, handPred); err != nil {
				t.Fatal(err)
			}
			s, err := c.Scores(tt.conv)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "pixel accuracy", s.PixAcc, tt.pix)
			near(t, "class accuracy", s.ClassAcc, tt.class)
			near(t, "mean IoU", s.MeanIoU, tt.miou)
			for k := range tt.classIoU {
				near(t, "class accuracy", s.ClassAccs[k], tt.classAccs[k])
				near(t, "class IoU", s.ClassIoU[k], tt.classIoU[k])
			}
		})
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && math.Abs(got-want) > 1e-11) {
		t.Errorf("%s = %.15g, want %.15g", what, got, want)
	}
}

func TestConfusionEdges(t *testing.T) {
	c := NewConfusion(2)
	if err := c.Add([]uint8{0, 0, 1}, []uint8{0, 200, 1}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Scores(ConventionDRN)
	if err != nil {
		t.Fatal(err)
	}
	// The out-of-range prediction is a wrong pixel of class 0.
	near(t, "pixel accuracy", s.PixAcc, 2.0/3)
	near(t, "class 0 IoU", s.ClassIoU[0], 0.5)
	if err := c.Add([]uint8{0}, []uint8{0, 1}); err == nil {
		t.Error("length mismatch accepted")
	}
	if _, err := c.Scores("other"); err == nil {
		t.Error("unknown convention accepted")
	}
	empty := NewConfusion(3)
	empty.Add([]uint8{255, 255}, []uint8{0, 1})
	if _, err := empty.Scores(ConventionDRN); err == nil {
		t.Error("all-ignored ground truth scored")
	}
}

func TestCityscapesMapping(t *testing.T) {
	ids := map[uint8]uint8{0: 255, 6: 255, 7: 0, 8: 1, 9: 255, 11: 2, 17: 5, 18: 255, 19: 6, 23: 10, 26: 13, 29: 255, 31: 16, 33: 18, 34: 255, 255: 255}
	for id, want := range ids {
		if got := CityscapesTrainID(id); got != want {
			t.Errorf("labelId %d → %d, want %d", id, got, want)
		}
	}
	train := 0
	for id := 0; id < 34; id++ {
		if CityscapesTrainID(uint8(id)) != IgnoreLabel {
			train++
		}
	}
	if train != CityscapesClasses {
		t.Errorf("%d labelIds map to train ids, want %d", train, CityscapesClasses)
	}
	colors := []struct {
		r, g, b uint8
		want    uint8
	}{{128, 64, 128, 0}, {130, 62, 126, 0}, {0, 0, 142, 13}, {119, 11, 32, 18}, {0, 0, 0, 255}, {81, 0, 81, 255}, {70, 130, 180, 10}}
	for _, c := range colors {
		if got := CityscapesColorTrainID(c.r, c.g, c.b); got != c.want {
			t.Errorf("colour %v → %d, want %d", c, got, c.want)
		}
	}
}

// redSegmenter labels a pixel by its red value: red/64, so 0..3.
type redSegmenter struct{}

func (redSegmenter) Segment(img image.Image) ([]uint8, int, int, error) {
	b := img.Bounds()
	out := make([]uint8, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			out = append(out, uint8(r>>8)/64)
		}
	}
	return out, b.Dx(), b.Dy(), nil
}

// segFixture writes images whose red values encode handPred (3×3) and labels handGT, under
// names a.png and b.png, plus the predicted label maps for a command segmenter.
func segFixture(t *testing.T) (root string) {
	root = t.TempDir()
	for _, d := range []string{"fake", "labels", "pred"} {
		os.Mkdir(filepath.Join(root, d), 0o755)
	}
	for _, name := range []string{"a", "b"} {
		img := image.NewNRGBA(image.Rect(0, 0, 3, 3))
		gt := image.NewGray(image.Rect(0, 0, 3, 3))
		pred := image.NewGray(image.Rect(0, 0, 3, 3))
		for i := range handGT {
			x, y := i%3, i/3
			img.Set(x, y, color.NRGBA{handPred[i]*64 + 10, 50, 50, 255})
			gt.SetGray(x, y, color.Gray{handGT[i]})
			pred.SetGray(x, y, color.Gray{handPred[i]})
		}
		writePNG(t, filepath.Join(root, "fake", name+".png"), img)
		writePNG(t, filepath.Join(root, "labels", name+".png"), gt)
		writePNG(t, filepath.Join(root, "pred", name+".png"), pred)
	}
	return root
}

func TestSegDirs(t *testing.T) {
	root := segFixture(t)
	segs := []struct {
		name string
		seg  Segmenter
	}{
		{"go", redSegmenter{}},
		{"command", CommandSegmenter{Template: "cp " + shellQuote(filepath.Join(root, "pred")) + "/*.png {out}/ && test -d {in}"}},
	}
	for _, s := range segs {
		t.Run(s.name, func(t *testing.T) {
			res, err := SegDirs(filepath.Join(root, "labels"), filepath.Join(root, "fake"),
				SegOptions{Segmenter: s.seg, SegmenterName: s.name, Classes: 5, Convention: ConventionPix2pix})
			if err != nil {
				t.Fatal(err)
			}
			near(t, "pixel accuracy", res.PixAcc, 5.0/8)
			near(t, "mean IoU", res.MeanIoU, 1.1/5)
			m := res.Values()
			if len(m) != 3 || m[0].Name != "seg_miou" || math.Abs(m[0].Value-22) > 1e-9 || m[1].Name != "seg_pixacc" || m[2].Name != "seg_classacc" {
				t.Errorf("metrics %+v", m)
			}
			for _, want := range []string{"convention=pix2pix", "segmenter=" + s.name, "images=2", "resize=none", "classes=5"} {
				if !strings.Contains(m[0].Identity, want) {
					t.Errorf("identity %q lacks %q", m[0].Identity, want)
				}
			}
		})
	}
}

func TestCommandSegmenterSingleImage(t *testing.T) {
	root := segFixture(t)
	seg := CommandSegmenter{Template: "test -f {in}/image.png && cp " + shellQuote(filepath.Join(root, "pred", "a.png")) + " {out}/image.png"}
	img, err := imagefile.ReadRGB(filepath.Join(root, "fake", "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	labels, w, h, err := seg.Segment(img)
	if err != nil || w != 3 || h != 3 || string(labels) != string(handPred) {
		t.Fatalf("labels %v %dx%d, err %v", labels, w, h, err)
	}
}

func TestSegDirsBadInput(t *testing.T) {
	root := segFixture(t)
	fake, labels := filepath.Join(root, "fake"), filepath.Join(root, "labels")
	extra := filepath.Join(root, "extra")
	os.Mkdir(extra, 0o755)
	writePNG(t, filepath.Join(extra, "a.png"), image.NewGray(image.Rect(0, 0, 3, 3)))
	renamed := filepath.Join(root, "renamed")
	os.Mkdir(renamed, 0o755)
	writePNG(t, filepath.Join(renamed, "a.png"), image.NewGray(image.Rect(0, 0, 3, 3)))
	writePNG(t, filepath.Join(renamed, "c.png"), image.NewGray(image.Rect(0, 0, 3, 3)))
	big := filepath.Join(root, "big")
	os.Mkdir(big, 0o755)
	writePNG(t, filepath.Join(big, "a.png"), image.NewGray(image.Rect(0, 0, 6, 6)))
	writePNG(t, filepath.Join(big, "b.png"), image.NewGray(image.Rect(0, 0, 6, 6)))
	rgb := filepath.Join(root, "rgb")
	os.Mkdir(rgb, 0o755)
	writePNG(t, filepath.Join(rgb, "a.png"), image.NewNRGBA(image.Rect(0, 0, 3, 3)))
	writePNG(t, filepath.Join(rgb, "b.png"), image.NewNRGBA(image.Rect(0, 0, 3, 3)))

	tests := []struct {
		name, labels string
		opt          SegOptions
		contains     []string
	}{
		{"count mismatch", extra, SegOptions{Segmenter: redSegmenter{}}, []string{extra, "1 labels", "2 images"}},
		{"name mismatch", renamed, SegOptions{Segmenter: redSegmenter{}}, []string{"b.png", "no label b.*"}},
		{"size mismatch", big, SegOptions{Segmenter: redSegmenter{}}, []string{"a.png", "3x3", "6x6"}},
		{"rgb trainid labels", rgb, SegOptions{Segmenter: redSegmenter{}}, []string{filepath.Join(rgb, "a.png"), "grey or paletted"}},
		{"no segmenter", labels, SegOptions{}, []string{"no segmenter"}},
		{"failing command", labels, SegOptions{Segmenter: CommandSegmenter{Template: "echo broken-model >&2; exit 3 # {in} {out}"}}, []string{"broken-model", "exit status 3"}},
		{"command writes nothing", labels, SegOptions{Segmenter: CommandSegmenter{Template: "true {in} {out}"}}, []string{"wrote no label a.png"}},
		{"bad resize mode", labels, SegOptions{Segmenter: redSegmenter{}, Resize: "bicubic"}, []string{"bicubic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SegDirs(tt.labels, fake, tt.opt)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
	// With nearest resizing the 3×3 predictions are scaled to the 6×6 labels (all class 0).
	res, err := SegDirs(big, fake, SegOptions{Segmenter: redSegmenter{}, Resize: "nearest", Classes: 5})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "pixel accuracy", res.PixAcc, 4.0/9)
}

func TestResizeNearest(t *testing.T) {
	src := []uint8{1, 2, 3, 4} // 2×2
	got := resizeNearest(src, 2, 2, 4, 4)
	want := []uint8{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}
	if string(got) != string(want) {
		t.Errorf("upscale %v", got)
	}
	if got := resizeNearest(want, 4, 4, 2, 2); string(got) != string(src) {
		t.Errorf("downscale %v", got)
	}
}

func TestSegTruthHookAndSegmentFunc(t *testing.T) {
	root := segFixture(t)
	var asked []string
	opt := SegOptions{
		Segmenter: SegmentFunc(func(img image.Image) ([]uint8, error) {
			l, _, _, err := redSegmenter{}.Segment(img)
			return l, err
		}),
		Classes:    5,
		Convention: ConventionDRN,
		Truth: func(fake string) ([]uint8, int, int, error) {
			asked = append(asked, filepath.Base(fake))
			return handGT, 3, 3, nil
		},
	}
	res, err := SegDirs("", filepath.Join(root, "fake"), opt)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, ",") != "a.png,b.png" {
		t.Errorf("truth asked for %v", asked)
	}
	near(t, "mean IoU", res.MeanIoU, 0.275)
	near(t, "class accuracy", res.ClassAcc, (0.75+2.0/3)/3)
}
