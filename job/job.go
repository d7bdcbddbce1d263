// Package job runs one built-in run in its run directory: data, training with checkpoints (at
// every epoch's end, and mid-epoch when interrupted) and exact resume (keeping the generator of
// every eval_every-th epoch), then the evaluation of the final and every kept checkpoint
// (package evaluate) into result.json.
package job

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sweep/checkpoint"
	"sweep/config"
	"sweep/core"
	"sweep/data"
	"sweep/evaluate"
	"sweep/internal/atomicfile"
	"sweep/rundir"
	"sweep/safetensors"
	"sweep/tensor"
	"sweep/vocab"
)

const checkpointFile = evaluate.LatestFile

// Execute trains the run in dir (resuming from its checkpoint), scores the final checkpoint
// and every kept one, and writes result.json. A run whose metrics cannot be computed (FID
// weights missing, no segmenter) fails before training. When ctx ends it finishes the current
// iteration, saves a checkpoint there and returns ctx's error; the run resumes from that
// iteration and ends exactly as an uninterrupted run would.
func Execute(ctx context.Context, dir string, progress func(rundir.Progress)) error {
	start := time.Now()
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return err
	}
	if err := evaluate.Check(cfg); err != nil {
		return err
	}
	ds, err := evaluate.OpenDataset(cfg)
	if err != nil {
		return err
	}
	iters, err := train(ctx, cfg, dir, ds, progress)
	if err != nil {
		return err
	}
	ms, err := evaluate.Run(ctx, dir, cfg, ds, progress)
	if err != nil {
		return err
	}
	return rundir.WriteJSON(filepath.Join(dir, rundir.ResultFile), rundir.Result{Metrics: ms, Iters: iters, Duration: time.Since(start)})
}

// train trains the run's generator and reports the training iterations done; a run that
// evaluates a given checkpoint trains nothing.
func train(ctx context.Context, cfg config.Run, dir string, ds *data.Dataset, progress func(rundir.Progress)) (int, error) {
	if cfg.Checkpoint != "" {
		return 0, nil
	}
	t, err := newTrainer(cfg, dir)
	if err != nil {
		return 0, err
	}
	if err := t.train(ctx, ds, progress); err != nil {
		return 0, err
	}
	return t.iter, nil
}

// Options maps a run configuration onto the core's model options: the one place a
// configuration becomes a model (training here, timing in package perf).
func Options(cfg config.Run) core.Options {
	return core.Options{
		NGF: cfg.NGF, NDF: cfg.NDF, NBlocks: cfg.NBlocks, NetFNC: cfg.NetFNC,
		NCE: core.NCEOptions{Mode: cfg.Mode, AllLayers: cfg.AttnLayers != vocab.LayersLast2, NoPool: cfg.AttnLayers == vocab.LayersAllUnpooled,
			NumPatches: cfg.Queries, Temp: float32(cfg.NCETemp), Lambda: float32(cfg.LambdaNCE)},
		LambdaGAN: float32(cfg.LambdaGAN), NCEIdt: cfg.NCEIdt, Beta1: cfg.Beta1, Beta2: cfg.Beta2,
	}
}

// trainer is the training state: everything a checkpoint must hold to resume bit for bit.
type trainer struct {
	cfg     config.Run
	dir     string
	model   *core.Model
	pcg     *rand.PCG
	rng     *rand.Rand
	iter    int   // iterations done
	epoch   int   // epochs done
	order   []int // the data order of epoch epoch+1 while it is under way; nil between epochs
	inEpoch int   // iterations of epoch epoch+1 done (the next one is order[inEpoch])
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
	meta, err := checkpoint.Load(path, t.model)
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
	if _, err := fmt.Sscan(meta["epoch"], &t.epoch); err != nil {
		return fmt.Errorf("%s: epoch: %w", path, err)
	}
	if err := t.restoreEpochState(meta); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// restoreEpochState reads the position inside an epoch of a mid-epoch checkpoint: iter_in_epoch
// (absent or 0 at an epoch's end) and the epoch's data order. train checks them against the
// dataset.
func (t *trainer) restoreEpochState(meta map[string]string) error {
	s, ok := meta["iter_in_epoch"]
	if !ok || s == "0" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("iter_in_epoch %q is not an iteration count", s)
	}
	t.inEpoch = n
	t.order, err = parseOrder(meta["order"])
	return err
}

// formatOrder and parseOrder store an epoch's data order as comma-separated indices.
func formatOrder(order []int) string {
	s := make([]string, len(order))
	for i, v := range order {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func parseOrder(s string) ([]int, error) {
	if s == "" {
		return nil, fmt.Errorf("a mid-epoch checkpoint without the epoch's data order")
	}
	fields := strings.Split(s, ",")
	order := make([]int, len(fields))
	for i, f := range fields {
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("data order: %w", err)
		}
		order[i] = v
	}
	return order, nil
}

// checkPosition checks a restored position against the dataset and schedule: a mid-epoch
// order is a permutation of the dataset's n indices, and iter counts the epochs and
// iterations done.
func (t *trainer) checkPosition(n, epochs int) error {
	path := filepath.Join(t.dir, rundir.CheckpointDir, checkpointFile)
	if t.order == nil {
		if t.iter != t.epoch*n || t.epoch > epochs {
			return fmt.Errorf("%s: iter %d at epoch %d does not fit %d epochs of %d iterations", path, t.iter, t.epoch, epochs, n)
		}
		return nil
	}
	seen := make([]bool, n)
	for _, i := range t.order {
		if len(t.order) != n || i < 0 || i >= n || seen[i] {
			return fmt.Errorf("%s: the data order is not a permutation of the dataset's %d indices", path, n)
		}
		seen[i] = true
	}
	if t.inEpoch >= n || t.epoch >= epochs || t.iter != t.epoch*n+t.inEpoch {
		return fmt.Errorf("%s: iter %d at epoch %d + %d does not fit %d epochs of %d iterations", path, t.iter, t.epoch, t.inEpoch, epochs, n)
	}
	return nil
}

// save writes latest.safetensors: at an epoch's end (and the kept generator of an eval_every
// epoch), or in the middle of an epoch with the position inside it (iter_in_epoch, order).
func (t *trainer) save() error {
	state, err := t.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	dir := filepath.Join(t.dir, rundir.CheckpointDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	meta := map[string]string{"rng": hex.EncodeToString(state), "iter": fmt.Sprint(t.iter), "epoch": fmt.Sprint(t.epoch),
		"iter_in_epoch": fmt.Sprint(t.inEpoch)}
	if t.inEpoch > 0 {
		meta["order"] = formatOrder(t.order)
	}
	cfg, _ := json.Marshal(t.cfg)
	meta["config"] = string(cfg)
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, t.model, meta); err != nil {
		return err
	}
	if t.inEpoch == 0 && t.keeps(t.epoch) {
		if err := keepGenerator(buf.Bytes(), filepath.Join(dir, evaluate.EpochFile(t.epoch))); err != nil {
			return err
		}
	}
	return atomicfile.Write(filepath.Join(dir, checkpointFile), buf.Bytes())
}

// keeps reports whether the generator of epoch e is kept for evaluation: every eval_every-th
// epoch before the last (the last one is latest.safetensors).
func (t *trainer) keeps(e int) bool {
	n := t.cfg.EvalEvery
	return n > 0 && e%n == 0 && e < t.cfg.Epochs+t.cfg.EpochsDecay
}

// keepGenerator writes the generator's tensors (G.*) and the iteration, epoch and config of a
// training checkpoint to path: what evaluation needs, without D, F and the optimizer state. It is
// written before latest.safetensors, so a resumed run never lacks a kept epoch.
func keepGenerator(checkpoint []byte, path string) error {
	f, err := safetensors.Parse(checkpoint)
	if err != nil {
		return err
	}
	w := safetensors.NewWriter()
	for _, k := range []string{"iter", "epoch", "config"} {
		w.Metadata[k] = f.Metadata[k]
	}
	for name, ten := range f.Tensors {
		if !strings.HasPrefix(name, "G.") {
			continue
		}
		v, err := ten.Float32s()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		w.AddFloat32(name, ten.Shape, v)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}

// lrFactor is the reference's linear policy: 1 for epochs 1..n, then 1 - (e-n)/(nd+1).
func lrFactor(epoch, n, nd int) float64 {
	return 1 - float64(max(0, epoch-n))/float64(nd+1)
}

// lossLog is where train reports its progress: the losses log and the progress callback.
type lossLog struct {
	file            *os.File
	progress        func(rundir.Progress)
	total, logEvery int
}

// train runs the epochs left from the last checkpoint. When ctx ends it finishes the current
// iteration, saves a mid-epoch checkpoint (unless the epoch just ended: then the epoch's own)
// and returns ctx's error; the resumed run goes on with the next iteration.
func (t *trainer) train(ctx context.Context, ds *data.Dataset, progress func(rundir.Progress)) error {
	epochs := t.cfg.Epochs + t.cfg.EpochsDecay
	if err := t.checkPosition(ds.Len(), epochs); err != nil {
		return err
	}
	f, err := openLossLog(filepath.Join(t.dir, rundir.LossesFile))
	if err != nil {
		return err
	}
	defer f.Close()
	total := epochs * ds.Len()
	log := &lossLog{file: f, progress: progress, total: total, logEvery: max(1, total/100)}
	if t.iter > 0 && t.iter < total {
		fmt.Fprintf(os.Stderr, "resuming at iteration %d of %d (epoch %d, %d of its %d iterations done)\n",
			t.iter+1, total, t.epoch+1, t.inEpoch, ds.Len())
	}
	for t.epoch < epochs {
		if ctx.Err() != nil {
			return ctx.Err() // the last checkpoint is at this epoch's start
		}
		if err := t.trainEpoch(ctx, ds, log); err != nil {
			return err
		}
	}
	return nil
}

// trainEpoch runs the rest of epoch t.epoch+1 (drawing its data order first when it starts)
// and saves its checkpoint; when ctx ends inside the epoch it saves the position instead.
func (t *trainer) trainEpoch(ctx context.Context, ds *data.Dataset, log *lossLog) error {
	e := t.epoch + 1
	lr := t.cfg.LR * lrFactor(e, t.cfg.Epochs, t.cfg.EpochsDecay)
	if t.order == nil {
		t.order, t.inEpoch = ds.Order(e, t.rng), 0
	}
	for t.inEpoch < len(t.order) {
		if err := t.step(ds, e, lr, log); err != nil {
			return err
		}
		if ctx.Err() != nil && t.inEpoch < len(t.order) {
			if err := t.save(); err != nil {
				return err
			}
			return ctx.Err()
		}
	}
	t.epoch, t.order, t.inEpoch = e, nil, 0
	return t.save()
}

// step runs the epoch's next iteration and logs its losses every logEvery iterations.
func (t *trainer) step(ds *data.Dataset, e int, lr float64, log *lossLog) error {
	a, b, err := ds.TrainPair(t.order[t.inEpoch], e, t.rng)
	if err != nil {
		return err
	}
	pick := core.RandomPicker{Rng: t.rng}
	s := t.model.Iteration(toVar(a), toVar(b), pick, pick, lr)
	t.iter++
	t.inEpoch++
	if t.iter%log.logEvery != 0 && t.iter != log.total {
		return nil
	}
	p := rundir.Progress{Iter: t.iter, Total: log.total, Losses: finiteLosses(s.Losses(), t.iter), Phase: "train"}
	if err := logLosses(log.file, p); err != nil {
		return err
	}
	log.progress(p)
	return nil
}

// openLossLog opens the losses log for appending, first cutting a torn last line (a killed
// attempt's partial write) so the resumed attempt's lines do not join it.
func openLossLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(f)
	if err == nil {
		err = f.Truncate(int64(bytes.LastIndexByte(b, '\n') + 1))
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekEnd)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// logLosses appends one progress line; a failed write (a full disk) is the run's error,
// not a silently missing curve.
func logLosses(f *os.File, p rundir.Progress) error {
	line, err := json.Marshal(p)
	if err == nil {
		_, err = fmt.Fprintf(f, "%s\n", line)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	return nil
}

// finiteLosses drops NaN and infinite losses (JSON has no such numbers), saying so on the
// run's log: a diverged run keeps training as the reference does, and its log shows when.
func finiteLosses(ls map[string]float64, iter int) map[string]float64 {
	for name, v := range ls {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			fmt.Fprintf(os.Stderr, "iteration %d: loss %s is %v\n", iter, name, v)
			delete(ls, name)
		}
	}
	return ls
}

func toVar(img data.Image) *tensor.Var { return tensor.NewVar(img.Pix, img.C, img.H, img.W) }

// EvaluateImages computes a run's configured metrics on translated images that something
// else produced (the command executor's external trainer), in the run directory fakeDir is in.
func EvaluateImages(ctx context.Context, cfg config.Run, fakeDir string) ([]rundir.Metric, error) {
	return evaluate.Images(ctx, cfg, filepath.Dir(filepath.Dir(fakeDir)), fakeDir)
}
