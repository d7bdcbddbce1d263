package metrics

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sweep/config"
	"sweep/data"
	"sweep/internal/imagefile"
)

// gtCache holds the datasets these tests generate, once per test binary.
var gtCache = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "sweep-gt-")
	if err != nil {
		panic(err)
	}
	return dir
})

func TestMain(m *testing.M) {
	code := m.Run()
	os.RemoveAll(gtCache())
	os.Exit(code)
}

func builtin(t *testing.T, dataset string, load, crop, test int, direction string) *data.Dataset {
	t.Helper()
	cfg := config.Default()
	cfg.Dataset = dataset
	cfg.LoadSize, cfg.CropSize = load, crop
	cfg.TrainSize, cfg.TestSize = 2, test
	cfg.DataSeed = 7
	cfg.Direction = direction
	root, err := data.Prepare(cfg, gtCache())
	if err != nil {
		t.Fatal(err)
	}
	d, err := data.Open(cfg, root)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeFakes writes one translation per test scene: make gets the scene's input and ideal
// (at the test size) and returns the translation. viaTensor writes it through the float
// tensor, with the reference's truncating quantization, as a trained generator's is.
func writeFakes(t *testing.T, d *data.Dataset, viaTensor bool, make func(input, ideal *imagefile.RGB) *imagefile.RGB) string {
	t.Helper()
	dir := t.TempDir()
	for sc, err := range d.TruthScenes("") {
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, sc.Name+".png")
		if err := imagefile.WritePNG(path, make(sc.Input, sc.Ideal)); err != nil {
			t.Fatal(err)
		}
		if viaTensor {
			img, err := data.ReadImage(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := data.WritePNG(path, img); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func identity(input, _ *imagefile.RGB) *imagefile.RGB { return input }
func ideal(_, ideal *imagefile.RGB) *imagefile.RGB    { return ideal }

func blend(input, ideal *imagefile.RGB) *imagefile.RGB {
	m := &imagefile.RGB{W: input.W, H: input.H, Pix: make([]uint8, len(input.Pix))}
	for i := range m.Pix {
		m.Pix[i] = uint8((int(input.Pix[i]) + int(ideal.Pix[i])) / 2)
	}
	return m
}

func scores(t *testing.T, d *data.Dataset, fakeDir string) map[string]float64 {
	t.Helper()
	vs, err := GroundTruth(d, fakeDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, v := range vs {
		if !strings.HasPrefix(v.Identity, "data.gt v1 builtin:") || !strings.Contains(v.Identity, "images=") {
			t.Errorf("identity %q", v.Identity)
		}
		out[v.Name] = v.Value
	}
	return out
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
			d := builtin(t, "builtin:zebra", c.load, c.crop, 8, c.direction)
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
	d := builtin(t, "builtin:zebra", 48, 48, 8, "AtoB")
	inverted := scores(t, d, writeFakes(t, d, false, func(input, ideal *imagefile.RGB) *imagefile.RGB {
		m := &imagefile.RGB{W: input.W, H: input.H, Pix: make([]uint8, len(input.Pix))}
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
			d := builtin(t, "builtin:cityscapes", 60, 48, 6, dir)
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

// TestGroundTruthErrors: a missing translation is named.
func TestGroundTruthErrors(t *testing.T) {
	d := builtin(t, "builtin:zebra", 48, 48, 3, "AtoB")
	dir := writeFakes(t, d, false, identity)
	os.Remove(filepath.Join(dir, "0001.png"))
	if _, err := GroundTruth(d, dir); err == nil || !strings.Contains(err.Error(), "0001.png") {
		t.Errorf("missing fake: %v", err)
	}
}

func expect(t *testing.T, what string, v, lo, hi float64) {
	t.Helper()
	if math.IsNaN(v) || v < lo || v > hi {
		t.Errorf("%s = %g, want in [%g, %g]", what, v, lo, hi)
	}
}
