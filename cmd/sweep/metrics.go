package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"

	"sweep/data"
	"sweep/evaluate"
	"sweep/metrics"
	"sweep/metrics/drn"
	"sweep/vocab"
)

func init() {
	define("metrics", "metrics swd|fid|seg --real DIR --fake DIR: compute one metric between two folders", setupMetrics)
	metrics.RegisterSegmenter("synthetic", func(arg string) (metrics.Segmenter, error) {
		if arg != "" {
			return nil, fmt.Errorf("segmenter synthetic takes no argument, got %q", arg)
		}
		return metrics.SegmentFunc(data.SegmentSynthetic), nil
	})
	metrics.RegisterSegmenter("drn", func(weights string) (metrics.Segmenter, error) {
		net, err := drn.Load(weights)
		if err != nil {
			return nil, err
		}
		return drn.AtProtocol{Net: net}, nil
	})
}

// fidAbsent makes a missing Inception network exit with status 3, so scripts can tell
// "FID absent" from a failure.
type fidAbsent struct{ error }

func (fidAbsent) ExitCode() int { return 3 }

func setupMetrics(f *flags) func([]string) error {
	f.describe("swd|fid|seg", `Computes one metric between two folders of images (PNG or JPEG, sorted by name) and
prints its values. See docs/metrics.md.`)
	f.leadWith()
	f.positional("swd", "sliced Wasserstein distance x1e3 per Laplacian level and their mean (Karras et al.)")
	f.positional("fid", "Frechet Inception distance (pytorch-fid network and formula); exit 3 when the\nInception weights are missing and cannot be downloaded (FID absent)")
	f.positional("seg", "segmentation scores of the fake images against the label images in --real\n(mean IoU = the papers' \"mAP\", pixel and class accuracy, in percent)")
	f.nargs(1, 1)
	f.require("real", "fake")
	var opt metrics.Options
	var real, fake, segSpec, labels, conv, drnWeights string
	var step int
	var asJSON, noDownload bool
	f.StringVar(&real, "real", "", "folder `DIR` of real images (seg: of label images)")
	f.StringVar(&fake, "fake", "", "folder `DIR` of generated images")
	f.IntVar(&step, "step", 0, "training iteration recorded with the values")
	f.BoolVar(&asJSON, "json", false, "print the values as a JSON array of run metrics")
	f.Uint64Var(&opt.SWD.Seed, "seed", 1, "swd: seed of the random neighbourhoods and directions")
	f.StringVar(&opt.FID.Inception, "inception", "", "fid: weights `PATH` ("+metrics.InceptionFile+"; default $"+metrics.InceptionEnv+", then the user cache folder)")
	f.BoolVar(&noDownload, "no-download", false, "fid: never download the weights")
	f.StringVar(&segSpec, "segmenter", "", "seg: `cmd:COMMAND` (a shell command with {in} and {out}), drn (DRN-D-22 at 256x128, see --drn-weights) or synthetic (the built-in cityscapes set's segmenter)")
	f.StringVar(&drnWeights, "drn-weights", "", "seg: DRN-D-22 Cityscapes weights `PATH` for --segmenter drn (default $SWEEP_DRN)")
	f.StringVar(&labels, "labels", string(metrics.LabelTrainID), "seg: label encoding: `trainid|labelid|color` (Cityscapes train ids, label ids or gtFine_color)")
	f.StringVar(&conv, "convention", string(metrics.ConventionDRN), "seg: absent classes: `drn|pix2pix` (left out, NaN; or count as 0)")
	f.StringVar(&opt.Seg.Resize, "resize", "none", "seg: `none|nearest` (resize predictions to the label size)")
	f.IntVar(&opt.Seg.Classes, "classes", metrics.CityscapesClasses, "seg: number of classes")
	return func(args []string) error {
		kind := vocab.Metric(args[0])
		if !slices.Contains(metrics.Kinds, kind) {
			return f.usageErr("unknown metric %q; want one of %s", args[0], vocab.Join(metrics.Kinds, ", "))
		}
		if segSpec == "drn" {
			weights := cmp.Or(drnWeights, os.Getenv("SWEEP_DRN"))
			segSpec, opt.Seg.Resize = "drn:"+weights, "nearest" // predictions come at 256x128
			opt.Seg.SegmenterName = drn.AtProtocol{}.Name(filepath.Base(weights))
		}
		return computeMetric(kind, real, fake, segSpec, labels, conv, step, asJSON, noDownload, opt)
	}
}

func computeMetric(kind vocab.Metric, real, fake, segSpec, labels, conv string, step int, asJSON, noDownload bool, opt metrics.Options) error {
	opt.FID.Download = !noDownload
	opt.Seg.Labels, opt.Seg.Convention = metrics.LabelFormat(labels), metrics.SegConvention(conv)
	if opt.Seg.SegmenterName == "" {
		opt.Seg.SegmenterName = segSpec
	}
	if kind == vocab.MetricSeg {
		seg, err := metrics.NewSegmenter(segSpec)
		if err != nil {
			return err
		}
		opt.Seg.Segmenter = seg
	}
	values, err := metrics.Compute(kind, real, fake, opt)
	if errors.Is(err, metrics.ErrInceptionUnavailable) {
		return fidAbsent{err}
	}
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(evaluate.RunMetrics(values, step, 0))
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	for _, m := range values {
		fmt.Fprintf(w, "%s\t%.6g\t%s\n", m.Name, m.Value, m.Identity)
	}
	return w.Flush()
}
