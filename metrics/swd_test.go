package metrics

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"sweep/internal/imagefile"
	"sweep/safetensors"
)

// fixtureSampler replays the centres and directions stored in an SWD fixture.
type fixtureSampler struct {
	f    *safetensors.File
	t    testing.TB
	dims [][]int
}

func (s fixtureSampler) Centers(set SetKind, level, image, n, w, h int) ([]int, []int, error) {
	key := fmt.Sprintf("centers.%s.l%d.", set, level)
	xs, _, err := s.f.Int(key + "x")
	if err != nil {
		return nil, nil, err
	}
	ys, _, err := s.f.Int(key + "y")
	if err != nil {
		return nil, nil, err
	}
	if (image+1)*n > len(xs) {
		return nil, nil, fmt.Errorf("%s: %d centres, need image %d of %d", key, len(xs), image, n)
	}
	return xs[image*n : (image+1)*n], ys[image*n : (image+1)*n], nil
}

func (s fixtureSampler) Directions(level, repeat, dim, n int) ([]float64, error) {
	v, shape, err := s.f.Float64(fmt.Sprintf("dirs.l%d", level))
	if err != nil {
		return nil, err
	}
	if len(shape) != 3 || shape[1] != dim || shape[2] != n || repeat >= shape[0] {
		return nil, fmt.Errorf("dirs.l%d has shape %v, want [>%d,%d,%d]", level, shape, repeat, dim, n)
	}
	return v[repeat*dim*n : (repeat+1)*dim*n], nil
}

// fixtureImages converts a U8 [N,3,H,W] tensor to images.
func fixtureImages(t testing.TB, f *safetensors.File, name string) []*imagefile.RGB {
	t.Helper()
	v := mustInt(t, f, name)
	shape := f.Tensors[name].Shape
	n, c, h, w := shape[0], shape[1], shape[2], shape[3]
	if c != 3 {
		t.Fatalf("%s: %d channels", name, c)
	}
	out := make([]*imagefile.RGB, n)
	for i := range out {
		img := &imagefile.RGB{W: w, H: h, Pix: make([]uint8, 3*w*h)}
		for ch := 0; ch < 3; ch++ {
			for p := 0; p < w*h; p++ {
				img.Pix[3*p+ch] = uint8(v[(i*3+ch)*w*h+p])
			}
		}
		out[i] = img
	}
	return out
}

func fixtureSWDOptions(t testing.TB, f *safetensors.File) SWDOptions {
	shape := f.Tensors["dirs.l0"].Shape
	nh := len(mustInt(t, f, "centers.real.l0.x")) / f.Tensors["images.real"].Shape[0]
	return SWDOptions{Sampler: fixtureSampler{f: f, t: t}, NhoodsPerImage: nh, DirRepeats: shape[0], DirsPerRepeat: shape[2]}
}

func TestSWDFixtures(t *testing.T) {
	for _, path := range fixtureFiles(t, "swd") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkSWDCase(t, f, filepath.Dir(path))
		})
	}
}

func checkSWDCase(t *testing.T, f *safetensors.File, dir string) {
	opt := fixtureSWDOptions(t, f)
	sets := map[SetKind]*SWDAccumulator{}
	for _, set := range []SetKind{SetReal, SetFake} {
		imgs := fixtureImages(t, f, "images."+set.String())
		checkImageFolder(t, filepath.Join(dir, set.String()), imgs)
		acc := NewSWDAccumulator(set, opt)
		for _, img := range imgs {
			if err := acc.Add(img); err != nil {
				t.Fatal(err)
			}
		}
		sets[set] = acc
		checkPyramid(t, f, set, imgs, len(acc.shapes))
		checkDescStats(t, f, set, acc)
	}
	res, err := SWD(sets[SetReal], sets[SetFake])
	if err != nil {
		t.Fatal(err)
	}
	checkSWDResult(t, f, res)
	if _, err := os.Stat(filepath.Join(dir, "real")); err == nil {
		fromDirs, err := SWDDirs(filepath.Join(dir, "real"), filepath.Join(dir, "fake"), opt)
		if err != nil {
			t.Fatal(err)
		}
		checkSWDResult(t, f, fromDirs)
	}
}

// checkImageFolder checks that the PNGs next to a case decode to the stored pixels.
func checkImageFolder(t *testing.T, dir string, want []*imagefile.RGB) {
	paths, err := imagefile.List(dir)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(want) {
		t.Fatalf("%s: %d images, fixture has %d", dir, len(paths), len(want))
	}
	for i, p := range paths {
		img, err := imagefile.ReadRGB(p)
		if err != nil {
			t.Fatal(err)
		}
		if img.W != want[i].W || img.H != want[i].H || string(img.Pix) != string(want[i].Pix) {
			t.Errorf("%s: pixels differ from the fixture's image %d", p, i)
		}
	}
}

func checkPyramid(t *testing.T, f *safetensors.File, set SetKind, imgs []*imagefile.RGB, levels int) {
	var worst float64
	for l := 0; l < levels; l++ {
		want, shape := mustF64(t, f, fmt.Sprintf("pyramid.%s.l%d", set, l))
		per := shape[1] * shape[2] * shape[3]
		for i, img := range imgs {
			got := laplacianPyramid(planesOf(img), levels)[l]
			if got.h != shape[2] || got.w != shape[3] {
				t.Fatalf("level %d is %dx%d, fixture %dx%d", l, got.w, got.h, shape[3], shape[2])
			}
			worst = max(worst, maxScaledErr(got.v, want[i*per:(i+1)*per]))
		}
	}
	t.Logf("%s pyramid: max |err| / max |value| = %.3g", set, worst)
	if worst > 1e-6 {
		t.Errorf("%s pyramid differs by %.3g of its range", set, worst)
	}
}

func checkDescStats(t *testing.T, f *safetensors.File, set SetKind, acc *SWDAccumulator) {
	for l := range acc.shapes {
		mean, std := descStats(acc.desc[l])
		wantMean, _ := mustF64(t, f, fmt.Sprintf("desc_mean.%s.l%d", set, l))
		wantStd, _ := mustF64(t, f, fmt.Sprintf("desc_std.%s.l%d", set, l))
		for c := range mean {
			// Means of band-pass levels are near 0, so compare them against the spread.
			if e := math.Abs(mean[c]-wantMean[c]) / wantStd[c]; e > 1e-5 {
				t.Errorf("%s level %d channel %d: mean %g, fixture %g", set, l, c, mean[c], wantMean[c])
			}
			if e := relErr(std[c], wantStd[c]); e > 1e-5 {
				t.Errorf("%s level %d channel %d: std %g, fixture %g (rel %.3g)", set, l, c, std[c], wantStd[c], e)
			}
		}
	}
}

func checkSWDResult(t *testing.T, f *safetensors.File, res *SWDResult) {
	var worst float64
	check := func(name string, got float64) {
		want, _ := mustF64(t, f, name)
		e := relErr(got, want[0])
		worst = max(worst, e)
		if e > 1e-4 {
			t.Errorf("%s = %.9g, fixture %.9g (rel %.3g)", name, got, want[0], e)
		}
	}
	for l, v := range res.Levels {
		check(fmt.Sprintf("swd_x1e3.l%d", l), v)
		want, _ := mustF64(t, f, fmt.Sprintf("swd_x1e3_repeats.l%d", l))
		for r, got := range res.Repeats[l] {
			if e := relErr(got, want[r]); e > 1e-4 {
				t.Errorf("level %d repeat %d = %.9g, fixture %.9g", l, r, got, want[r])
			}
		}
	}
	check("swd_x1e3.avg", res.Avg)
	t.Logf("SWD levels %v avg %.9g: max rel err %.3g", res.Levels, res.Avg, worst)
	if !strings.Contains(res.Identity.String(), "sampler=injected") {
		t.Errorf("identity %q does not record the injected sampler", res.Identity)
	}
}

func TestSWDSeeded(t *testing.T) {
	dir := t.TempDir()
	real, fake := filepath.Join(dir, "real"), filepath.Join(dir, "fake")
	writePNGs(t, real, 3, 32, 32, 1)
	writePNGs(t, fake, 3, 32, 32, 2)
	run := func(seed uint64) *SWDResult {
		t.Helper()
		res, err := SWDDirs(real, fake, SWDOptions{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c := run(5), run(5), run(6)
	if fmt.Sprint(a.Levels) != fmt.Sprint(b.Levels) {
		t.Errorf("same seed, different results: %v %v", a.Levels, b.Levels)
	}
	if fmt.Sprint(a.Levels) == fmt.Sprint(c.Levels) {
		t.Errorf("seeds 5 and 6 gave identical results %v", a.Levels)
	}
	if len(a.Levels) != 2 || a.Resolutions[0] != 32 || a.Resolutions[1] != 16 || !(a.Avg > 0) {
		t.Errorf("result %+v", a)
	}
	m := a.Values()
	names := []string{"swd_32", "swd_16", "swd_avg"}
	for i, want := range names {
		if m[i].Name != want {
			t.Errorf("metric %d = %+v, want %s", i, m[i], want)
		}
	}
	for _, want := range []string{"impl=sweep-swd-karras", "images=3", "seed=5", "levels=32,16", "nhoods=128", "dirs=4x128", "sampler=seeded-pcg"} {
		if !strings.Contains(m[0].Identity, want) {
			t.Errorf("identity %q lacks %q", m[0].Identity, want)
		}
	}
}

func TestSeededSamplerRanges(t *testing.T) {
	s := NewSWDSampler(1)
	xs, ys, _ := s.Centers(SetFake, 2, 9, 4000, 16, 20)
	if err := checkCenters(xs, ys, 4000, 16, 20); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, x := range xs {
		seen[x] = true
	}
	if len(seen) != 16-6 {
		t.Errorf("x centres cover %d values, want all %d of [3,13)", len(seen), 16-6)
	}
	d, _ := s.Directions(0, 1, descDim, 128)
	for j := 0; j < 128; j++ {
		var ss float64
		for k := 0; k < descDim; k++ {
			ss += d[k*128+j] * d[k*128+j]
		}
		if math.Abs(ss-1) > 1e-12 {
			t.Fatalf("direction %d has squared norm %g", j, ss)
		}
	}
}

func TestSWDBadInput(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, n, w, h int) string {
		p := filepath.Join(dir, name)
		writePNGs(t, p, n, w, h, 1)
		return p
	}
	base := mk("base", 2, 32, 32)
	small := mk("small", 2, 8, 8)
	other := mk("other", 2, 32, 48)
	mixed := mk("mixed", 1, 32, 32)
	writePNG(t, filepath.Join(mixed, "z.png"), image.NewNRGBA(image.Rect(0, 0, 31, 32)))
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	tests := []struct {
		name, real, fake string
		contains         []string
	}{
		{"too small", small, small, []string{"8x8", "at least 16x16"}},
		{"sizes differ", base, other, []string{"32x32", "32x48"}},
		{"mixed sizes", base, mixed, []string{"z.png", "31x32"}},
		{"empty", base, empty, []string{empty}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SWDDirs(tt.real, tt.fake, SWDOptions{})
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
}

type badSampler struct{ SWDSampler }

func (badSampler) Centers(SetKind, int, int, int, int, int) ([]int, []int, error) {
	return []int{0}, []int{0}, nil
}

func TestSWDInjectedCentresChecked(t *testing.T) {
	acc := NewSWDAccumulator(SetReal, SWDOptions{Sampler: badSampler{NewSWDSampler(1)}, NhoodsPerImage: 1})
	err := acc.Add(&imagefile.RGB{W: 16, H: 16, Pix: make([]uint8, 3*16*16)})
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("error %v", err)
	}
}

// swdPair writes nReal and nFake random w×h PNGs to two folders of a temporary folder.
func swdPair(t *testing.T, nReal, nFake, w, h int) (real, fake string) {
	t.Helper()
	dir := t.TempDir()
	real, fake = filepath.Join(dir, "real"), filepath.Join(dir, "fake")
	writePNGs(t, real, nReal, w, h, 1)
	writePNGs(t, fake, nFake, w, h, 2)
	return real, fake
}

func mustSWDDirs(t *testing.T, real, fake string, opt SWDOptions) *SWDResult {
	t.Helper()
	res, err := SWDDirs(real, fake, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSWDUnequalMatchesNumPy compares SWD on folders of different sizes with the independent
// NumPy implementation testdata/swd_numpy.py, given the same centres and directions.
func TestSWDUnequalMatchesNumPy(t *testing.T) {
	py := numpyPython(t)
	tests := []struct {
		name         string
		nReal, nFake int
		w, h         int
		opt          SWDOptions
	}{
		{"12 real 14 fake", 12, 14, 48, 40, SWDOptions{Seed: 3, DirRepeats: 2, DirsPerRepeat: 64}},
		{"14 real 12 fake", 14, 12, 32, 32, SWDOptions{Seed: 4, NhoodsPerImage: 50, DirRepeats: 3, DirsPerRepeat: 64}},
		{"5 real 3 fake, 1 nhood", 5, 3, 16, 16, SWDOptions{Seed: 9, NhoodsPerImage: 1}},
		{"equal 6", 6, 6, 32, 32, SWDOptions{Seed: 5, NhoodsPerImage: 32, DirRepeats: 2, DirsPerRepeat: 32}},
		{"120 real 140 fake", 120, 140, 16, 16, SWDOptions{Seed: 1, NhoodsPerImage: 16, DirRepeats: 2, DirsPerRepeat: 32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			real, fake := swdPair(t, tt.nReal, tt.nFake, tt.w, tt.h)
			got := mustSWDDirs(t, real, fake, tt.opt)
			dir := t.TempDir()
			exportSWDDraws(t, dir, real, fake, tt.opt)
			want := runNumPySWD(t, py, dir)
			e := maxRelSWD(got, want)
			t.Logf("Go %v avg %.12g, NumPy %v avg %.12g: max rel diff %.3g", got.Levels, got.Avg, want.Levels, want.Avg, e)
			if !(e <= 1e-6) {
				t.Errorf("Go and NumPy differ by %.3g relative", e)
			}
		})
	}
}

// TestSWDEqualCountsBitIdentical checks equal image counts against values recorded from the
// code before unequal counts were accepted (exact float64, printed with %v).
func TestSWDEqualCountsBitIdentical(t *testing.T) {
	tests := []struct {
		n, w, h int
		opt     SWDOptions
		levels  []float64
		repeats []float64 // level by level
		avg     float64
	}{
		{4, 48, 40, SWDOptions{Seed: 7},
			[]float64{80.17713626795907, 75.42784542394524},
			[]float64{82.56246183727585, 78.34870030148483, 77.37748843140022, 82.41989450167539, 76.3474101667522, 74.48763156188811, 74.73932125106738, 76.13701871607329},
			77.80249084595215},
		{5, 37, 45, SWDOptions{Seed: 3, NhoodsPerImage: 16, DirRepeats: 2, DirsPerRepeat: 32},
			[]float64{177.76900552662602, 163.51298552140884},
			[]float64{189.0705319429785, 166.46747911027353, 164.65424249940293, 162.37172854341475},
			170.64099552401743},
		{1, 16, 16, SWDOptions{Seed: 11, NhoodsPerImage: 5},
			[]float64{504.1255426913169},
			[]float64{502.6721341381679, 512.5357838900323, 481.76507433738703, 519.5291783996805},
			504.1255426913169},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %dx%d", tt.n, tt.w, tt.h), func(t *testing.T) {
			real, fake := swdPair(t, tt.n, tt.n, tt.w, tt.h)
			got := mustSWDDirs(t, real, fake, tt.opt)
			if !slices.Equal(got.Levels, tt.levels) || !slices.Equal(slices.Concat(got.Repeats...), tt.repeats) || got.Avg != tt.avg {
				t.Errorf("got levels %v repeats %v avg %v\nwant levels %v repeats %v avg %v", got.Levels, got.Repeats, got.Avg, tt.levels, tt.repeats, tt.avg)
			}
		})
	}
}

// TestSWDUnequalDeterministic checks that unequal sets give the same bits for the same seed
// whatever the number of goroutines, and that another seed draws other descriptors.
func TestSWDUnequalDeterministic(t *testing.T) {
	real, fake := swdPair(t, 12, 14, 32, 32)
	opt := func(seed uint64) SWDOptions {
		return SWDOptions{Seed: seed, NhoodsPerImage: 32, DirRepeats: 2, DirsPerRepeat: 32}
	}
	a := mustSWDDirs(t, real, fake, opt(5))
	prev := runtime.GOMAXPROCS(1)
	b := mustSWDDirs(t, real, fake, opt(5))
	runtime.GOMAXPROCS(prev)
	c := mustSWDDirs(t, real, fake, opt(6))
	if !slices.Equal(a.Levels, b.Levels) || !slices.Equal(slices.Concat(a.Repeats...), slices.Concat(b.Repeats...)) || a.Avg != b.Avg {
		t.Errorf("seed 5 gave %v, then %v with GOMAXPROCS=1", a.Repeats, b.Repeats)
	}
	if slices.Equal(a.Levels, c.Levels) {
		t.Errorf("seeds 5 and 6 gave identical results %v", a.Levels)
	}
	id := a.Identity.String()
	for _, want := range []string{"images=14 ", "real_images=12 ", "seed=5 ", "nhoods=32 ", swdDrawRule + " "} {
		if !strings.Contains(id, want) {
			t.Errorf("identity %q lacks %q", id, want)
		}
	}
	// The extra descriptors of the larger set go to other images under another seed.
	counts := func(seed uint64) []int {
		acc := &SWDAccumulator{set: SetFake, opt: opt(seed).withDefaults(), images: 14}
		return acc.counts(0, 12*32)
	}
	if c5, c6 := counts(5), counts(6); slices.Equal(c5, c6) || !slices.Equal(c5, counts(5)) {
		t.Errorf("counts for seeds 5, 6, 5: %v %v %v", c5, c6, counts(5))
	}
}

// TestSWDSpread checks the spread of a level's descriptors over a set's images.
func TestSWDSpread(t *testing.T) {
	tests := []struct{ total, n int }{
		{12 * 128, 14},   // 109 or 110 each
		{120 * 128, 140}, // 109 or 110 each
		{12 * 128, 12},   // all 128, nothing drawn
		{3, 5},           // fewer descriptors than images: two contribute none
		{7, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d over %d", tt.total, tt.n), func(t *testing.T) {
			counts := spread(tt.total, tt.n, NewSWDSampler(1).(seededSampler).rng(3, 0, 0, 0))
			q := tt.total / tt.n
			var sum, extra int
			for _, k := range counts {
				if k != q && k != q+1 {
					t.Fatalf("counts %v: %d is neither %d nor %d", counts, k, q, q+1)
				}
				sum += k
				extra += k - q
			}
			if sum != tt.total || extra != tt.total%tt.n {
				t.Errorf("counts %v sum to %d with %d extra, want %d and %d", counts, sum, extra, tt.total, tt.total%tt.n)
			}
		})
	}
}
