package data

import (
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"

	"sweep/internal/imagefile"
)

// Region codes of a zebra test scene's truth map at the test size (see TruthScene).
const (
	RegionBackground = 0
	RegionObject     = 1
	RegionMixed      = 254
)

// VoidID is the trainId of the cityscapes set's void pixels.
const VoidID = voidID

// StripeDivisors are the zebra set's stripe periods as fractions of the image side:
// period = side/k.
func StripeDivisors() []int { return slices.Clone(stripeDivisors) }

// HasGroundTruth reports whether the dataset is generated, so the ideal translation of each
// test image is known.
func (d *Dataset) HasGroundTruth() bool { return d.man != nil }

// Generator names the built-in dataset ("builtin:zebra", "builtin:cityscapes"), "" for a
// folder dataset.
func (d *Dataset) Generator() string {
	if d.man == nil {
		return ""
	}
	return d.man.Dataset
}

// TruthIdentity describes the ground truth: the generated set, its seed and generator
// version, the image count, the test size and the direction.
func (d *Dataset) TruthIdentity() string {
	return fmt.Sprintf("%s seed=%d gen=v%d images=%d size=%d direction=%s",
		d.man.Dataset, d.man.Seed, d.man.Version, len(d.names), d.cfg.CropSize, d.cfg.Direction)
}

// TruthScene is one test scene of a generated dataset at the test size: the input, its ideal
// translation, the translation under test (nil without a folder of translations), and the
// scene's truth map, row-major: regions (zebra: RegionBackground, RegionObject) or trainIds
// (cityscapes) where the whole bicubic support of a pixel lies in one of them, RegionMixed
// elsewhere.
type TruthScene struct {
	Name               string
	Input, Ideal, Fake *imagefile.RGB
	Truth              []uint8
}

// TruthScenes yields the test scenes in order, each with its translation fakeDir/<name>.png
// resized to the test size when fakeDir is not "". It stops at the first error.
func (d *Dataset) TruthScenes(fakeDir string) iter.Seq2[TruthScene, error] {
	return func(yield func(TruthScene, error) bool) {
		if d.man == nil {
			yield(TruthScene{}, fmt.Errorf("%s: ground truth exists only for built-in datasets", d.root))
			return
		}
		for i := range d.names {
			sc, err := d.truthScene(i, fakeDir)
			if !yield(sc, err) || err != nil {
				return
			}
		}
	}
}

// truthScene loads test scene i and its translation at the test size.
func (d *Dataset) truthScene(i int, fakeDir string) (TruthScene, error) {
	size := d.cfg.CropSize
	sc := TruthScene{Name: d.names[i]}
	input, err := d.testInput(i)
	if err != nil {
		return sc, err
	}
	ideal, err := d.tgtTest.get(i)
	if err != nil {
		return sc, err
	}
	sc.Input, sc.Ideal = (*imagefile.RGB)(input), (*imagefile.RGB)(resizeBicubic(ideal, size, size))
	if fakeDir != "" {
		fake, err := readRGB(filepath.Join(fakeDir, sc.Name+".png"))
		if err != nil {
			return sc, err
		}
		sc.Fake = (*imagefile.RGB)(resizeBicubic(fake, size, size))
	}
	truthDir := labelsDir
	if d.man.Dataset == "builtin:zebra" {
		truthDir = maskDir
	}
	truth, err := readTruth(filepath.Join(d.root, truthDir, sc.Name+".png"), d.man.Size)
	if err != nil {
		return sc, err
	}
	if truthDir == maskDir {
		for j, v := range truth {
			truth[j] = v / 255 // RegionBackground or RegionObject
		}
	}
	sc.Truth = pureLabels(truth, d.man.Size, d.man.Size, size, size, RegionMixed)
	return sc, nil
}

// readTruth reads a truth map of size x size, one byte per pixel.
func readTruth(path string, size int) ([]uint8, error) {
	m, err := readRGB(path)
	if err != nil {
		return nil, err
	}
	if m.W != size || m.H != size {
		return nil, fmt.Errorf("%s: %dx%d, want %dx%d", path, m.W, m.H, size, size)
	}
	out := make([]uint8, size*size)
	for i := range out {
		out[i] = m.Pix[3*i]
	}
	return out, nil
}

// SegmentationTruth returns the trainIds (255 = void) of test sample name at the test size,
// resized from the generated layout by nearest neighbour, row-major. Only the cityscapes set
// has them.
func (d *Dataset) SegmentationTruth(name string) ([]uint8, int, int, error) {
	if d.man == nil || d.man.Dataset != "builtin:cityscapes" {
		return nil, 0, 0, fmt.Errorf("%s: segmentation truth exists only for builtin:cityscapes", d.root)
	}
	path := filepath.Join(d.root, labelsDir, name+".png")
	if _, err := os.Stat(path); err != nil {
		return nil, 0, 0, fmt.Errorf("no segmentation truth for test sample %q: %w", name, err)
	}
	labels, err := readTruth(path, d.man.Size)
	if err != nil {
		return nil, 0, 0, err
	}
	s := d.cfg.CropSize
	return resizeNearest(labels, d.man.Size, d.man.Size, s, s), s, s, nil
}
