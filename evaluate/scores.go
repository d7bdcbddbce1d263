package evaluate

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"sweep/config"
	"sweep/data"
	"sweep/metrics"
	"sweep/metrics/drn"
	"sweep/vocab"
)

// fid computes FID with the run's Inception weights (inception setting, else
// $SWEEP_INCEPTION, else the cache, fetched there once where the network allows). Missing
// weights fail the metric, unless the run has fid_optional: FID is then absent (no value).
func (e *Evaluator) fid(fakes string) ([]metrics.Value, error) {
	path, err := e.inception()
	if errors.Is(err, metrics.ErrInceptionUnavailable) && e.cfg.FIDOptional {
		fmt.Fprintf(e.log, "fid absent (fid_optional): %v\n", err)
		return nil, nil
	}
	if err != nil {
		return nil, inceptionHint(err)
	}
	opt := metrics.Options{FID: metrics.FIDOptions{Inception: path, RealStatsCache: fidStatsCache()}}
	return metrics.Compute(vocab.MetricFID, e.real, fakes, opt)
}

// inception locates (and checks) the weights once per Evaluator.
func (e *Evaluator) inception() (string, error) {
	if !e.located {
		e.inceptionPath, e.inceptionErr = metrics.LocateInception(e.cfg.Inception, true)
		e.located = true
	}
	return e.inceptionPath, e.inceptionErr
}

// fidStatsCache is where the real test sets' Inception statistics are kept, shared by the
// runs of one test set: <cache>/fid; "" (no cache) without a cache folder.
func fidStatsCache() string {
	dir, err := metrics.CacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "fid")
}

// seg segments the translations with the run's segmenter and scores them against its truth:
// the label folder, or a built-in dataset's own label maps.
func (e *Evaluator) seg(ctx context.Context, fakes string) ([]metrics.Value, error) {
	opt, err := e.segOptions(ctx)
	if err != nil {
		return nil, err
	}
	truth := e.cfg.LabelsDir()
	if truth == "" {
		truth = e.cfg.Dataset
	}
	return metrics.Compute(vocab.MetricSeg, truth, fakes, metrics.Options{Seg: opt})
}

// segOptions resolves the segmenter (synthetic, or cmd:COMMAND run once per folder) and the
// ground truth (the label folder, else a built-in dataset's own layouts). Predictions are
// resized to the label size by nearest neighbour.
func (e *Evaluator) segOptions(ctx context.Context) (metrics.SegOptions, error) {
	kind, command, err := e.cfg.SegmenterSpec()
	if err != nil {
		return metrics.SegOptions{}, err
	}
	opt := metrics.SegOptions{Resize: "nearest"}
	switch kind {
	case config.SegmenterSynthetic:
		opt.Segmenter, opt.SegmenterName = metrics.SegmentFunc(data.SegmentSynthetic), config.SegmenterSynthetic
	case config.SegmenterDRN:
		net, err := e.drnNet()
		if err != nil {
			return metrics.SegOptions{}, err
		}
		opt.Segmenter, opt.SegmenterName = drn.AtProtocol{Net: net}, drn.AtProtocol{}.Name(filepath.Base(e.cfg.DRNWeightsPath()))
	default:
		opt.Segmenter, opt.SegmenterName = metrics.CommandSegmenter{Template: command, Ctx: ctx}, config.SegmenterCommand+":"+command
	}
	opt.Truth, opt.Labels, err = e.segTruth()
	return opt, err
}

// drnNet loads segmenter drn's checkpoint once per evaluator.
func (e *Evaluator) drnNet() (*drn.Net, error) {
	if e.drn == nil {
		net, err := drn.Load(e.cfg.DRNWeightsPath())
		if err != nil {
			return nil, fmt.Errorf("segmenter drn: %w", err)
		}
		e.drn = net
	}
	return e.drn, nil
}

// segTruth reads each translation's label map from the run's label folder, matched by file
// name (grey or paletted: train ids; colour: Cityscapes colours), or takes a built-in
// dataset's truth when the run names no folder.
func (e *Evaluator) segTruth() (func(string) ([]uint8, int, int, error), metrics.LabelFormat, error) {
	if dir := e.cfg.LabelsDir(); dir != "" {
		truth, err := metrics.LabelTruth(dir, metrics.LabelAuto)
		if err != nil {
			return nil, "", fmt.Errorf("label folder: %w", err)
		}
		return truth, metrics.LabelAuto, nil
	}
	if !e.ds.HasGroundTruth() {
		return nil, "", fmt.Errorf("dataset %s has no label maps: set labels = \"DIR\"", e.cfg.Dataset)
	}
	return func(fake string) ([]uint8, int, int, error) {
		return e.ds.SegmentationTruth(strings.TrimSuffix(filepath.Base(fake), filepath.Ext(fake)))
	}, metrics.LabelTrainID, nil
}
