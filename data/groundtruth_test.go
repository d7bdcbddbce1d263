package data

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/config"
	"sweep/internal/imagefile"
)

func openBuiltin(t *testing.T, cfg config.Run) *Dataset {
	t.Helper()
	d, err := Open(cfg, prepared(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if !d.HasGroundTruth() {
		t.Fatal("no ground truth")
	}
	return d
}

func expect(t *testing.T, what string, v, lo, hi float64) {
	t.Helper()
	if math.IsNaN(v) || v < lo || v > hi {
		t.Errorf("%s = %g, want in [%g, %g]", what, v, lo, hi)
	}
}

// TestTruthScenes: every scene has the test size, its translation when a folder is given, a
// missing translation is an error naming it, and a folder dataset has no ground truth.
func TestTruthScenes(t *testing.T) {
	cfg := builtinCfg("builtin:zebra", 60, 2, 3)
	cfg.CropSize = 48
	d := openBuiltin(t, cfg)
	dir := t.TempDir()
	n := 0
	for sc, err := range d.TruthScenes("") {
		if err != nil {
			t.Fatal(err)
		}
		if sc.Input.W != 48 || sc.Ideal.W != 48 || len(sc.Truth) != 48*48 || sc.Fake != nil {
			t.Fatalf("scene %s: input %dx%d, ideal %dx%d, %d truth values, fake %v",
				sc.Name, sc.Input.W, sc.Input.H, sc.Ideal.W, sc.Ideal.H, len(sc.Truth), sc.Fake != nil)
		}
		if n != 1 {
			if err := imagefile.WritePNG(filepath.Join(dir, sc.Name+".png"), sc.Input); err != nil {
				t.Fatal(err)
			}
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d scenes, want 3", n)
	}
	for sc, err := range d.TruthScenes(dir) {
		if err != nil {
			if !strings.Contains(err.Error(), "0001.png") {
				t.Errorf("missing translation: %v", err)
			}
			break
		}
		if sc.Fake == nil || !slices.Equal(sc.Fake.Pix, sc.Input.Pix) {
			t.Errorf("scene %s: translation not read back", sc.Name)
		}
		if sc.Name == "0001" {
			t.Error("a missing translation gave a scene")
		}
	}
	if _, _, _, err := d.SegmentationTruth("0000"); err == nil {
		t.Error("zebra gave segmentation truth")
	}
	folder := openFolder(t, folderCfg(smallFolder(t)))
	for _, err := range folder.TruthScenes(dir) {
		if err == nil {
			t.Error("a folder dataset gave ground truth")
		}
	}
}

// SegmentSynthetic recovers the layout from rendered photos: pixel accuracy over non-void
// pixels, at the generated size and after the test resize.
func TestSegmenterAccuracy(t *testing.T) {
	cfg := builtinCfg("builtin:cityscapes", 80, 1, 16)
	cfg.CropSize = 64
	d := openBuiltin(t, cfg)
	var native, resized accuracy
	for i, name := range d.names {
		photo, err := d.tgtTest.get(i)
		if err != nil {
			t.Fatal(err)
		}
		truth, err := readTruth(filepath.Join(d.root, labelsDir, name+".png"), 80)
		if err != nil {
			t.Fatal(err)
		}
		pred, err := SegmentSynthetic(photo.nrgba())
		if err != nil {
			t.Fatal(err)
		}
		native.add(pred, truth)
		gt, w, h, err := d.SegmentationTruth(name)
		if err != nil || w != 64 || h != 64 {
			t.Fatalf("SegmentationTruth: %dx%d %v", w, h, err)
		}
		small := resizeBicubic(photo, 64, 64)
		resized.add(segment(small), gt)
	}
	t.Logf("segmenter pixel accuracy: %.4f at 80 px, %.4f resized to 64 px", native.value(), resized.value())
	expect(t, "native accuracy", native.value(), 0.9, 1)
	expect(t, "resized accuracy", resized.value(), 0.9, 1)
}

type accuracy struct{ hit, n int }

func (a *accuracy) add(pred, truth []uint8) {
	for i, l := range truth {
		if l != voidID {
			a.n++
			if pred[i] == l {
				a.hit++
			}
		}
	}
}

func (a accuracy) value() float64 { return float64(a.hit) / float64(a.n) }
