package data

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"

	"sweep/config"
)

// memoryBudget bounds the decoded images a Dataset keeps; beyond it, images are decoded again
// on each use.
const memoryBudget = 512 << 20

// Dataset is an opened dataset: the training domains and the test split, after the direction
// swap (for BtoA, "A" below means the folder named B), every image checked up front.
type Dataset struct {
	cfg     config.Run
	root    string
	man     *Manifest // nil for a folder dataset
	a, b    *domain   // training images
	srcTest *domain   // test inputs
	tgtTest *domain   // real test images of the target domain
	names   []string  // test sample names, sorted, at most cfg.TestSize
}

// Sample is one test input, named after its file (without extension): its translation is
// written as Name + ".png".
type Sample struct {
	Name string
	A    Image
}

// domain is one folder's images in sorted order.
type domain struct {
	dir   string
	files []string
	imgs  []*rgb // decoded images; nil entries are decoded again on use
}

// Open scans root's four folders, decodes every image once to check it (each error names its
// file), and applies cfg.Direction. root is what Prepare returned. A generated folder opened as
// a folder dataset (cfg.Dataset is its path) is a plain folder dataset, without ground truth.
func Open(cfg config.Run, root string) (*Dataset, error) {
	if cfg.CropSize < 1 || cfg.LoadSize < cfg.CropSize {
		return nil, fmt.Errorf("load_size %d and crop_size %d: need 1 ≤ crop_size ≤ load_size", cfg.LoadSize, cfg.CropSize)
	}
	d := &Dataset{cfg: cfg, root: root}
	if strings.HasPrefix(cfg.Dataset, "builtin:") {
		m, ok, err := readManifest(root)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: no %s; prepare the dataset %s first", root, ManifestFile, cfg.Dataset)
		}
		if err := checkManifest(m, cfg, root); err != nil {
			return nil, err
		}
		d.man = &m
	}
	dirs, err := findSplits(root)
	if err != nil {
		return nil, err
	}
	var used atomic.Int64
	doms := make([]*domain, 4)
	var errs []error
	for i, dir := range []string{dirs.trainA, dirs.trainB, dirs.testA, dirs.testB} {
		doms[i], err = loadDomain(dir, &used)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	d.a, d.b, d.srcTest, d.tgtTest = doms[0], doms[1], doms[2], doms[3]
	if cfg.Direction == "BtoA" {
		d.a, d.b, d.srcTest, d.tgtTest = d.b, d.a, d.tgtTest, d.srcTest
	}
	if d.names, err = testNames(d.srcTest, cfg.TestSize); err != nil {
		return nil, err
	}
	if d.man != nil {
		if err := checkPaired(d.srcTest, d.tgtTest, d.names); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// checkManifest refuses a generated dataset that is not the one cfg asks for.
func checkManifest(m Manifest, cfg config.Run, root string) error {
	want := Manifest{Dataset: cfg.Dataset, Version: GenVersion, Seed: cfg.DataSeed,
		Train: cfg.TrainSize, Test: cfg.TestSize, Size: cfg.LoadSize}
	if m.Dataset != want.Dataset || m.Key() != want.Key() {
		return fmt.Errorf("%s describes %s; the run wants %s", filepath.Join(root, ManifestFile), m.Key(), want.Key())
	}
	return nil
}

// loadDomain lists and decodes one folder's images, keeping them while used stays in budget.
func loadDomain(dir string, used *atomic.Int64) (*domain, error) {
	files, err := ListImages(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no PNG or JPEG images", dir)
	}
	dom := &domain{dir: dir, files: files, imgs: make([]*rgb, len(files))}
	jobs := make([]func() error, len(files))
	for i, f := range files {
		jobs[i] = func() error {
			m, err := readRGB(f)
			if err != nil {
				return err
			}
			if used.Add(int64(len(m.Pix))) <= memoryBudget {
				dom.imgs[i] = m // each job writes its own element
			}
			return nil
		}
	}
	return dom, runParallel(jobs)
}

func (dom *domain) get(i int) (*rgb, error) {
	if m := dom.imgs[i]; m != nil {
		return m, nil
	}
	return readRGB(dom.files[i])
}

// testNames are the stems of the first limit test inputs; two files with one stem would write
// the same output, so that is an error.
func testNames(dom *domain, limit int) ([]string, error) {
	n := len(dom.files)
	if limit > 0 {
		n = min(n, limit)
	}
	names := make([]string, n)
	seen := map[string]string{}
	for i, f := range dom.files[:n] {
		base := filepath.Base(f)
		names[i] = strings.TrimSuffix(base, filepath.Ext(base))
		if prev, dup := seen[names[i]]; dup {
			return nil, fmt.Errorf("test images %s and %s have the same name %q; their outputs would collide", prev, f, names[i])
		}
		seen[names[i]] = f
	}
	return names, nil
}

// checkPaired makes sure a generated test split pairs its domains by file name, as the
// ground truth assumes.
func checkPaired(src, tgt *domain, names []string) error {
	if len(tgt.files) < len(names) {
		return fmt.Errorf("%s has %d images, fewer than the %d of %s", tgt.dir, len(tgt.files), len(names), src.dir)
	}
	for i, name := range names {
		if base := filepath.Base(tgt.files[i]); base != name+".png" {
			return fmt.Errorf("%s: test image %d is %s, want %s.png to pair with %s", tgt.dir, i, base, name, src.files[i])
		}
	}
	return nil
}

// Len is the number of iterations of an epoch: max(|A|, |B|).
func (d *Dataset) Len() int { return max(len(d.a.files), len(d.b.files)) }

// Order is the epoch's sequence of dataset indices: a Fisher-Yates shuffle of 0..Len()-1 drawn
// from rng, or the identity with serial_batches. The order depends only on rng's state.
func (d *Dataset) Order(epoch int, rng *rand.Rand) []int {
	idx := make([]int, d.Len())
	for i := range idx {
		idx[i] = i
	}
	if d.cfg.SerialData {
		return idx
	}
	for i := len(idx) - 1; i > 0; i-- {
		j := intn(rng, i+1)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx
}

// TrainPair returns the training images of dataset index i in epoch (1-based): A image i mod |A|
// and a B image, both through the reference transform. The draws from rng come in this fixed
// order: the B index (unless serial_batches), then for A and then for B: crop top, crop left
// (only when the load size exceeds the crop size), flip (unless no_flip). After cfg.Epochs
// epochs the load size becomes the crop size, as the reference's UnalignedDataset does.
func (d *Dataset) TrainPair(i, epoch int, rng *rand.Rand) (a, b Image, err error) {
	na, nb := len(d.a.files), len(d.b.files)
	ia := ((i % na) + na) % na
	ib := ((i % nb) + nb) % nb
	if !d.cfg.SerialData {
		ib = intn(rng, nb)
	}
	load := d.cfg.LoadSize
	if epoch > d.cfg.Epochs {
		load = d.cfg.CropSize
	}
	ma, err := d.a.get(ia)
	if err != nil {
		return a, b, err
	}
	mb, err := d.b.get(ib)
	if err != nil {
		return a, b, err
	}
	a = d.trainTransform(ma, load, rng).tensor()
	b = d.trainTransform(mb, load, rng).tensor()
	return a, b, nil
}

// trainTransform is Resize(load, bicubic) → RandomCrop(crop) → RandomHorizontalFlip.
func (d *Dataset) trainTransform(m *rgb, load int, rng *rand.Rand) *rgb {
	crop := d.cfg.CropSize
	m = resizeBicubic(m, load, load)
	if load > crop {
		top := intn(rng, load-crop+1)
		left := intn(rng, load-crop+1)
		m = m.crop(left, top, crop, crop)
	}
	if !d.cfg.NoFlip && unitFloat(rng) < 0.5 {
		m = m.flip()
	}
	return m
}

func (m *rgb) crop(x0, y0, w, h int) *rgb {
	out := newRGB(w, h)
	for y := range h {
		copy(out.Pix[3*y*w:3*(y+1)*w], m.Pix[3*((y0+y)*m.W+x0):])
	}
	return out
}

func (m *rgb) flip() *rgb {
	out := newRGB(m.W, m.H)
	for y := range m.H {
		for x := range m.W {
			copy(out.Pix[3*(y*m.W+x):3*(y*m.W+x)+3], m.Pix[3*(y*m.W+m.W-1-x):])
		}
	}
	return out
}

// Test returns the test inputs in name order, resized to crop_size (bicubic), not flipped.
func (d *Dataset) Test() ([]Sample, error) {
	out := make([]Sample, len(d.names))
	for i, name := range d.names {
		m, err := d.testInput(i)
		if err != nil {
			return nil, err
		}
		out[i] = Sample{Name: name, A: m.tensor()}
	}
	return out, nil
}

func (d *Dataset) testInput(i int) (*rgb, error) {
	m, err := d.srcTest.get(i)
	if err != nil {
		return nil, err
	}
	return resizeBicubic(m, d.cfg.CropSize, d.cfg.CropSize), nil
}

// RealTestB returns every real test image of the target domain (testB; testA for BtoA) through
// the test transform, named after its file: the real set that SWD and FID compare translations
// with, at the translations' size. For a built-in dataset these are the ideal translations of
// the test inputs, under the same names.
func (d *Dataset) RealTestB() ([]Sample, error) {
	out := make([]Sample, len(d.tgtTest.files))
	for i, f := range d.tgtTest.files {
		m, err := d.tgtTest.get(i)
		if err != nil {
			return nil, err
		}
		base := filepath.Base(f)
		out[i] = Sample{Name: strings.TrimSuffix(base, filepath.Ext(base)),
			A: resizeBicubic(m, d.cfg.CropSize, d.cfg.CropSize).tensor()}
	}
	return out, nil
}

// RealTestBDir is the folder of real test images of the target domain (testB; testA for BtoA),
// at their stored size.
func (d *Dataset) RealTestBDir() string { return d.tgtTest.dir }

// Root is the dataset folder.
func (d *Dataset) Root() string { return d.root }
