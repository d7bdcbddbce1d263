package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"

	"sweep/data"
	"sweep/metrics"
	"sweep/vocab"
)

func init() {
	register("metrics", "metrics swd|fid|seg --real DIR --fake DIR: compute one metric between two folders", runMetrics)
	metrics.RegisterSegmenter("synthetic", func(arg string) (metrics.Segmenter, error) {
		if arg != "" {
			return nil, fmt.Errorf("segmenter synthetic takes no argument, got %q", arg)
		}
		return metrics.SegmentFunc(data.SegmentSynthetic), nil
	})
}

// fidAbsent makes a missing Inception network exit with status 3, so scripts can tell
// "FID absent" from a failure.
type fidAbsent struct{ error }

func (fidAbsent) ExitCode() int { return 3 }

func runMetrics(args []string) error {
	fs := flag.NewFlagSet("sweep metrics", flag.ContinueOnError)
	fs.Usage = func() {
		fs.Output().Write([]byte(`usage: sweep metrics swd|fid|seg --real DIR --fake DIR [options]

  swd  sliced Wasserstein distance x1e3 per Laplacian level and their mean (Karras et al.)
  fid  Frechet Inception distance (pytorch-fid network and formula); exit 3 when the
       Inception weights are missing and cannot be downloaded (FID absent)
  seg  segmentation scores of the fake images against the label images in --real
       (mean IoU = the papers' "mAP", pixel and class accuracy, in percent)

Images: PNG or JPEG, sorted by name. See docs/metrics.md.

options:
`))
		fs.PrintDefaults()
	}
	if len(args) == 0 || !slices.Contains(metrics.Kinds, vocab.Metric(args[0])) {
		fs.Usage()
		return fmt.Errorf("want one of %s first", vocab.Join(metrics.Kinds, ", "))
	}
	kind := vocab.Metric(args[0])
	var opt metrics.Options
	var real, fake, segSpec, labels, conv string
	var step int
	var asJSON, noDownload bool
	fs.StringVar(&real, "real", "", "folder of real images (seg: of label images)")
	fs.StringVar(&fake, "fake", "", "folder of generated images")
	fs.IntVar(&step, "step", 0, "training iteration recorded with the values")
	fs.BoolVar(&asJSON, "json", false, "print the values as a JSON array of run metrics")
	fs.Uint64Var(&opt.SWD.Seed, "seed", 1, "swd: seed of the random neighbourhoods and directions")
	fs.StringVar(&opt.FID.Inception, "inception", "", "fid: weights "+metrics.InceptionFile+" (default $"+metrics.InceptionEnv+", then the user cache folder)")
	fs.BoolVar(&noDownload, "no-download", false, "fid: never download the weights")
	fs.StringVar(&segSpec, "segmenter", "", "seg: cmd:'<shell command with {in} and {out}>', or synthetic (the built-in cityscapes set's segmenter)")
	fs.StringVar(&labels, "labels", string(metrics.LabelTrainID), "seg: label encoding: trainid, labelid (Cityscapes ids) or color (gtFine_color)")
	fs.StringVar(&conv, "convention", string(metrics.ConventionDRN), "seg: absent classes: drn (left out, NaN) or pix2pix (count as 0)")
	fs.StringVar(&opt.Seg.Resize, "resize", "none", "seg: none, or nearest (resize predictions to the label size)")
	fs.IntVar(&opt.Seg.Classes, "classes", metrics.CityscapesClasses, "seg: number of classes")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if real == "" || fake == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("want --real DIR and --fake DIR and no other arguments")
	}
	opt.FID.Download = !noDownload
	opt.Seg.Labels, opt.Seg.Convention, opt.Seg.SegmenterName = metrics.LabelFormat(labels), metrics.SegConvention(conv), segSpec
	if kind == vocab.MetricSeg {
		seg, err := metrics.NewSegmenter(segSpec)
		if err != nil {
			return err
		}
		opt.Seg.Segmenter = seg
	}
	values, err := metrics.Compute(kind, real, fake, opt, step)
	if errors.Is(err, metrics.ErrInceptionUnavailable) {
		return fidAbsent{err}
	}
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(values)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	for _, m := range values {
		fmt.Fprintf(w, "%s\t%.6g\t%s\n", m.Name, m.Value, m.Identity)
	}
	return w.Flush()
}
