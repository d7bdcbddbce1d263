package metrics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"sweep/internal/imagefile"
)

// SWD constants of Karras et al.'s sliced_wasserstein.py.
const (
	NhoodSize     = 7  // side of a descriptor neighbourhood
	SWDMinRes     = 16 // the coarsest pyramid level has at least this many pixels per side
	descChannels  = 3
	descDim       = descChannels * NhoodSize * NhoodSize // 147
	nhoodRadius   = NhoodSize / 2
	swdImplName   = "sweep-swd-karras"
	swdVersion    = "1"
	swdDirsPerBlk = 1 << 22 // projection values held per set at once (bounds memory)
)

// SetKind names one of the two image sets a metric compares.
type SetKind int

// The two image sets.
const (
	SetReal SetKind = iota
	SetFake
)

func (s SetKind) String() string { return [...]string{"real", "fake"}[s] }

// SWDSampler draws the random parts of SWD. Tests inject recorded draws through it.
type SWDSampler interface {
	// Centers returns the n neighbourhood centres of one image at one level: xs (columns) in
	// [3, w-3) and ys (rows) in [3, h-3).
	Centers(set SetKind, level, image, n, w, h int) (xs, ys []int, err error)
	// Directions returns the directions of one repeat as a dim×n row-major matrix whose
	// columns have unit length.
	Directions(level, repeat, dim, n int) ([]float64, error)
}

// SWDOptions configures SWD. Zero values select Karras et al.'s settings.
type SWDOptions struct {
	Seed           uint64
	Sampler        SWDSampler // nil: a seeded sampler (NewSWDSampler(Seed))
	NhoodsPerImage int        // 0: 128
	DirRepeats     int        // 0: 4
	DirsPerRepeat  int        // 0: 128
}

func (o SWDOptions) withDefaults() SWDOptions {
	if o.NhoodsPerImage == 0 {
		o.NhoodsPerImage = 128
	}
	if o.DirRepeats == 0 {
		o.DirRepeats = 4
	}
	if o.DirsPerRepeat == 0 {
		o.DirsPerRepeat = 128
	}
	if o.Sampler == nil {
		o.Sampler = NewSWDSampler(o.Seed)
	}
	return o
}

// seededSampler draws every image's centres and every repeat's directions from its own PCG
// stream, so the draws do not depend on the order of the calls.
type seededSampler struct{ seed uint64 }

// NewSWDSampler returns the default sampler: uniform integer centres and Gaussian directions
// normalised to unit length, from streams derived from seed.
func NewSWDSampler(seed uint64) SWDSampler { return seededSampler{seed} }

func (s seededSampler) rng(kind, a, b, c int) *rand.Rand {
	stream := uint64(kind)<<60 | uint64(a)<<52 | uint64(b)<<40 | uint64(c)
	return rand.New(rand.NewPCG(s.seed, stream))
}

func (s seededSampler) Centers(set SetKind, level, image, n, w, h int) ([]int, []int, error) {
	r := s.rng(1, int(set), level, image)
	xs, ys := make([]int, n), make([]int, n)
	for i := range xs {
		xs[i] = nhoodRadius + r.IntN(w-2*nhoodRadius)
		ys[i] = nhoodRadius + r.IntN(h-2*nhoodRadius)
	}
	return xs, ys, nil
}

func (s seededSampler) Directions(level, repeat, dim, n int) ([]float64, error) {
	r := s.rng(2, 0, level, repeat)
	d := make([]float64, dim*n)
	for i := range d {
		d[i] = r.NormFloat64()
	}
	for j := 0; j < n; j++ {
		var ss float64
		for k := 0; k < dim; k++ {
			ss += d[k*n+j] * d[k*n+j]
		}
		norm := math.Sqrt(ss)
		for k := 0; k < dim; k++ {
			d[k*n+j] /= norm
		}
	}
	return d, nil
}

// SWDAccumulator collects the descriptors of one image set, one image at a time: it keeps
// NhoodsPerImage descriptors per image and level, never the images. SWD uses a prefix of each
// image's descriptors when the other set is smaller (see SWD).
type SWDAccumulator struct {
	set    SetKind
	opt    SWDOptions
	w, h   int
	shapes [][2]int    // per level: h, w
	desc   [][]float32 // per level: images × nhoods × 147, component c*49 + x*7 + y
	images int
}

// NewSWDAccumulator returns an empty accumulator for one set.
func NewSWDAccumulator(set SetKind, opt SWDOptions) *SWDAccumulator {
	return &SWDAccumulator{set: set, opt: opt.withDefaults()}
}

// Images is the number of images added.
func (a *SWDAccumulator) Images() int { return a.images }

// Add extracts the descriptors of one image.
func (a *SWDAccumulator) Add(img *imagefile.RGB) error {
	if err := a.setSize(img.W, img.H); err != nil {
		return err
	}
	pyr := laplacianPyramid(planesOf(img), len(a.shapes))
	for l, p := range pyr {
		xs, ys, err := a.opt.Sampler.Centers(a.set, l, a.images, a.opt.NhoodsPerImage, p.w, p.h)
		if err != nil {
			return err
		}
		if err := checkCenters(xs, ys, a.opt.NhoodsPerImage, p.w, p.h); err != nil {
			return fmt.Errorf("%s image %d level %d: %w", a.set, a.images, l, err)
		}
		a.desc[l] = appendDescriptors(a.desc[l], p, xs, ys)
	}
	a.images++
	return nil
}

func (a *SWDAccumulator) setSize(w, h int) error {
	if a.images > 0 {
		if w != a.w || h != a.h {
			return fmt.Errorf("image is %dx%d, earlier images are %dx%d", w, h, a.w, a.h)
		}
		return nil
	}
	n := pyramidLevels(h, w, SWDMinRes)
	if n == 0 {
		return fmt.Errorf("image is %dx%d; SWD needs at least %dx%d", w, h, SWDMinRes, SWDMinRes)
	}
	a.w, a.h = w, h
	a.shapes = make([][2]int, n)
	a.desc = make([][]float32, n)
	for l := range a.shapes {
		a.shapes[l] = [2]int{h, w}
		h, w = (h+1)/2, (w+1)/2
	}
	return nil
}

func checkCenters(xs, ys []int, n, w, h int) error {
	if len(xs) != n || len(ys) != n {
		return fmt.Errorf("sampler gave %d x and %d y centres, want %d", len(xs), len(ys), n)
	}
	for i := range xs {
		if xs[i] < nhoodRadius || xs[i] >= w-nhoodRadius || ys[i] < nhoodRadius || ys[i] >= h-nhoodRadius {
			return fmt.Errorf("centre %d (%d,%d) outside [%d,%d)x[%d,%d)", i, xs[i], ys[i], nhoodRadius, w-nhoodRadius, nhoodRadius, h-nhoodRadius)
		}
	}
	return nil
}

// appendDescriptors appends the 7×7×3 neighbourhoods around the centres. As in Karras's
// np.ogrid indexing, component c*49 + i*7 + j holds the pixel at x offset i-3, y offset j-3.
func appendDescriptors(dst []float32, p planes, xs, ys []int) []float32 {
	for n := range xs {
		for c := 0; c < descChannels; c++ {
			for i := 0; i < NhoodSize; i++ {
				for j := 0; j < NhoodSize; j++ {
					dst = append(dst, p.at(c, ys[n]+j-nhoodRadius, xs[n]+i-nhoodRadius))
				}
			}
		}
	}
	return dst
}

// descStats returns the per-channel mean and standard deviation (ddof 0) of descriptors.
func descStats(desc []float32) (mean, std [descChannels]float64) {
	const per = NhoodSize * NhoodSize
	var count float64
	for off := 0; off < len(desc); off += descDim {
		for c := 0; c < descChannels; c++ {
			for _, v := range desc[off+c*per : off+(c+1)*per] {
				mean[c] += float64(v)
			}
		}
		count += per
	}
	for c := range mean {
		mean[c] /= count
	}
	for off := 0; off < len(desc); off += descDim {
		for c := 0; c < descChannels; c++ {
			for _, v := range desc[off+c*per : off+(c+1)*per] {
				d := float64(v) - mean[c]
				std[c] += d * d
			}
		}
	}
	for c := range std {
		std[c] = math.Sqrt(std[c] / count)
	}
	return mean, std
}

// normDesc is a descriptor set with the per-channel statistics it is normalised with. Each
// set is normalised with its own statistics. A channel with zero spread is only centred
// (Karras's code would divide by zero).
type normDesc struct {
	v         []float32
	n         int
	mean, inv [descChannels]float64
}

func normalized(desc []float32) normDesc {
	d := normDesc{v: desc, n: len(desc) / descDim}
	mean, std := descStats(desc)
	d.mean = mean
	for c, s := range std {
		d.inv[c] = 1
		if s > 0 {
			d.inv[c] = 1 / s
		}
	}
	return d
}

// rows writes normalised descriptors i0..i0+len(dst)/147 to dst in float64.
func (d normDesc) rows(dst []float64, i0 int) {
	const per = NhoodSize * NhoodSize
	src := d.v[i0*descDim : i0*descDim+len(dst)]
	for i, v := range src {
		c := (i % descDim) / per
		dst[i] = (float64(v) - d.mean[c]) * d.inv[c]
	}
}

// SWDResult is the sliced Wasserstein distance ×1e3 per pyramid level and their mean.
type SWDResult struct {
	Resolutions []int       // height of each level, finest first (256, 128, ..., 16)
	Levels      []float64   // SWD ×1e3 per level
	Repeats     [][]float64 // per level, per repeat: mean |sorted difference| ×1e3
	Avg         float64     // mean of Levels
	Identity    Identity
}

// Values converts the result to the values "swd_<res>" and "swd_avg".
func (r *SWDResult) Values() []Value {
	out := make([]Value, 0, len(r.Levels)+1)
	for i, v := range r.Levels {
		out = append(out, value("swd_"+strconv.Itoa(r.Resolutions[i]), v, r.Identity))
	}
	return append(out, value("swd_avg", r.Avg, r.Identity))
}

// SWD compares the descriptors of a real and a fake set, which may hold different numbers of
// images. At every level both sets enter with the same number of descriptors,
//
//	total = min(N_real·nhoods_real, N_fake·nhoods_fake),
//
// the smaller set's count. A set of N images spreads total over its images as evenly as
// possible (see spread): image i contributes the first k_i of its descriptors, with
// k_i ∈ {⌊total/N⌋, ⌈total/N⌉} and Σ k_i = total. For equal counts and options every k_i is
// nhoods: all descriptors, in the order of earlier versions, so the result is the same.
func SWD(real, fake *SWDAccumulator) (*SWDResult, error) {
	if real.images == 0 || fake.images == 0 {
		return nil, errors.New("SWD needs at least one real and one fake image")
	}
	if real.w != fake.w || real.h != fake.h {
		return nil, fmt.Errorf("SWD needs one image size: real images are %dx%d, fake images %dx%d", real.w, real.h, fake.w, fake.h)
	}
	opt := fake.opt
	total := min(real.images*real.opt.NhoodsPerImage, fake.images*fake.opt.NhoodsPerImage)
	res := &SWDResult{Identity: swdIdentity(real, fake, opt)}
	for l, shape := range real.shapes {
		reps, err := sliced(normalized(real.kept(l, total)), normalized(fake.kept(l, total)), l, opt)
		if err != nil {
			return nil, err
		}
		var sum float64
		for _, v := range reps {
			sum += v
		}
		res.Resolutions = append(res.Resolutions, shape[0])
		res.Repeats = append(res.Repeats, reps)
		res.Levels = append(res.Levels, sum/float64(len(reps)))
		res.Avg += res.Levels[l] / float64(len(real.shapes))
	}
	return res, nil
}

// kept returns the descriptors of level l that enter SWD, total of them: the first k_i of
// image i's descriptors, k_i = spread(total, images, ...)[i], in image order.
func (a *SWDAccumulator) kept(l, total int) []float32 {
	per := a.opt.NhoodsPerImage * descDim
	out := make([]float32, 0, total*descDim)
	for i, k := range a.counts(l, total) {
		out = append(out, a.desc[l][i*per:i*per+k*descDim]...)
	}
	return out
}

// counts returns how many descriptors each image contributes to level l's total. The images
// that get the extra descriptor come from the PCG stream (Seed, 3<<60 | set<<52 | level<<40).
func (a *SWDAccumulator) counts(l, total int) []int {
	return spread(total, a.images, seededSampler{a.opt.Seed}.rng(3, int(a.set), l, 0))
}

// spread divides total over n items as evenly as possible: each gets q = ⌊total/n⌋ and the
// r = total mod n items listed first by rng.Perm(n) get q+1, so the counts sum to total. With
// r = 0 the permutation is not drawn.
func spread(total, n int, rng *rand.Rand) []int {
	q, r := total/n, total%n
	counts := make([]int, n)
	for i := range counts {
		counts[i] = q
	}
	if r > 0 {
		for _, i := range rng.Perm(n)[:r] {
			counts[i]++
		}
	}
	return counts
}

// swdDrawRule names how SWD draws descriptors from sets of different sizes (see SWD).
const swdDrawRule = "draw=min-total-even-spread"

func swdIdentity(real, fake *SWDAccumulator, opt SWDOptions) Identity {
	sampler := "seeded-pcg"
	if _, ok := opt.Sampler.(seededSampler); !ok {
		sampler = "injected"
	}
	res := make([]string, len(fake.shapes))
	for i, s := range fake.shapes {
		res[i] = strconv.Itoa(s[0])
	}
	return Identity{
		Impl: swdImplName, Version: swdVersion, Resize: "none", Images: fake.images, Seed: opt.Seed,
		Extra: []string{
			fmt.Sprintf("real_images=%d", real.images),
			"levels=" + strings.Join(res, ","),
			fmt.Sprintf("nhoods=%d", opt.NhoodsPerImage),
			swdDrawRule,
			fmt.Sprintf("dirs=%dx%d", opt.DirRepeats, opt.DirsPerRepeat),
			"sampler=" + sampler,
		},
	}
}

// sliced returns, for each repeat, the mean absolute difference ×1e3 between the sorted
// projections of a and b (both n×147) onto that repeat's directions.
func sliced(a, b normDesc, level int, opt SWDOptions) ([]float64, error) {
	n := a.n
	blk := max(1, min(opt.DirsPerRepeat, swdDirsPerBlk/n))
	reps := make([]float64, opt.DirRepeats)
	for r := range reps {
		dirs, err := opt.Sampler.Directions(level, r, descDim, opt.DirsPerRepeat)
		if err != nil {
			return nil, err
		}
		if len(dirs) != descDim*opt.DirsPerRepeat {
			return nil, fmt.Errorf("level %d repeat %d: sampler gave %d direction values, want %d", level, r, len(dirs), descDim*opt.DirsPerRepeat)
		}
		var sum float64
		for d0 := 0; d0 < opt.DirsPerRepeat; d0 += blk {
			k := min(blk, opt.DirsPerRepeat-d0)
			dt := transposeCols(dirs, opt.DirsPerRepeat, d0, k)
			sum += sortedDistance(project(dt, k, a), project(dt, k, b), k, n)
		}
		reps[r] = sum / float64(n*opt.DirsPerRepeat) * 1e3
	}
	return reps, nil
}

// transposeCols returns columns d0..d0+k of the descDim×cols matrix m as a k×descDim matrix.
func transposeCols(m []float64, cols, d0, k int) []float64 {
	t := make([]float64, k*descDim)
	for i := 0; i < k; i++ {
		for j := 0; j < descDim; j++ {
			t[i*descDim+j] = m[j*cols+d0+i]
		}
	}
	return t
}

// project returns the k×n matrix dirsᵀ·descᵀ: row i holds every descriptor's projection on
// direction i. Descriptors are normalised to float64 a chunk at a time.
func project(dt []float64, k int, d normDesc) []float64 {
	const chunk = 4096
	out := make([]float64, k*d.n)
	buf := make([]float64, chunk*descDim)
	for i0 := 0; i0 < d.n; i0 += chunk {
		m := min(chunk, d.n-i0)
		d.rows(buf[:m*descDim], i0)
		blas64.Gemm(blas.NoTrans, blas.Trans, 1,
			blas64.General{Rows: k, Cols: descDim, Stride: descDim, Data: dt},
			blas64.General{Rows: m, Cols: descDim, Stride: descDim, Data: buf},
			0, blas64.General{Rows: k, Cols: m, Stride: d.n, Data: out[i0:]})
	}
	return out
}

// sortedDistance sorts each of the k rows of pa and pb and returns the summed absolute
// differences of the sorted rows.
func sortedDistance(pa, pb []float64, k, n int) float64 {
	sums := make([]float64, k)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				ra, rb := pa[i*n:(i+1)*n], pb[i*n:(i+1)*n]
				slices.Sort(ra)
				slices.Sort(rb)
				var s float64
				for j := range ra {
					s += math.Abs(ra[j] - rb[j])
				}
				sums[i] = s
			}
		})
	}
	for i := 0; i < k; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	var total float64
	for _, s := range sums {
		total += s
	}
	return total
}

// SWDDirs computes SWD between the images of two folders, reading one image at a time. The
// folders may hold different numbers of images (see SWD).
func SWDDirs(realDir, fakeDir string, opt SWDOptions) (*SWDResult, error) {
	realPaths, fakePaths, err := listPair(realDir, fakeDir)
	if err != nil {
		return nil, err
	}
	real, fake := NewSWDAccumulator(SetReal, opt), NewSWDAccumulator(SetFake, opt)
	if err := accumulate(realPaths, real); err != nil {
		return nil, err
	}
	if err := accumulate(fakePaths, fake); err != nil {
		return nil, err
	}
	if real.w != fake.w || real.h != fake.h {
		return nil, fmt.Errorf("SWD needs one image size: %s is %dx%d, %s is %dx%d", realPaths[0], real.w, real.h, fakePaths[0], fake.w, fake.h)
	}
	return SWD(real, fake)
}

func accumulate(paths []string, a *SWDAccumulator) error {
	return eachImage(paths, func(path string, img *imagefile.RGB) error {
		if err := a.Add(img); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
}
