// Package job runs one built-in run in its run directory: data, training with checkpoints
// and exact resume, translation of the test set to PNG, and the run's metrics.
package job

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sweep/config"
	"sweep/core"
	"sweep/data"
	"sweep/metrics"
	"sweep/rundir"
	"sweep/translate"
)

const checkpointFile = "latest.safetensors"

// Execute trains the run in dir (resuming from its checkpoint), translates the test set and
// writes result.json. When ctx ends it stops and returns ctx's error; the run resumes from
// its last checkpoint, taken at every epoch's end.
func Execute(ctx context.Context, dir string, progress func(rundir.Progress)) error {
	start := time.Now()
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return err
	}
	root, err := data.Prepare(cfg, "")
	if err != nil {
		return err
	}
	ds, err := data.Open(cfg, root)
	if err != nil {
		return err
	}
	g, iters, err := generator(ctx, cfg, dir, ds, progress)
	if err != nil {
		return err
	}
	if err := translateTest(g, ds, dir); err != nil {
		return err
	}
	ms, err := evaluate(cfg, ds, filepath.Join(dir, rundir.FakeImagesDir), filepath.Join(dir, rundir.RealImagesDir), iters)
	if err != nil {
		return err
	}
	return rundir.WriteJSON(filepath.Join(dir, rundir.ResultFile), rundir.Result{Metrics: ms, Iters: iters, Duration: time.Since(start)})
}

// generator trains the run's generator, or loads the checkpoint the run evaluates (a
// published latest_net_G.pth or one of ours), and reports the training iterations done.
func generator(ctx context.Context, cfg config.Run, dir string, ds *data.Dataset, progress func(rundir.Progress)) (*core.Generator, int, error) {
	if cfg.Checkpoint != "" {
		g, err := translate.LoadGenerator(cfg.Checkpoint)
		return g, 0, err
	}
	t, err := newTrainer(cfg, dir)
	if err != nil {
		return nil, 0, err
	}
	if err := t.train(ctx, ds, progress); err != nil {
		return nil, 0, err
	}
	return t.model.G, t.iter, nil
}

// Options maps a run configuration onto the core's model options.
func Options(cfg config.Run) core.Options {
	return core.Options{
		NGF: cfg.NGF, NDF: cfg.NDF, NBlocks: cfg.NBlocks, NetFNC: cfg.NetFNC,
		NCE: core.NCEOptions{Mode: cfg.Mode, AllLayers: cfg.AttnLayers != "last2", NoPool: cfg.AttnLayers == "all_unpooled", NumPatches: cfg.Queries,
			Temp: float32(cfg.NCETemp), Lambda: float32(cfg.LambdaNCE)},
		LambdaGAN: float32(cfg.LambdaGAN), NCEIdt: cfg.NCEIdt, Beta1: cfg.Beta1, Beta2: cfg.Beta2,
	}
}

// trainer is the training state: everything a checkpoint must hold to resume bit for bit.
type trainer struct {
	cfg   config.Run
	dir   string
	model *core.Model
	pcg   *rand.PCG
	rng   *rand.Rand
	iter  int // iterations done
	epoch int // epochs done
}

func newTrainer(cfg config.Run, dir string) (*trainer, error) {
	pcg := rand.NewPCG(uint64(cfg.Seed), 0x5157)
	t := &trainer{cfg: cfg, dir: dir, pcg: pcg, rng: rand.New(pcg)}
	t.model = core.NewModel(Options(cfg), t.rng)
	path := filepath.Join(dir, rundir.CheckpointDir, checkpointFile)
	if _, err := os.Stat(path); err != nil {
		return t, nil
	}
	return t, t.restore(path)
}

func (t *trainer) restore(path string) error {
	meta, err := t.model.LoadCheckpoint(path)
	if err != nil {
		return err
	}
	state, err := hex.DecodeString(meta["rng"])
	if err != nil {
		return fmt.Errorf("%s: rng state: %w", path, err)
	}
	if err := t.pcg.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("%s: rng state: %w", path, err)
	}
	if _, err := fmt.Sscan(meta["iter"], &t.iter); err != nil {
		return fmt.Errorf("%s: iter: %w", path, err)
	}
	_, err = fmt.Sscan(meta["epoch"], &t.epoch)
	return err
}

func (t *trainer) save() error {
	state, err := t.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	dir := filepath.Join(t.dir, rundir.CheckpointDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	meta := map[string]string{"rng": hex.EncodeToString(state), "iter": fmt.Sprint(t.iter), "epoch": fmt.Sprint(t.epoch)}
	cfg, _ := json.Marshal(t.cfg)
	meta["config"] = string(cfg)
	var buf bytes.Buffer
	if err := t.model.WriteCheckpoint(&buf, meta); err != nil {
		return err
	}
	return rundir.WriteFileAtomic(filepath.Join(dir, checkpointFile), buf.Bytes())
}

// lrFactor is the reference's linear policy: 1 for epochs 1..n, then 1 - (e-n)/(nd+1).
func lrFactor(epoch, n, nd int) float64 {
	return 1 - float64(max(0, epoch-n))/float64(nd+1)
}

// train runs whole epochs from the last checkpoint; an interrupted epoch is redone from its
// start, since the checkpoint is taken at epoch boundaries only.
func (t *trainer) train(ctx context.Context, ds *data.Dataset, progress func(rundir.Progress)) error {
	epochs := t.cfg.Epochs + t.cfg.EpochsDecay
	total := epochs * ds.Len()
	losses, err := os.OpenFile(filepath.Join(t.dir, rundir.LossesFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer losses.Close()
	logEvery := max(1, total/100)
	for t.epoch < epochs {
		e := t.epoch + 1
		lr := t.cfg.LR * lrFactor(e, t.cfg.Epochs, t.cfg.EpochsDecay)
		for _, i := range ds.Order(e, t.rng) {
			if ctx.Err() != nil {
				return ctx.Err() // resume restarts this epoch from its checkpoint
			}
			a, b, err := ds.TrainPair(i, e, t.rng)
			if err != nil {
				return err
			}
			pick := core.RandomPicker{Rng: t.rng}
			s := t.model.Iteration(toVar(a), toVar(b), pick, pick, lr)
			t.iter++
			if t.iter%logEvery == 0 || t.iter == total {
				p := rundir.Progress{Iter: t.iter, Total: total, Losses: s.Losses(), Phase: "train"}
				line, _ := json.Marshal(p)
				fmt.Fprintf(losses, "%s\n", line)
				progress(p)
			}
		}
		t.epoch = e
		if err := t.save(); err != nil {
			return err
		}
	}
	return nil
}

func toVar(img data.Image) *core.Var { return core.NewVar(img.Pix, img.C, img.H, img.W) }

// translateTest writes G's output for every test input, and the input itself, as PNGs.
func translateTest(g *core.Generator, ds *data.Dataset, dir string) error {
	samples, err := ds.Test()
	if err != nil {
		return err
	}
	for _, sub := range []string{rundir.FakeImagesDir, rundir.InputImagesDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for _, s := range samples {
		out, _ := g.Forward(nil, toVar(s.A), false)
		fake := data.Image{C: 3, H: out.Shape[1], W: out.Shape[2], Pix: out.Data}
		if err := data.WritePNG(filepath.Join(dir, rundir.FakeImagesDir, s.Name+".png"), fake); err != nil {
			return err
		}
		if err := data.WritePNG(filepath.Join(dir, rundir.InputImagesDir, s.Name+".png"), s.A); err != nil {
			return err
		}
	}
	return nil
}

// EvaluateImages computes a run's configured metrics on translated images that something
// else produced (the command executor's external trainer), in the run directory fakeDir is in.
func EvaluateImages(ctx context.Context, cfg config.Run, fakeDir string) ([]rundir.Metric, error) {
	root, err := data.Prepare(cfg, "")
	if err != nil {
		return nil, err
	}
	ds, err := data.Open(cfg, root)
	if err != nil {
		return nil, err
	}
	return evaluate(cfg, ds, fakeDir, filepath.Join(filepath.Dir(filepath.Dir(fakeDir)), rundir.RealImagesDir), 0)
}

// evaluate computes the configured metrics of the translated test set in fake against the
// target domain's real test images, written to real at the test size.
func evaluate(cfg config.Run, ds *data.Dataset, fake, real string, step int) ([]rundir.Metric, error) {
	if err := ds.WriteRealTest(real); err != nil {
		return nil, err
	}
	var out []rundir.Metric
	for _, kind := range cfg.Metrics {
		var ms []rundir.Metric
		var err error
		switch kind {
		case "gt":
			if !ds.HasGroundTruth() {
				continue
			}
			ms, err = ds.GroundTruthScores(fake)
		case "seg":
			ms, err = segScores(cfg, ds, fake, step)
		case "swd", "fid":
			opt := metrics.Options{}
			opt.SWD.Seed = uint64(cfg.Seed)
			ms, err = metrics.Compute(kind, real, fake, opt, step)
			if kind == "fid" && errors.Is(err, metrics.ErrInceptionUnavailable) {
				fmt.Fprintf(os.Stderr, "fid absent: %v\n", err)
				continue
			}
		}
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", kind, err)
		}
		for i := range ms {
			ms[i].Step = step
		}
		out = append(out, ms...)
	}
	slices.SortFunc(out, func(a, b rundir.Metric) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// segScores segments the translated photos of the built-in Cityscapes analogue with its
// synthetic segmenter and scores them against the layouts they were translated from.
func segScores(cfg config.Run, ds *data.Dataset, fake string, step int) ([]rundir.Metric, error) {
	if cfg.Dataset != "builtin:cityscapes" {
		return nil, fmt.Errorf("dataset %s: seg in a run needs builtin:cityscapes (for other data use 'sweep metrics seg' with a segmenter)", cfg.Dataset)
	}
	opt := metrics.Options{Seg: metrics.SegOptions{
		Segmenter:     metrics.SegmentFunc(data.SegmentSynthetic),
		SegmenterName: "synthetic",
		Resize:        "nearest",
		Truth: func(fakePath string) ([]uint8, int, int, error) {
			return ds.SegmentationTruth(strings.TrimSuffix(filepath.Base(fakePath), filepath.Ext(fakePath)))
		},
	}}
	return metrics.Compute("seg", fake, fake, opt, step)
}
