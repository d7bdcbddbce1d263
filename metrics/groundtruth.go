package metrics

import (
	"fmt"
	"math"

	"sweep/data"
	"sweep/internal/imagefile"
)

// gtVersion is the version of the ground-truth scores; it is part of their identity.
const gtVersion = 1

// GroundTruth compares the translations in fakeDir (<name>.png for every test sample of a
// generated dataset; resized to the test size if needed) with the known ideal translations.
// L1 values are mean absolute differences of 8-bit channels divided by 255, so 0 is equal and
// 1 the largest.
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
func GroundTruth(d *data.Dataset, fakeDir string) ([]Value, error) {
	var sc scorer = &streetScorer{}
	if d.Generator() == "builtin:zebra" {
		sc = &zebraScorer{divisors: data.StripeDivisors()}
	}
	for s, err := range d.TruthScenes(fakeDir) {
		if err != nil {
			return nil, err
		}
		sc.add(s)
	}
	// The identity keeps the name it had when data computed these scores, so that recorded
	// values stay comparable.
	id := fmt.Sprintf("data.gt v%d %s", gtVersion, d.TruthIdentity())
	var out []Value
	for _, v := range sc.values() {
		if !math.IsNaN(v.value) {
			out = append(out, Value{Name: v.name, Value: v.value, Identity: id})
		}
	}
	return out, nil
}

// scorer accumulates the scores of one dataset kind over test scenes.
type scorer interface {
	add(s data.TruthScene)
	values() []namedValue
}

type namedValue struct {
	name  string
	value float64
}

// l1 accumulates |a-b| over the channels of the pixels added.
type l1 struct{ sum, n float64 }

func (s *l1) add(a, b *imagefile.RGB, i int) {
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
	divisors    []int
	bg, obj     l1
	conf, nconf float64
}

func (z *zebraScorer) add(s data.TruthScene) {
	for i, r := range s.Truth {
		switch r {
		case data.RegionBackground:
			z.bg.add(s.Fake, s.Input, i)
		case data.RegionObject:
			z.obj.add(s.Fake, s.Ideal, i)
		}
	}
	src := stripeAmplitude(s.Input, s.Truth, z.divisors)
	den := stripeAmplitude(s.Ideal, s.Truth, z.divisors) - src
	if math.Abs(den) > 1e-3 {
		z.conf += (stripeAmplitude(s.Fake, s.Truth, z.divisors) - src) / den
		z.nconf++
	}
}

func (z *zebraScorer) values() []namedValue {
	return []namedValue{{"gt_background_l1", z.bg.mean()}, {"gt_object_l1", z.obj.mean()},
		{"gt_object_conformity", z.conf / z.nconf}}
}

// stripeAmplitude is the amplitude of the strongest stripe pattern in the object's luminance
// (0..1 scale): the largest |mean of (L - mean L)·e^(-2πi t/P)|·2 over directions in 5° steps
// and the generator's periods P = size/k (k in divisors), with t the pixel centre's
// coordinate along the direction. It is computed on a histogram of t in 1/8-pixel bins.
func stripeAmplitude(m *imagefile.RGB, truth []uint8, divisors []int) float64 {
	size := m.W
	var xs, ys []int
	var lum []float64
	mean := 0.0
	for i, r := range truth {
		if r == data.RegionObject {
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
		for _, div := range divisors {
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

func (st *streetScorer) add(s data.TruthScene) {
	var sumF, sumI [256][3]float64
	var count [256]float64
	for i, l := range s.Truth {
		if l == data.RegionMixed || l == data.VoidID {
			continue
		}
		st.photo.add(s.Fake, s.Ideal, i)
		for c := range 3 {
			sumF[l][c] += float64(s.Fake.Pix[3*i+c])
			sumI[l][c] += float64(s.Ideal.Pix[3*i+c])
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
