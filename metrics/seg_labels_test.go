package metrics

import (
	"image"
	"image/color"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSegLabelTruthAllowsExtraLabels scores the hand case through LabelTruth with a label
// folder that also holds the label of an image that was not translated: SegDirs refuses that
// folder, LabelTruth matches by name and gives the hand case's scores.
func TestSegLabelTruthAllowsExtraLabels(t *testing.T) {
	root := segFixture(t)
	labels := filepath.Join(root, "labels")
	writePNG(t, filepath.Join(labels, "c.png"), image.NewGray(image.Rect(0, 0, 3, 3)))
	fake := filepath.Join(root, "fake")
	if _, err := SegDirs(labels, fake, SegOptions{Segmenter: redSegmenter{}, Classes: 5}); err == nil || !strings.Contains(err.Error(), "one label per image") {
		t.Fatalf("SegDirs with an extra label: %v, want a count error", err)
	}
	truth, err := LabelTruth(labels, LabelTrainID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := SegDirs("", fake, SegOptions{Segmenter: redSegmenter{}, Classes: 5, Truth: truth})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "pixel accuracy", res.PixAcc, 5.0/8)
	near(t, "mean IoU", res.MeanIoU, (0.6+0.5+0+0)/4)
	if _, _, _, err := truth(filepath.Join(fake, "z.png")); err == nil || !strings.Contains(err.Error(), "no label z.*") {
		t.Errorf("image without a label: %v", err)
	}
}

// TestSegAutoLabelFormat reads grey labels as train ids and colour labels as Cityscapes
// colours (road 0, sidewalk 1, void 255).
func TestSegAutoLabelFormat(t *testing.T) {
	dir := t.TempDir()
	grey := image.NewGray(image.Rect(0, 0, 3, 1))
	grey.Pix = []uint8{0, 1, 255}
	rgb := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	rgb.Set(0, 0, color.NRGBA{128, 64, 128, 255})
	rgb.Set(1, 0, color.NRGBA{244, 35, 232, 255})
	rgb.Set(2, 0, color.NRGBA{0, 0, 0, 255})
	for name, img := range map[string]image.Image{"grey.png": grey, "rgb.png": rgb} {
		writePNG(t, filepath.Join(dir, name), img)
		labels, w, h, err := ReadLabelPNG(filepath.Join(dir, name), LabelAuto)
		if err != nil || w != 3 || h != 1 || !slices.Equal(labels, []uint8{0, 1, 255}) {
			t.Errorf("%s: labels %v %dx%d, err %v; want [0 1 255] 3x1", name, labels, w, h, err)
		}
	}
}
