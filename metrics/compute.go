package metrics

import (
	"fmt"

	"sweep/vocab"
)

// Options holds the settings of every metric.
type Options struct {
	SWD SWDOptions
	FID FIDOptions
	Seg SegOptions
}

// Kinds are the metric kinds Compute knows: those that compare two folders of images.
var Kinds = []vocab.Metric{vocab.MetricSWD, vocab.MetricFID, vocab.MetricSeg}

// Compute computes one metric kind between two folders and returns its values:
//
//	swd: "swd_<res>" per level and "swd_avg"; realDir and fakeDir hold images
//	fid: "fid"; an error matching ErrInceptionUnavailable means FID is absent
//	seg: "seg_miou", "seg_pixacc", "seg_classacc" (percent); realDir holds the label images
func Compute(kind vocab.Metric, realDir, fakeDir string, opt Options) ([]Value, error) {
	switch kind {
	case vocab.MetricSWD:
		r, err := SWDDirs(realDir, fakeDir, opt.SWD)
		if err != nil {
			return nil, err
		}
		return r.Values(), nil
	case vocab.MetricFID:
		r, err := FIDDirs(realDir, fakeDir, opt.FID)
		if err != nil {
			return nil, err
		}
		return r.Values(), nil
	case vocab.MetricSeg:
		r, err := SegDirs(realDir, fakeDir, opt.Seg)
		if err != nil {
			return nil, err
		}
		return r.Values(), nil
	}
	return nil, fmt.Errorf("metric %q is unknown; use %s", kind, vocab.Join(Kinds, ", "))
}
