package metrics

import (
	"fmt"

	"sweep/internal/imagefile"
)

const (
	fidImplName = "sweep-fid-pytorch-fid"
	fidVersion  = "1"
	// fidResize is what pytorch-fid's network does to every input before the first layer.
	fidResize = "bilinear-299-align_corners_false-no_antialias"
)

// FeatureExtractor maps one image, float32 channel planes in [0,1] (torchvision's ToTensor),
// to a feature vector.
type FeatureExtractor interface {
	Features(chw []float32, h, w int) ([]float64, error)
}

// FIDOptions configures FID.
type FIDOptions struct {
	Inception string // weights path; "" → $SWEEP_INCEPTION → user cache (see InceptionPath)
	Download  bool   // fetch the weights from InceptionURL when they are missing
	// Extractor replaces the Inception network (tests); ExtractorName then names it in the identity.
	Extractor     FeatureExtractor
	ExtractorName string
	// RealStatsCache, when not empty, is a folder where the real folder's statistics are kept,
	// keyed by the network and every file's name and content: the real set is shared by many runs.
	RealStatsCache string
}

// FIDResult is a Fréchet Inception distance with its provenance.
type FIDResult struct {
	Frechet
	Real, Fake int // image counts
	Dims       int
	Identity   Identity
}

// Values converts the result to the value "fid".
func (r *FIDResult) Values() []Value { return []Value{value("fid", r.Distance, r.Identity)} }

// FIDDirs computes FID between the images of two folders as pytorch-fid does: sorted PNG/JPEG
// files, features of the pool3 layer, unbiased covariances, Fréchet distance in float64.
// Images are read one at a time; only the running mean and covariance are kept. When the
// weights are missing and cannot be fetched the error matches ErrInceptionUnavailable.
func FIDDirs(realDir, fakeDir string, opt FIDOptions) (*FIDResult, error) {
	realPaths, fakePaths, err := listPair(realDir, fakeDir)
	if err != nil {
		return nil, err
	}
	ext, name, err := extractor(opt)
	if err != nil {
		return nil, err
	}
	var real *FeatureStats
	if opt.RealStatsCache != "" {
		real, err = cachedFeatureStats(realPaths, ext, name, opt.RealStatsCache)
	} else {
		real, err = PathFeatureStats(realPaths, ext)
	}
	if err != nil {
		return nil, err
	}
	fake, err := PathFeatureStats(fakePaths, ext)
	if err != nil {
		return nil, err
	}
	return FIDFromStats(real, fake, name)
}

func extractor(opt FIDOptions) (FeatureExtractor, string, error) {
	if opt.Extractor != nil {
		return opt.Extractor, opt.ExtractorName, nil
	}
	path, err := LocateInception(opt.Inception, opt.Download)
	if err != nil {
		return nil, "", err
	}
	net, err := loadInception(path)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return net, "pt_inception-2015-12-05", nil
}

// PathFeatureStats runs ext on each image, one at a time, and accumulates the statistics.
// All images must have one size.
func PathFeatureStats(paths []string, ext FeatureExtractor) (*FeatureStats, error) {
	var st *FeatureStats
	err := eachImage(paths, func(path string, img *imagefile.RGB) error {
		f, err := ext.Features(chw(img), img.H, img.W)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if st == nil {
			st = NewFeatureStats(len(f))
		}
		if err := st.Add(f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st.N() < 2 {
		return nil, fmt.Errorf("%s: FID needs at least 2 images per folder, have %d", paths[0], st.N())
	}
	return st, nil
}

// FIDFromStats computes FID from accumulated statistics; extractorName names the network.
func FIDFromStats(real, fake *FeatureStats, extractorName string) (*FIDResult, error) {
	if real.dim != fake.dim {
		return nil, fmt.Errorf("feature sizes differ: real %d, fake %d", real.dim, fake.dim)
	}
	c1, err := real.Cov()
	if err != nil {
		return nil, err
	}
	c2, err := fake.Cov()
	if err != nil {
		return nil, err
	}
	fr, err := FrechetDistance(real.Mean(), c1, fake.Mean(), c2)
	if err != nil {
		return nil, err
	}
	res := &FIDResult{Frechet: fr, Real: real.N(), Fake: fake.N(), Dims: real.dim}
	res.Identity = Identity{
		Impl: fidImplName, Version: fidVersion, Resize: fidResize, Images: fake.N(),
		Extra: []string{
			fmt.Sprintf("real_images=%d", real.N()),
			"network=" + extractorName,
			fmt.Sprintf("dims=%d", real.dim),
			fmt.Sprintf("eps_retry=%v", fr.EpsRetry),
		},
	}
	return res, nil
}
