package translate

import (
	"path/filepath"
	"strings"
	"testing"

	"sweep/checkpoint"
	"sweep/data"
	"sweep/internal/fixtures"
	"sweep/internal/imagefile"
	"sweep/safetensors"
	"sweep/tensor"
)

// fixtureDir is the fixture folder.
func fixtureDir(t testing.TB) string { return fixtures.Dir(t) }

// TestOfficialCheckpointReproducesFixture loads the PyTorch-written generator of the global
// fixture and compares its output on input.real_A with the fixture's out.fake_B.
func TestOfficialCheckpointReproducesFixture(t *testing.T) {
	g, err := checkpoint.LoadGenerator(filepath.Join(fixtureDir(t), "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(filepath.Join(fixtureDir(t), "global.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	in, shape, _ := f.Float32("input.real_A")
	want, _, _ := f.Float32("out.fake_B")
	out, _ := g.Forward(nil, tensor.NewVar(in, shape[1:]...), false)
	var d, n float64
	for i := range want {
		x := float64(out.Data[i] - want[i])
		d += x * x
		n += float64(want[i]) * float64(want[i])
	}
	if rel := d / n; rel > 1e-8 {
		t.Errorf("fake_B relative error %.3g > 1e-4", rel)
	}
}

func TestDirTranslatesEveryImage(t *testing.T) {
	g, err := checkpoint.LoadGenerator(filepath.Join(fixtureDir(t), "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	in, out := t.TempDir(), t.TempDir()
	for _, name := range []string{"b.png", "a.png"} {
		img := data.Image{C: 3, H: 40, W: 40, Pix: make([]float32, 3*40*40)}
		if err := data.WritePNG(filepath.Join(in, name), img); err != nil {
			t.Fatal(err)
		}
	}
	var calls int
	if err := Dir(g, in, out, 32, func(done, total int) { calls++ }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.png", "b.png"} {
		img, err := data.ReadImage(filepath.Join(out, name))
		if err != nil || img.W != 32 {
			t.Errorf("%s: %v (width %d)", name, err, img.W)
		}
	}
	if calls != 2 {
		t.Errorf("progress called %d times, want 2", calls)
	}
	if err := Dir(g, t.TempDir(), out, 32, func(int, int) {}); err == nil || !strings.Contains(err.Error(), "no PNG or JPEG") {
		t.Errorf("empty folder: %v", err)
	}
}

// TestTranslateMatchesPyTorchPNGs compares sweep translate's PNGs with PyTorch's for the same
// checkpoint and inputs (testdata/make_reference.py): no value may differ by more than one
// grey level, and at most 1% of values may differ at all.
func TestTranslateMatchesPyTorchPNGs(t *testing.T) {
	g, err := checkpoint.LoadGenerator(filepath.Join(fixtureDir(t), "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := Dir(g, filepath.Join("testdata", "in"), out, 32, func(int, int) {}); err != nil {
		t.Fatal(err)
	}
	refs, _ := filepath.Glob(filepath.Join("testdata", "pytorch", "*.png"))
	if len(refs) == 0 {
		t.Fatal("no reference PNGs in testdata/pytorch")
	}
	var values, off int
	for _, ref := range refs {
		want, err := readRGB8(ref)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readRGB8(filepath.Join(out, filepath.Base(ref)))
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			d := int(got[i]) - int(want[i])
			if d > 1 || d < -1 {
				t.Fatalf("%s: value %d is %d, PyTorch wrote %d", filepath.Base(ref), i, got[i], want[i])
			}
			if d != 0 {
				off++
			}
		}
		values += len(want)
	}
	t.Logf("%d of %d values differ by one grey level", off, values)
	if off*100 > values {
		t.Errorf("%d of %d values differ (more than 1%%)", off, values)
	}
}

func readRGB8(path string) ([]uint8, error) {
	img, err := imagefile.ReadPNG(path)
	if err != nil {
		return nil, err
	}
	return imagefile.ToRGB(img).Pix, nil
}
