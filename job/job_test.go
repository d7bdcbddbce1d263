package job

import (
	"sweep/internal/fixtures"

	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/config"
	"sweep/evaluate"
	"sweep/metrics"
	"sweep/rundir"
	"sweep/safetensors"
	"sweep/vocab"
)

// tinyConfig trains 2 epochs of 10 iterations at the smallest valid scale.
func tinyConfig(seed int64) config.Run {
	c := config.Default()
	c.Seed, c.CropSize, c.LoadSize = seed, 24, 26
	c.NGF, c.NDF, c.NBlocks, c.NetFNC, c.Queries = 4, 4, 5, 8, 8
	c.TrainSize, c.TestSize, c.Epochs, c.EpochsDecay = 10, 2, 1, 1
	c.Metrics = nil
	return c
}

func newRunDir(t *testing.T, cfg config.Run) string {
	t.Helper()
	dir := t.TempDir()
	if err := rundir.WriteJSON(filepath.Join(dir, rundir.ConfigFile), cfg); err != nil {
		t.Fatal(err)
	}
	return dir
}

func execute(t *testing.T, ctx context.Context, dir string, progress func(rundir.Progress)) error {
	t.Helper()
	if progress == nil {
		progress = func(rundir.Progress) {}
	}
	return Execute(ctx, dir, progress)
}

// weights returns the G, D and F tensors of a run's final checkpoint.
func weights(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	f, err := safetensors.ReadFile(filepath.Join(dir, rundir.CheckpointDir, checkpointFile))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for name, ten := range f.Tensors {
		out[name] = ten.Data
	}
	return out
}

func sameWeights(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sweep-job-cache")
	if err != nil {
		panic(err)
	}
	os.Setenv("SWEEP_CACHE", dir)
	os.Setenv("HOME", filepath.Join(dir, "home"))
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "xdg"))
	os.Setenv("SWEEP_NO_DOWNLOAD", "1") // no test downloads the Inception weights
	os.Unsetenv("SWEEP_INCEPTION")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestSameSeedSameWeightsBitForBit(t *testing.T) {
	a, b, c := newRunDir(t, tinyConfig(1)), newRunDir(t, tinyConfig(1)), newRunDir(t, tinyConfig(2))
	for _, d := range []string{a, b, c} {
		if err := execute(t, context.Background(), d, nil); err != nil {
			t.Fatal(err)
		}
	}
	if !sameWeights(weights(t, a), weights(t, b)) {
		t.Error("two trainings with seed 1 differ")
	}
	if sameWeights(weights(t, a), weights(t, c)) {
		t.Error("seeds 1 and 2 gave identical weights")
	}
	res, ok, err := rundir.ReadResult(a)
	if err != nil || !ok || res.Iters != 20 {
		t.Errorf("result %+v ok=%v err=%v, want 20 iterations", res, ok, err)
	}
	fakes, _ := filepath.Glob(filepath.Join(a, rundir.FakeImagesDir, "*.png"))
	if len(fakes) != 2 {
		t.Errorf("%d translated test images, want 2", len(fakes))
	}
}

// TestInterruptedRunResumesExactly stops a run after its first epoch's checkpoint, resumes it
// with a fresh trainer (as a new process would), and compares with an uninterrupted run.
func TestInterruptedRunResumesExactly(t *testing.T) {
	straight, resumed := newRunDir(t, tinyConfig(3)), newRunDir(t, tinyConfig(3))
	if err := execute(t, context.Background(), straight, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err := execute(t, ctx, resumed, func(p rundir.Progress) {
		if p.Iter >= 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	if _, ok, _ := rundir.ReadResult(resumed); ok {
		t.Fatal("an interrupted run wrote result.json")
	}
	if err := execute(t, context.Background(), resumed, nil); err != nil {
		t.Fatal(err)
	}
	if !sameWeights(weights(t, straight), weights(t, resumed)) {
		t.Error("10 + 10 resumed iterations differ from 20 straight ones")
	}
}

func TestLRFactorFollowsLinearPolicy(t *testing.T) {
	for _, c := range []struct {
		epoch, n, nd int
		want         float64
	}{{1, 200, 200, 1}, {200, 200, 200, 1}, {201, 200, 200, 1 - 1.0/201}, {400, 200, 200, 1.0 / 201}} {
		if got := lrFactor(c.epoch, c.n, c.nd); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("lrFactor(%d, %d, %d) = %v, want %v", c.epoch, c.n, c.nd, got, c.want)
		}
	}
}

// TestEvaluateImagesScoresExternalOutput scores images that another trainer wrote, as the
// command executor does: the test inputs themselves stand in for its translations.
func TestEvaluateImagesScoresExternalOutput(t *testing.T) {
	cfg := tinyConfig(1)
	cfg.Metrics = []vocab.Metric{"swd", "gt"}
	dir := newRunDir(t, cfg)
	if err := execute(t, context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	ms, err := EvaluateImages(context.Background(), cfg, filepath.Join(dir, rundir.InputImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range ms {
		got[m.Name] = m.Value
	}
	if _, ok := got["swd_avg"]; !ok {
		t.Errorf("no swd_avg in %v", got)
	}
	if v, ok := got["gt_background_l1"]; !ok || v > 0.01 {
		t.Errorf("identity translation: gt_background_l1 = %v (present %v), want about 0", v, ok)
	}
}

// TestCheckpointRunEvaluatesWithoutTraining evaluates the fixtures' PyTorch-written generator
// as a run: no training, the test set translated with it, metrics recorded.
func TestCheckpointRunEvaluatesWithoutTraining(t *testing.T) {
	cfg := tinyConfig(1)
	cfg.NGF, cfg.CropSize, cfg.LoadSize, cfg.Queries = 8, 32, 36, 16
	cfg.Checkpoint = fixtures.Dir(t, "pretrained", "global_latest_net_G.pth")
	cfg.Metrics = []vocab.Metric{"swd"}
	dir := newRunDir(t, cfg)
	if err := execute(t, context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	res, ok, err := rundir.ReadResult(dir)
	if err != nil || !ok || res.Iters != 0 || len(res.Metrics) == 0 {
		t.Fatalf("result %+v ok=%v err=%v: want metrics and no training", res, ok, err)
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.CheckpointDir)); !os.IsNotExist(err) {
		t.Error("an evaluation run wrote a training checkpoint")
	}
}

// TestCityscapesRunScoresSegmentation runs labels→photo on the built-in Cityscapes analogue
// and records the segmentation scores of its translations.
func TestCityscapesRunScoresSegmentation(t *testing.T) {
	cfg := tinyConfig(1)
	cfg.Dataset, cfg.Metrics = "builtin:cityscapes", []vocab.Metric{"seg"}
	dir := newRunDir(t, cfg)
	if err := execute(t, context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	res, _, err := rundir.ReadResult(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range res.Metrics {
		names[m.Name] = true
	}
	for _, want := range []string{"seg_miou", "seg_pixacc", "seg_classacc"} {
		if !names[want] {
			t.Errorf("no %s in %v", want, res.Metrics)
		}
	}
	// The ideal translations (the real photos) must score near the top.
	ms, err := EvaluateImages(context.Background(), cfg, filepath.Join(dir, "images", "real_B"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == "seg_pixacc" && m.Value < 90 {
			t.Errorf("ideal translations: pixel accuracy %.1f%%, want above 90%%", m.Value)
		}
	}
}

// TestFIDMissingWeightsFailsRun asks for FID with no Inception weights anywhere (downloads
// off): the run fails before training with an error naming where the file must go, wherever
// the run looks (the cache, $SWEEP_INCEPTION, its inception setting).
func TestFIDMissingWeightsFailsRun(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("SWEEP_CACHE", cache)
	mine := filepath.Join(t.TempDir(), "mine.pth")
	env := filepath.Join(t.TempDir(), "env.pth")
	for _, c := range []struct {
		name, env, inception, want string
	}{
		{"cache", "", "", filepath.Join(cache, metrics.InceptionFile)},
		{"SWEEP_INCEPTION", env, "", env},
		{"inception setting", env, mine, mine},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("SWEEP_INCEPTION", c.env)
			cfg := tinyConfig(1)
			cfg.Metrics, cfg.Inception = []vocab.Metric{"swd", "fid"}, c.inception
			dir := newRunDir(t, cfg)
			err := execute(t, context.Background(), dir, nil)
			if !errors.Is(err, metrics.ErrInceptionUnavailable) || !strings.Contains(err.Error(), "put it at "+c.want) {
				t.Fatalf("error %v: want the weights missing at %s", err, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, rundir.CheckpointDir)); !os.IsNotExist(err) {
				t.Error("the run trained before failing on its metrics")
			}
			if _, ok, _ := rundir.ReadResult(dir); ok {
				t.Error("a failed run wrote result.json")
			}
		})
	}
}

// TestFIDOptionalRecordsAbsent runs the same without weights but with fid_optional: the run
// completes with its other metrics and no FID value.
func TestFIDOptionalRecordsAbsent(t *testing.T) {
	t.Setenv("SWEEP_INCEPTION", filepath.Join(t.TempDir(), "missing.pth"))
	cfg := tinyConfig(1)
	cfg.Metrics, cfg.FIDOptional = []vocab.Metric{"swd", "fid"}, true
	dir := newRunDir(t, cfg)
	if err := execute(t, context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	res, _, err := rundir.ReadResult(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range res.Metrics {
		names[m.Name] = true
	}
	if names["fid"] || !names["swd_avg"] {
		t.Errorf("metrics %v: want swd and no fid", res.Metrics)
	}
}

// interruptAt runs dir until iteration stop has been logged, then ends the context: the run
// must return context.Canceled without writing result.json.
func interruptAt(t *testing.T, dir string, stop int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := execute(t, ctx, dir, func(p rundir.Progress) {
		if p.Iter >= stop {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	if _, ok, _ := rundir.ReadResult(dir); ok {
		t.Fatal("an interrupted run wrote result.json")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMidEpochInterruptResumesExactly interrupts runs inside an epoch (iterations 4 and 14 of
// 2 epochs of 10, eval_every 1): the checkpoint holds the iteration inside the epoch, and the
// resumed run ends with the uninterrupted run's weights, kept epoch generator and losses log,
// every iteration logged once. A mid-epoch checkpoint keeps no epoch generator.
func TestMidEpochInterruptResumesExactly(t *testing.T) {
	cfg := tinyConfig(5)
	cfg.EvalEvery = 1
	straight := newRunDir(t, cfg)
	if err := execute(t, context.Background(), straight, nil); err != nil {
		t.Fatal(err)
	}
	for _, stop := range []int{4, 14} {
		t.Run(fmt.Sprint(stop), func(t *testing.T) {
			resumed := newRunDir(t, cfg)
			interruptAt(t, resumed, stop)
			meta, err := evaluate.ReadMetadata(filepath.Join(resumed, rundir.CheckpointDir, checkpointFile))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"iter": fmt.Sprint(stop), "epoch": fmt.Sprint(stop / 10), "iter_in_epoch": fmt.Sprint(stop % 10)}
			for k, v := range want {
				if meta[k] != v {
					t.Errorf("checkpoint metadata %s = %q, want %q", k, meta[k], v)
				}
			}
			kept, _ := filepath.Glob(filepath.Join(resumed, rundir.CheckpointDir, "epoch_*"))
			if len(kept) != stop/10 {
				t.Errorf("kept generators %v after %d iterations", kept, stop)
			}
			if err := execute(t, context.Background(), resumed, nil); err != nil {
				t.Fatal(err)
			}
			if !sameWeights(weights(t, straight), weights(t, resumed)) {
				t.Errorf("%d + %d resumed iterations differ from 20 straight ones", stop, 20-stop)
			}
			for _, f := range []string{filepath.Join(rundir.CheckpointDir, "epoch_0001.safetensors"), rundir.LossesFile} {
				if !bytes.Equal(readFile(t, filepath.Join(straight, f)), readFile(t, filepath.Join(resumed, f))) {
					t.Errorf("%s differs from the uninterrupted run's", f)
				}
			}
		})
	}
}

// TestMidEpochCheckpointRoundTrip saves a trainer in the middle of an epoch and restores it
// into a fresh one (as a new process does): position, data order and RNG state come back.
func TestMidEpochCheckpointRoundTrip(t *testing.T) {
	cfg := tinyConfig(7)
	dir := newRunDir(t, cfg)
	a, err := newTrainer(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	a.order = []int{3, 1, 4, 0, 5, 9, 2, 6, 8, 7}
	a.iter, a.epoch, a.inEpoch = 13, 1, 3
	a.rng.Uint64()
	if err := a.save(); err != nil {
		t.Fatal(err)
	}
	b, err := newTrainer(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.iter != 13 || b.epoch != 1 || b.inEpoch != 3 || !slices.Equal(b.order, a.order) {
		t.Errorf("restored iter %d epoch %d inEpoch %d order %v, want 13 1 3 %v", b.iter, b.epoch, b.inEpoch, b.order, a.order)
	}
	if x, y := a.rng.Uint64(), b.rng.Uint64(); x != y {
		t.Errorf("restored RNG draws %d, want %d", y, x)
	}
	if err := b.checkPosition(10, 2); err != nil {
		t.Error(err)
	}
}

// TestMidEpochCheckpointChecked refuses restored positions that do not fit the dataset or
// the schedule, naming the checkpoint.
func TestMidEpochCheckpointChecked(t *testing.T) {
	perm := []int{3, 1, 4, 0, 5, 9, 2, 6, 8, 7}
	for _, c := range []struct {
		name                 string
		order                []int
		iter, epoch, inEpoch int
	}{
		{"short order", perm[:9], 13, 1, 3},
		{"repeated index", append([]int{3}, perm[1:9]...), 13, 1, 3},
		{"index out of range", append(slices.Clone(perm[:9]), 10), 13, 1, 3},
		{"iter mismatch", perm, 12, 1, 3},
		{"past the schedule", perm, 23, 2, 3},
		{"epoch end with other iter", nil, 13, 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := &trainer{dir: t.TempDir(), order: c.order, iter: c.iter, epoch: c.epoch, inEpoch: c.inEpoch}
			if err := tr.checkPosition(10, 2); err == nil || !strings.Contains(err.Error(), checkpointFile) {
				t.Errorf("checkPosition: %v, want an error naming the checkpoint", err)
			}
		})
	}
	if _, err := parseOrder(""); err == nil {
		t.Error("a mid-epoch checkpoint without an order was accepted")
	}
	if _, err := parseOrder("1,x"); err == nil {
		t.Error("an order with a non-number was accepted")
	}
}
