package data

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"sweep/rundir"
)

// gtVersion is the version of the ground-truth scores; it is part of their identity.
const gtVersion = 1

// Region codes of a test scene resized to the test size (see pureLabels).
const (
	regionBackground = 0
	regionObject     = 1
	regionMixed      = 254
)

// HasGroundTruth reports whether the dataset is generated, so the ideal translation of each
// test image is known.
func (d *Dataset) HasGroundTruth() bool { return d.man != nil }

// truthPair holds one test scene at the test size: the input, the ideal translation, the
// translation under test, and the scene's truth map (regions or trainIds) where the whole
// resampling support of a pixel lies in one region, regionMixed elsewhere.
type truthPair struct {
	name               string
	input, ideal, fake *rgb
	pure               []uint8
	size               int
}

// GroundTruthScores compares the translations in fakeDir (<name>.png for every test sample;
// resized to the test size if needed) with the known ideal translations. L1 values are mean
// absolute differences of 8-bit channels divided by 255, so 0 is equal and 1 the largest.
//
// zebra:
//   - gt_background_l1: background of the translation vs the input (lower is better);
//   - gt_object_l1: the object vs the ideal translation's object (lower is better);
//   - gt_object_conformity: how far the object's stripe amplitude moved from the input's toward
//     the ideal's, (amp(fake)-amp(input))/(amp(ideal)-amp(input)) averaged over images: 0 for
//     the identity, 1 for the ideal (higher is better; stripes of any angle and phase count).
//
// cityscapes:
//   - gt_photo_l1: the translation vs the ideal over all non-void pixels (lower is better);
//   - gt_class_color_l1: per class, the mean colour of the translation vs the ideal's,
//     weighted by pixel count (lower is better; insensitive to texture noise).
//
// Only pixels whose whole bicubic support lies in one region count, so resampling across an
// object's edge does not blur the measures. A score with no pixels to measure (an object too
// small to have any such pixel at this size) is left out rather than reported as NaN.
func (d *Dataset) GroundTruthScores(fakeDir string) ([]rundir.Metric, error) {
	if d.man == nil {
		return nil, fmt.Errorf("%s: ground truth exists only for built-in datasets", d.root)
	}
	var sc scorer = &streetScorer{}
	if d.man.Dataset == "builtin:zebra" {
		sc = &zebraScorer{}
	}
	for i := range d.names {
		p, err := d.truthPair(i, fakeDir)
		if err != nil {
			return nil, err
		}
		sc.add(p)
	}
	id := fmt.Sprintf("data.gt v%d %s seed=%d gen=v%d images=%d size=%d direction=%s",
		gtVersion, d.man.Dataset, d.man.Seed, d.man.Version, len(d.names), d.cfg.CropSize, d.cfg.Direction)
	var out []rundir.Metric
	for _, v := range sc.values() {
		if !math.IsNaN(v.value) {
			out = append(out, rundir.Metric{Name: v.name, Value: v.value, Identity: id})
		}
	}
	return out, nil
}

// scorer accumulates the scores of one dataset kind over test scenes.
type scorer interface {
	add(p truthPair)
	values() []namedValue
}

type namedValue struct {
	name  string
	value float64
}

// truthPair loads test scene i and its translation at the test size.
func (d *Dataset) truthPair(i int, fakeDir string) (truthPair, error) {
	size := d.cfg.CropSize
	p := truthPair{name: d.names[i], size: size}
	var err error
	if p.input, err = d.testInput(i); err != nil {
		return p, err
	}
	ideal, err := d.tgtTest.get(i)
	if err != nil {
		return p, err
	}
	p.ideal = resizeBicubic(ideal, size, size)
	fake, err := readRGB(filepath.Join(fakeDir, p.name+".png"))
	if err != nil {
		return p, err
	}
	p.fake = resizeBicubic(fake, size, size)
	truthDir := labelsDir
	if d.man.Dataset == "builtin:zebra" {
		truthDir = maskDir
	}
	truth, err := readTruth(filepath.Join(d.root, truthDir, p.name+".png"), d.man.Size)
	if err != nil {
		return p, err
	}
	if truthDir == maskDir {
		for j, v := range truth {
			truth[j] = v / 255 // regionBackground or regionObject
		}
	}
	p.pure = pureLabels(truth, d.man.Size, d.man.Size, size, size, regionMixed)
	return p, nil
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

// l1 accumulates |a-b| over the channels of the pixels added.
type l1 struct{ sum, n float64 }

func (s *l1) add(a, b *rgb, i int) {
	for c := range 3 {
		s.sum += math.Abs(float64(a.Pix[3*i+c]) - float64(b.Pix[3*i+c]))
	}
	s.n += 3
}

func (s l1) mean() float64 {
	if s.n == 0 {
		return math.NaN()
	}
	return s.sum / s.n / 255
}

type zebraScorer struct {
	bg, obj     l1
	conf, nconf float64
}

func (z *zebraScorer) add(p truthPair) {
	for i, r := range p.pure {
		switch r {
		case regionBackground:
			z.bg.add(p.fake, p.input, i)
		case regionObject:
			z.obj.add(p.fake, p.ideal, i)
		}
	}
	src := stripeAmplitude(p.input, p.pure, p.size)
	den := stripeAmplitude(p.ideal, p.pure, p.size) - src
	if math.Abs(den) > 1e-3 {
		z.conf += (stripeAmplitude(p.fake, p.pure, p.size) - src) / den
		z.nconf++
	}
}

func (z *zebraScorer) values() []namedValue {
	return []namedValue{{"gt_background_l1", z.bg.mean()}, {"gt_object_l1", z.obj.mean()},
		{"gt_object_conformity", z.conf / z.nconf}}
}

// stripeAmplitude is the amplitude of the strongest stripe pattern in the object's luminance
// (0..1 scale): the largest |mean of (L - mean L)·e^(-2πi t/P)|·2 over directions in 5° steps
// and the generator's periods P = size/k, with t the pixel centre's coordinate along the
// direction. It is computed on a histogram of t in 1/8-pixel bins.
func stripeAmplitude(m *rgb, pure []uint8, size int) float64 {
	var xs, ys []int
	var lum []float64
	mean := 0.0
	for i, r := range pure {
		if r == regionObject {
			p := m.Pix[3*i:]
			l := (0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])) / 255
			xs, ys, lum = append(xs, i%size), append(ys, i/size), append(lum, l)
			mean += l
		}
	}
	if len(lum) == 0 {
		return 0
	}
	mean /= float64(len(lum))
	const binsPerPixel = 8
	offset := 2 * size * binsPerPixel
	bins := make([]float64, 4*size*binsPerPixel)
	best := 0.0
	for k := range 36 {
		theta := float64(k) * math.Pi / 36
		c, s := math.Cos(theta), math.Sin(theta)
		clear(bins)
		lo, hi := len(bins), 0
		for j, l := range lum {
			t := (float64(xs[j])+0.5)*c + (float64(ys[j])+0.5)*s
			b := offset + int(math.Floor(t*binsPerPixel))
			bins[b] += l - mean
			lo, hi = min(lo, b), max(hi, b)
		}
		for _, div := range stripeDivisors {
			w := 2 * math.Pi * float64(div) / float64(size) / binsPerPixel
			var re, im float64
			for b := lo; b <= hi; b++ {
				if v := bins[b]; v != 0 {
					ph := w * (float64(b-offset) + 0.5)
					re += v * math.Cos(ph)
					im -= v * math.Sin(ph)
				}
			}
			best = max(best, 2*math.Hypot(re, im)/float64(len(lum)))
		}
	}
	return best
}

type streetScorer struct {
	photo        l1
	colSum, colN float64
}

func (st *streetScorer) add(p truthPair) {
	var sumF, sumI [256][3]float64
	var count [256]float64
	for i, l := range p.pure {
		if l == regionMixed || l == voidID {
			continue
		}
		st.photo.add(p.fake, p.ideal, i)
		for c := range 3 {
			sumF[l][c] += float64(p.fake.Pix[3*i+c])
			sumI[l][c] += float64(p.ideal.Pix[3*i+c])
		}
		count[l]++
	}
	for l, n := range count {
		if n > 0 {
			for c := range 3 {
				st.colSum += math.Abs(sumF[l][c]-sumI[l][c]) / 3
			}
			st.colN += n
		}
	}
}

func (st *streetScorer) values() []namedValue {
	return []namedValue{{"gt_photo_l1", st.photo.mean()}, {"gt_class_color_l1", st.colSum / st.colN / 255}}
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
