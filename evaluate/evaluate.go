// Package evaluate scores a run's checkpoints: it translates the test set with a
// checkpoint's generator and computes the run's metrics on the translations. Training (package
// job) writes checkpoints; evaluation turns a checkpoint into metrics, inside a run (job.Execute
// scores the final checkpoint and every kept one) or afterwards ("sweep eval", Main), without
// retraining. See docs/eval.md.
package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sweep/config"
	"sweep/data"
	"sweep/metrics"
	"sweep/metrics/drn"
	"sweep/rundir"
	"sweep/vocab"
)

// Options are the settings of an Evaluator that do not come from the run's configuration.
type Options struct {
	Inception string    // FID weights; overrides the run's inception setting when not ""
	Log       io.Writer // notes such as "fid absent"; nil: os.Stderr
}

// Evaluator scores the checkpoints of one run against its dataset's real test images.
type Evaluator struct {
	dir  string
	cfg  config.Run
	ds   *data.Dataset
	real string // the target domain's real test images at the test size
	log  io.Writer

	inceptionPath string // located once
	inceptionErr  error
	located       bool

	drn *drn.Net // segmenter drn's network, loaded on first use
}

// New prepares the evaluation of the run in dir: it opens the run's dataset (ds, when not
// nil, is that dataset already open) and writes its real test images to images/real_B.
func New(dir string, cfg config.Run, ds *data.Dataset, opt Options) (*Evaluator, error) {
	if opt.Inception != "" {
		cfg.Inception = opt.Inception
	}
	if opt.Log == nil {
		opt.Log = os.Stderr
	}
	if ds == nil {
		var err error
		if ds, err = OpenDataset(cfg); err != nil {
			return nil, err
		}
	}
	e := &Evaluator{dir: dir, cfg: cfg, ds: ds, real: filepath.Join(dir, rundir.RealImagesDir), log: opt.Log}
	if err := ds.WriteRealTest(e.real); err != nil {
		return nil, err
	}
	return e, nil
}

// OpenDataset prepares (a built-in one is generated once into the cache) and opens cfg's dataset.
func OpenDataset(cfg config.Run) (*data.Dataset, error) {
	root, err := data.Prepare(cfg, "")
	if err != nil {
		return nil, err
	}
	return data.Open(cfg, root)
}

// Score computes metric kind on ck's translations (which Fakes must have made) and returns
// its values with ck's epoch and step. A FID whose weights are missing in a run with
// fid_optional gives no values and a note on the log.
func (e *Evaluator) Score(ctx context.Context, ck Checkpoint, kind vocab.Metric) ([]rundir.Metric, error) {
	vs, err := e.compute(ctx, kind, ck.Fakes)
	if err != nil {
		return nil, fmt.Errorf("metric %s: %w", kind, err)
	}
	return RunMetrics(vs, ck.Step, ck.Epoch), nil
}

// RunMetrics records metric values as the run metrics of training iteration step and epoch.
func RunMetrics(vs []metrics.Value, step, epoch int) []rundir.Metric {
	out := make([]rundir.Metric, len(vs))
	for i, v := range vs {
		out[i] = rundir.Metric{Name: v.Name, Value: v.Value, Step: step, Epoch: epoch, Identity: v.Identity}
	}
	return out
}

func (e *Evaluator) compute(ctx context.Context, kind vocab.Metric, fakes string) ([]metrics.Value, error) {
	switch kind {
	case vocab.MetricSWD:
		opt := metrics.Options{}
		opt.SWD.Seed = uint64(e.cfg.Seed)
		return metrics.Compute(vocab.MetricSWD, e.real, fakes, opt)
	case vocab.MetricFID:
		return e.fid(fakes)
	case vocab.MetricSeg:
		return e.seg(ctx, fakes)
	case vocab.MetricGT:
		if !e.ds.HasGroundTruth() {
			return nil, nil // a folder dataset has no ideal translations
		}
		return metrics.GroundTruth(e.ds, fakes)
	}
	_, err := vocab.ParseMetric(string(kind))
	return nil, err
}

// Run scores every checkpoint of the run in dir (each kept one, then the final one) with
// every metric of cfg, translating the test set with each first, and returns the values
// sorted by epoch, then name. ds may be the run's dataset, already open, or nil.
func Run(ctx context.Context, dir string, cfg config.Run, ds *data.Dataset, progress func(rundir.Progress)) ([]rundir.Metric, error) {
	cks, err := Checkpoints(dir, cfg, true)
	if err != nil {
		return nil, err
	}
	return scoreCheckpoints(ctx, dir, cfg, ds, cks, progress)
}

// RunCheckpoints is Run on a given list of checkpoints (an external trainer's generators):
// it translates the test set with each and scores it with every metric of cfg, returning
// the values sorted by epoch, then name.
func RunCheckpoints(ctx context.Context, dir string, cfg config.Run, cks []Checkpoint, progress func(rundir.Progress)) ([]rundir.Metric, error) {
	return scoreCheckpoints(ctx, dir, cfg, nil, cks, progress)
}

// scoreCheckpoints translates the test set with each checkpoint and scores the fakes with
// every metric of cfg that applies, reporting translate and metrics phases as progress.
func scoreCheckpoints(ctx context.Context, dir string, cfg config.Run, ds *data.Dataset, cks []Checkpoint, progress func(rundir.Progress)) ([]rundir.Metric, error) {
	e, err := New(dir, cfg, ds, Options{})
	if err != nil {
		return nil, err
	}
	kinds := Applicable(cfg.Metrics, cfg)
	total, done := len(cks)*(1+len(kinds)), 0
	var out []rundir.Metric
	for _, ck := range cks {
		progress(rundir.Progress{Iter: done, Total: total, Phase: "translate"})
		if err := e.Fakes(ctx, ck); err != nil {
			return nil, fmt.Errorf("epoch %d: %w", ck.Epoch, err)
		}
		done++
		for _, kind := range kinds {
			progress(rundir.Progress{Iter: done, Total: total, Phase: "metrics"})
			ms, err := e.Score(ctx, ck, kind)
			if err != nil {
				return nil, fmt.Errorf("epoch %d: %w", ck.Epoch, err)
			}
			out = append(out, ms...)
			done++
		}
	}
	SortMetrics(out)
	return out, nil
}

// Images scores translations that something else made (the command executor's external
// trainer), in fakes, with every metric of cfg, as the final checkpoint of the run in dir: its
// epoch is the configured schedule's end (0 for a given checkpoint), its step 0 (unknown).
func Images(ctx context.Context, cfg config.Run, dir, fakes string) ([]rundir.Metric, error) {
	e, err := New(dir, cfg, nil, Options{})
	if err != nil {
		return nil, err
	}
	ck := Checkpoint{Epoch: cfg.Epochs + cfg.EpochsDecay, Fakes: fakes, Final: true}
	if cfg.Checkpoint != "" {
		ck.Epoch = 0
	}
	var out []rundir.Metric
	for _, kind := range Applicable(cfg.Metrics, cfg) {
		ms, err := e.Score(ctx, ck, kind)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	SortMetrics(out)
	return out, nil
}

// Applicable is kinds without those that cannot score a run of cfg (see config.Run.Scores).
func Applicable(kinds []vocab.Metric, cfg config.Run) []vocab.Metric {
	var out []vocab.Metric
	for _, k := range kinds {
		if cfg.Scores(k) {
			out = append(out, k)
		}
	}
	return out
}

// SortMetrics orders metrics by epoch, then step, then name: a run's final values come last.
func SortMetrics(ms []rundir.Metric) {
	slices.SortStableFunc(ms, func(a, b rundir.Metric) int {
		if a.Epoch != b.Epoch {
			return a.Epoch - b.Epoch
		}
		if a.Step != b.Step {
			return a.Step - b.Step
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// Check refuses, before any training, a run whose metrics cannot be computed: FID without
// its Inception weights (unless fid_optional; the weights are fetched into the cache first
// where the network allows), seg without a usable segmenter or label folder.
func Check(cfg config.Run) error {
	if slices.Contains(cfg.Metrics, vocab.MetricFID) && !cfg.FIDOptional {
		if _, err := metrics.LocateInception(cfg.Inception, true); err != nil {
			return fmt.Errorf("metric fid: %w", inceptionHint(err))
		}
	}
	if !slices.Contains(cfg.Metrics, vocab.MetricSeg) {
		return nil
	}
	if _, _, err := cfg.SegmenterSpec(); err != nil {
		return fmt.Errorf("metric seg: %w", err)
	}
	if dir := cfg.LabelsDir(); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("metric seg: label folder %s: not a folder (set labels = \"DIR\": label maps named like the test images)", dir)
		}
	}
	return nil
}

// inceptionHint adds to a missing-weights error how a sweep file settles it.
func inceptionHint(err error) error {
	if !errors.Is(err, metrics.ErrInceptionUnavailable) {
		return err
	}
	return fmt.Errorf("%w; in the sweep file, inception = \"PATH\" names the file, fid_optional = true records FID as absent instead", err)
}
