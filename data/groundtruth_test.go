package data

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/config"
)

// writeFakes writes one translation per test sample: make gets the sample's input and ideal
// (at the test size) and returns the translation.
func writeFakes(t *testing.T, d *Dataset, viaTensor bool, make func(input, ideal *rgb) *rgb) string {
	t.Helper()
	dir := t.TempDir()
	for i, name := range d.names {
		input, err := d.testInput(i)
		if err != nil {
			t.Fatal(err)
		}
		idealSrc, err := d.tgtTest.get(i)
		if err != nil {
			t.Fatal(err)
		}
		fake := make(input, resizeBicubic(idealSrc, d.cfg.CropSize, d.cfg.CropSize))
		path := filepath.Join(dir, name+".png")
		if viaTensor {
			err = WritePNG(path, fake.tensor())
		} else {
			err = writeRGB(path, fake)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func identity(input, _ *rgb) *rgb { return input }
func ideal(_, ideal *rgb) *rgb    { return ideal }

func blend(input, ideal *rgb) *rgb {
	m := newRGB(input.W, input.H)
	for i := range m.Pix {
		m.Pix[i] = uint8((int(input.Pix[i]) + int(ideal.Pix[i])) / 2)
	}
	return m
}

func scores(t *testing.T, d *Dataset, fakeDir string) map[string]float64 {
	t.Helper()
	ms, err := d.GroundTruthScores(fakeDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, m := range ms {
		if !strings.Contains(m.Identity, "data.gt v1") || !strings.Contains(m.Identity, "images=") {
			t.Errorf("identity %q", m.Identity)
		}
		out[m.Name] = m.Value
	}
	return out
}

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

// The identity translation keeps the background exactly and leaves the object unchanged
// (conformity 0); the ideal translation scores 0, 0 and 1; a half blend lies between.
func TestZebraScoresAtExtremes(t *testing.T) {
	for _, c := range []struct {
		name       string
		load, crop int
		direction  string
	}{{"no resize", 48, 48, "AtoB"}, {"resized", 60, 48, "AtoB"}, {"BtoA", 60, 48, "BtoA"}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := builtinCfg("builtin:zebra", c.load, 2, 8)
			cfg.CropSize, cfg.Direction = c.crop, c.direction
			d := openBuiltin(t, cfg)
			id := scores(t, d, writeFakes(t, d, false, identity))
			want := scores(t, d, writeFakes(t, d, false, ideal))
			half := scores(t, d, writeFakes(t, d, false, blend))
			t.Logf("identity %v\nideal %v\nblend %v", id, want, half)
			expect(t, "identity background", id["gt_background_l1"], 0, 0)
			expect(t, "identity conformity", id["gt_object_conformity"], 0, 0)
			expect(t, "identity object", id["gt_object_l1"], 0.1, 1)
			expect(t, "ideal background", want["gt_background_l1"], 0, 0)
			expect(t, "ideal object", want["gt_object_l1"], 0, 0)
			expect(t, "ideal conformity", want["gt_object_conformity"], 1, 1)
			expect(t, "blend object", half["gt_object_l1"], 0.3*id["gt_object_l1"], 0.7*id["gt_object_l1"])
			expect(t, "blend conformity", half["gt_object_conformity"], 0.3, 0.7)
			// Written through the float tensor, the reference's truncating quantization costs at
			// most one level.
			viaTensor := scores(t, d, writeFakes(t, d, true, identity))
			expect(t, "identity via tensor, background", viaTensor["gt_background_l1"], 0, 1.0/255)
		})
	}
}

// A translation that ruins the background scores badly there but keeps the object scores.
func TestZebraBackgroundDamage(t *testing.T) {
	d := openBuiltin(t, builtinCfg("builtin:zebra", 48, 2, 8))
	inverted := scores(t, d, writeFakes(t, d, false, func(input, ideal *rgb) *rgb {
		m := newRGB(input.W, input.H)
		for i := range m.Pix {
			m.Pix[i] = 255 - ideal.Pix[i]
		}
		return m
	}))
	if inverted["gt_background_l1"] < 0.2 {
		t.Errorf("an inverted image scores background L1 %g", inverted["gt_background_l1"])
	}
}

func TestCityscapesScoresAtExtremes(t *testing.T) {
	for _, dir := range []string{"AtoB", "BtoA"} {
		t.Run(dir, func(t *testing.T) {
			cfg := builtinCfg("builtin:cityscapes", 60, 2, 6)
			cfg.CropSize, cfg.Direction = 48, dir
			d := openBuiltin(t, cfg)
			id := scores(t, d, writeFakes(t, d, false, identity))
			want := scores(t, d, writeFakes(t, d, false, ideal))
			t.Logf("identity %v\nideal %v", id, want)
			expect(t, "identity photo", id["gt_photo_l1"], 0.1, 1)
			expect(t, "identity class colour", id["gt_class_color_l1"], 0.1, 1)
			expect(t, "ideal photo", want["gt_photo_l1"], 0, 0)
			expect(t, "ideal class colour", want["gt_class_color_l1"], 0, 0)
		})
	}
}

func expect(t *testing.T, what string, v, lo, hi float64) {
	t.Helper()
	if math.IsNaN(v) || v < lo || v > hi {
		t.Errorf("%s = %g, want in [%g, %g]", what, v, lo, hi)
	}
}

func TestGroundTruthErrors(t *testing.T) {
	d := openBuiltin(t, builtinCfg("builtin:zebra", 48, 2, 3))
	dir := writeFakes(t, d, false, identity)
	os.Remove(filepath.Join(dir, "0001.png"))
	if _, err := d.GroundTruthScores(dir); err == nil || !strings.Contains(err.Error(), "0001.png") {
		t.Errorf("missing fake: %v", err)
	}
	if _, _, _, err := d.SegmentationTruth("0000"); err == nil {
		t.Error("zebra gave segmentation truth")
	}
	folder := openFolder(t, folderCfg(smallFolder(t)))
	if _, err := folder.GroundTruthScores(dir); err == nil {
		t.Error("a folder dataset gave ground-truth scores")
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
