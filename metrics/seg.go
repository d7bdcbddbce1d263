package metrics

import (
	"fmt"
	"os"
	"path/filepath"

	"sweep/internal/imagefile"
)

const (
	segImplName = "sweep-seg-confusion"
	segVersion  = "1"
)

// SegOptions configures the segmentation scores.
type SegOptions struct {
	Segmenter     Segmenter
	SegmenterName string        // recorded in the identity
	Labels        LabelFormat   // ground-truth encoding; "" → LabelTrainID
	Convention    SegConvention // "" → ConventionDRN
	Classes       int           // 0 → 19 (Cityscapes train ids)
	// Resize is "none" (the default: predictions and labels must have one size) or "nearest":
	// predictions are resized to the label size by nearest neighbour. Labels are never resized.
	Resize string
	// Truth, when set, supplies the ground truth of each fake image instead of the label
	// folder (e.g. a built-in dataset's layouts); it receives the fake image's path.
	Truth func(fakePath string) (labels []uint8, w, h int, err error)
}

func (o SegOptions) withDefaults() SegOptions {
	if o.Labels == "" {
		o.Labels = LabelTrainID
	}
	if o.Convention == "" {
		o.Convention = ConventionDRN
	}
	if o.Classes == 0 {
		o.Classes = CityscapesClasses
	}
	if o.Resize == "" {
		o.Resize = "none"
	}
	return o
}

// SegResult holds the segmentation scores of a folder of generated images.
type SegResult struct {
	SegScores
	Confusion *Confusion
	Images    int
	Identity  Identity
}

// Values converts the result to "seg_miou", "seg_pixacc" and "seg_classacc", in percent
// like the papers' tables.
func (r *SegResult) Values() []Value {
	return []Value{
		value("seg_miou", 100*r.MeanIoU, r.Identity),
		value("seg_pixacc", 100*r.PixAcc, r.Identity),
		value("seg_classacc", 100*r.ClassAcc, r.Identity),
	}
}

// SegDirs segments every image of fakeDir and scores it against the label image of labelDir
// with the same name (any decodable extension). Both folders must hold the same names.
func SegDirs(labelDir, fakeDir string, opt SegOptions) (*SegResult, error) {
	opt = opt.withDefaults()
	if opt.Segmenter == nil {
		return nil, fmt.Errorf("no segmenter given")
	}
	if opt.Resize != "none" && opt.Resize != "nearest" {
		return nil, fmt.Errorf("resize mode %q is unknown; use none or nearest", opt.Resize)
	}
	fakes, truth, err := truthSource(labelDir, fakeDir, opt)
	if err != nil {
		return nil, err
	}
	predict, cleanup, err := predictor(opt.Segmenter, fakeDir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	conf := NewConfusion(opt.Classes)
	for _, fake := range fakes {
		if err := scoreOne(conf, fake, truth, predict, opt); err != nil {
			return nil, err
		}
	}
	scores, err := conf.Scores(opt.Convention)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labelDir, err)
	}
	return &SegResult{SegScores: scores, Confusion: conf, Images: len(fakes), Identity: segIdentity(opt, len(fakes))}, nil
}

func segIdentity(opt SegOptions, n int) Identity {
	return Identity{
		Impl: segImplName, Version: segVersion, Resize: opt.Resize, Images: n,
		Extra: []string{
			"convention=" + string(opt.Convention),
			"segmenter=" + opt.SegmenterName,
			"labels=" + string(opt.Labels),
			fmt.Sprintf("classes=%d", opt.Classes),
			"unit=percent",
		},
	}
}

// truthSource lists the fake images and returns the function giving each one's ground truth.
func truthSource(labelDir, fakeDir string, opt SegOptions) ([]string, predictFunc, error) {
	if opt.Truth != nil {
		fakes, err := imagefile.List(fakeDir)
		return fakes, opt.Truth, err
	}
	fakes, labels, err := pairLabels(labelDir, fakeDir)
	if err != nil {
		return nil, nil, err
	}
	byFake := make(map[string]string, len(fakes))
	for i, f := range fakes {
		byFake[f] = labels[i]
	}
	return fakes, func(fake string) ([]uint8, int, int, error) {
		return ReadLabelPNG(byFake[fake], opt.Labels)
	}, nil
}

// pairLabels returns the fake images and, for each, the label file with the same stem.
func pairLabels(labelDir, fakeDir string) (fakes, labels []string, err error) {
	fakes, err = imagefile.List(fakeDir)
	if err != nil {
		return nil, nil, err
	}
	byStem, err := labelsByStem(labelDir)
	if err != nil {
		return nil, nil, err
	}
	if len(byStem) != len(fakes) {
		return nil, nil, fmt.Errorf("segmentation needs one label per image: %s has %d labels, %s has %d images", labelDir, len(byStem), fakeDir, len(fakes))
	}
	for _, f := range fakes {
		l, ok := byStem[stem(f)]
		if !ok {
			return nil, nil, fmt.Errorf("%s: no label %s.* in %s", f, stem(f), labelDir)
		}
		labels = append(labels, l)
	}
	return fakes, labels, nil
}

// labelsByStem maps each file name stem of labelDir's images to its file; two files with one
// stem are an error.
func labelsByStem(labelDir string) (map[string]string, error) {
	all, err := imagefile.List(labelDir)
	if err != nil {
		return nil, err
	}
	byStem := map[string]string{}
	for _, p := range all {
		if prev, ok := byStem[stem(p)]; ok {
			return nil, fmt.Errorf("%s and %s: two label files for one image", prev, p)
		}
		byStem[stem(p)] = p
	}
	return byStem, nil
}

// LabelTruth is a SegOptions.Truth that reads each fake image's ground truth from the label
// image of labelDir with the same file name stem (any decodable extension), in format.
// Unlike a label folder given to SegDirs, labelDir may hold labels of images that were not
// translated (a test split limited by test_size); a fake image without a label is an error.
func LabelTruth(labelDir string, format LabelFormat) (func(fakePath string) ([]uint8, int, int, error), error) {
	byStem, err := labelsByStem(labelDir)
	if err != nil {
		return nil, err
	}
	return func(fake string) ([]uint8, int, int, error) {
		l, ok := byStem[stem(fake)]
		if !ok {
			return nil, 0, 0, fmt.Errorf("%s: no label %s.* in %s", fake, stem(fake), labelDir)
		}
		return ReadLabelPNG(l, format)
	}, nil
}

type predictFunc func(path string) ([]uint8, int, int, error)

// predictor runs a DirSegmenter once over the folder and serves its label files; any other
// Segmenter is called image by image.
func predictor(seg Segmenter, fakeDir string) (predictFunc, func(), error) {
	ds, ok := seg.(DirSegmenter)
	if !ok {
		return func(path string) ([]uint8, int, int, error) {
			img, err := imagefile.ReadRGB(path)
			if err != nil {
				return nil, 0, 0, err
			}
			return seg.Segment(img)
		}, func() {}, nil
	}
	out, err := os.MkdirTemp("", "sweep-seg-out-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(out) }
	if err := ds.SegmentDir(fakeDir, out); err != nil {
		cleanup()
		return nil, nil, err
	}
	return func(path string) ([]uint8, int, int, error) {
		p := predictionPath(out, path)
		if _, err := os.Stat(p); err != nil {
			return nil, 0, 0, fmt.Errorf("segmenter wrote no label %s for %s", filepath.Base(p), path)
		}
		return ReadLabelPNG(p, LabelTrainID)
	}, cleanup, nil
}

func scoreOne(conf *Confusion, fake string, truth, predict predictFunc, opt SegOptions) error {
	pred, pw, ph, err := predict(fake)
	if err != nil {
		return fmt.Errorf("%s: %w", fake, err)
	}
	if len(pred) != pw*ph {
		return fmt.Errorf("%s: segmenter gave %d labels for %dx%d", fake, len(pred), pw, ph)
	}
	gt, lw, lh, err := truth(fake)
	if err != nil {
		return err
	}
	if len(gt) != lw*lh {
		return fmt.Errorf("%s: ground truth has %d labels for %dx%d", fake, len(gt), lw, lh)
	}
	if pw != lw || ph != lh {
		if opt.Resize != "nearest" {
			return fmt.Errorf("%s: prediction is %dx%d but its ground truth is %dx%d (resize mode none)", fake, pw, ph, lw, lh)
		}
		pred = resizeNearest(pred, pw, ph, lw, lh)
	}
	return conf.Add(gt, pred)
}

// resizeNearest resizes a label map by nearest neighbour, sampling at pixel centres as PIL's
// NEAREST filter does.
func resizeNearest(src []uint8, sw, sh, dw, dh int) []uint8 {
	out := make([]uint8, dw*dh)
	for y := 0; y < dh; y++ {
		sy := min((2*y+1)*sh/(2*dh), sh-1)
		for x := 0; x < dw; x++ {
			sx := min((2*x+1)*sw/(2*dw), sw-1)
			out[y*dw+x] = src[sy*sw+sx]
		}
	}
	return out
}
