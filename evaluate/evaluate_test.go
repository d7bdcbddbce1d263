package evaluate_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sweep/internal/fixtures"
	"testing"

	"sweep/config"
	"sweep/evaluate"
	"sweep/job"
	"sweep/metrics"
	"sweep/results"
	"sweep/rundir"
	"sweep/safetensors"
	"sweep/vocab"
)

// TestMain keeps every cache in a temporary folder and forbids downloads: no test touches
// the network or the user's cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sweep-evaluate-test")
	if err != nil {
		panic(err)
	}
	os.Setenv("SWEEP_CACHE", filepath.Join(dir, "cache"))
	os.Setenv("HOME", filepath.Join(dir, "home"))
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "xdg"))
	os.Setenv("SWEEP_NO_DOWNLOAD", "1")
	os.Unsetenv("SWEEP_INCEPTION")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tinyConfig trains epochs epochs of 10 iterations at the smallest valid scale.
func tinyConfig(epochs int) config.Run {
	c := config.Default()
	c.Seed, c.CropSize, c.LoadSize = 1, 24, 26
	c.NGF, c.NDF, c.NBlocks, c.NetFNC, c.Queries = 4, 4, 5, 8, 8
	c.TrainSize, c.TestSize, c.Epochs, c.EpochsDecay = 10, 2, epochs/2, epochs-epochs/2
	c.Metrics = nil
	return c
}

// train executes a built-in run of cfg in a new run directory.
func train(t *testing.T, cfg config.Run) string {
	t.Helper()
	dir := t.TempDir()
	if err := rundir.WriteJSON(filepath.Join(dir, rundir.ConfigFile), cfg); err != nil {
		t.Fatal(err)
	}
	if err := job.Execute(context.Background(), dir, func(rundir.Progress) {}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func result(t *testing.T, dir string) rundir.Result {
	t.Helper()
	res, ok, err := rundir.ReadResult(dir)
	if err != nil || !ok {
		t.Fatalf("result.json: ok=%v err=%v", ok, err)
	}
	return res
}

// record stores the run in dir as a completed member of sweep, with its result's metrics, as
// the runner does; cfg is the run's config as the sweep gives it.
func record(t *testing.T, store *results.Store, sweep, id string, cfg config.Run, dir string) {
	t.Helper()
	res, _, _ := rundir.ReadResult(dir)
	run := results.Run{ID: id, Config: cfg, Dir: dir}
	if err := store.AddRun(sweep, run); err != nil {
		t.Fatal(err)
	}
	if err := store.MarkRunning(id, "cpu:0"); err != nil {
		t.Fatal(err)
	}
	if err := store.Complete(id, res.Metrics, nil); err != nil {
		t.Fatal(err)
	}
}

func openStore(t *testing.T) *results.Store {
	t.Helper()
	s, err := results.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// byName indexes metrics by epoch and name.
func byName(ms []rundir.Metric) map[int]map[string]rundir.Metric {
	out := map[int]map[string]rundir.Metric{}
	for _, m := range ms {
		if out[m.Epoch] == nil {
			out[m.Epoch] = map[string]rundir.Metric{}
		}
		out[m.Epoch][m.Name] = m
	}
	return out
}

func generatorTensors(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for name, ten := range f.Tensors {
		if strings.HasPrefix(name, "G.") {
			out[name] = ten.Data
		}
	}
	return out
}

func sameTensors(a, b map[string][]byte) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestEvalEveryScoresKeptCheckpoints trains 4 epochs with eval_every = 2: metrics at epochs 2
// and 4 with their steps, the epoch-2 generator kept (and equal to the state a run stopped
// after epoch 2 holds), its translations scored again to the same numbers, and an
// interrupted run resuming bit for bit.
func TestEvalEveryScoresKeptCheckpoints(t *testing.T) {
	cfg := tinyConfig(4)
	cfg.EvalEvery, cfg.Metrics = 2, []vocab.Metric{"swd", "gt"}
	dir := train(t, cfg)
	got := byName(result(t, dir).Metrics)
	if len(got) != 2 || got[2]["swd_avg"].Step != 20 || got[4]["swd_avg"].Step != 40 || got[2]["gt_object_l1"].Step != 20 {
		t.Fatalf("metrics by epoch %v: want epochs 2 (step 20) and 4 (step 40)", got)
	}
	if got[2]["swd_avg"].Value == got[4]["swd_avg"].Value {
		t.Error("epochs 2 and 4 have the same swd_avg: the same generator scored twice?")
	}
	kept := filepath.Join(dir, rundir.CheckpointDir, evaluate.EpochFile(2))
	if _, err := os.Stat(filepath.Join(dir, rundir.CheckpointDir, evaluate.EpochFile(4))); !os.IsNotExist(err) {
		t.Error("the last epoch was kept besides latest.safetensors")
	}
	for _, d := range []string{evaluate.EpochFakesDir(2), rundir.FakeImagesDir} {
		if fakes, _ := filepath.Glob(filepath.Join(dir, d, "*.png")); len(fakes) != 2 {
			t.Errorf("%s: %d translations, want 2", d, len(fakes))
		}
	}

	// The epoch-2 generator translated again, into a new folder, scores the same.
	e, err := evaluate.New(dir, cfg, nil, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	again := evaluate.Checkpoint{Epoch: 2, Step: 20, Weights: kept, Fakes: filepath.Join(t.TempDir(), "fake")}
	if err := e.Fakes(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	for _, kind := range cfg.Metrics {
		ms, err := e.Score(context.Background(), again, kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if want := got[2][m.Name]; m != want {
				t.Errorf("epoch 2 translated again: %+v, recorded %+v", m, want)
			}
		}
	}

	// A run stopped after epoch 2 holds the kept generator in latest.safetensors, and
	// resumes to the uninterrupted run's final weights.
	stopped := t.TempDir()
	rundir.WriteJSON(filepath.Join(stopped, rundir.ConfigFile), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	err = job.Execute(ctx, stopped, func(p rundir.Progress) {
		if p.Phase == "train" && p.Iter >= 20 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	latest := filepath.Join(stopped, rundir.CheckpointDir, evaluate.LatestFile)
	if !sameTensors(generatorTensors(t, kept), generatorTensors(t, latest)) {
		t.Error("the kept epoch-2 generator differs from the state after epoch 2")
	}
	if err := job.Execute(context.Background(), stopped, func(rundir.Progress) {}); err != nil {
		t.Fatal(err)
	}
	if !sameTensors(generatorTensors(t, filepath.Join(dir, rundir.CheckpointDir, evaluate.LatestFile)), generatorTensors(t, latest)) {
		t.Error("the resumed run's final generator differs from the uninterrupted one's")
	}
	if res := result(t, stopped); len(res.Metrics) != len(result(t, dir).Metrics) {
		t.Errorf("resumed run: %d metrics, want %d", len(res.Metrics), len(result(t, dir).Metrics))
	}
}

// TestEvalAddsMissingMetric records a run trained with ["swd"], lists gt in its sweep
// afterwards and evaluates: gt is computed on the existing translations and recorded with
// the checkpoint's epoch and step; a second evaluation has nothing to do; --force redoes all.
func TestEvalAddsMissingMetric(t *testing.T) {
	cfg := tinyConfig(2)
	cfg.Metrics = []vocab.Metric{"swd"}
	dir := train(t, cfg)
	store := openStore(t)
	record(t, store, "s", "r1", cfg, dir)
	cfg.Metrics = []vocab.Metric{"swd", "gt"} // the sweep file now lists gt
	if err := store.AddRun("s", results.Run{ID: "r1", Config: cfg, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, rundir.FakeImagesDir, "0000.png")
	before, err := os.Stat(fake)
	if err != nil {
		t.Fatal(err)
	}

	var log bytes.Buffer
	sum, err := evaluate.Eval(context.Background(), store, evaluate.Args{Sweep: "s", Log: &log})
	if err != nil || sum.ToDo != 1 || sum.Done != 1 || sum.Before != 1 {
		t.Fatalf("first eval: %+v, %v\n%s", sum, err, log.String())
	}
	ds, err := evaluate.OpenDataset(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := metrics.GroundTruth(ds, filepath.Join(dir, rundir.FakeImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	stored := storedByName(t, store, "r1")
	for _, w := range want {
		m, ok := stored[w.Name]
		if !ok || m.Value != w.Value || m.Epoch != 2 || m.Step != 20 {
			t.Errorf("%s: stored %+v (present %v), want value %v at epoch 2, step 20", w.Name, m, ok, w.Value)
		}
	}
	if after, _ := os.Stat(fake); !after.ModTime().Equal(before.ModTime()) {
		t.Error("the final translations were written again instead of reused")
	}

	log.Reset()
	sum, err = evaluate.Eval(context.Background(), store, evaluate.Args{Sweep: "s", Log: &log})
	if err != nil || sum.ToDo != 0 || !strings.Contains(log.String(), "0 to do") {
		t.Errorf("second eval: %+v, %v, log %q: want 0 to do", sum, err, log.String())
	}
	sum, err = evaluate.Eval(context.Background(), store, evaluate.Args{Sweep: "s", Force: true, Log: &log})
	if err != nil || sum.ToDo != 2 || sum.Done != 2 {
		t.Errorf("forced eval: %+v, %v: want swd and gt computed", sum, err)
	}
	if again := storedByName(t, store, "r1"); len(again) != len(stored) || again["swd_avg"] != stored["swd_avg"] {
		t.Errorf("forced eval changed the values: %v, before %v", again, stored)
	}
}

func storedByName(t *testing.T, store *results.Store, id string) map[string]rundir.Metric {
	t.Helper()
	ms, err := store.Metrics(id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]rundir.Metric{}
	for _, m := range ms {
		out[m.Name] = m
	}
	return out
}

// cancelOn is a log that interrupts the evaluation (ends its context) when a line contains word.
type cancelOn struct {
	bytes.Buffer
	word   string
	cancel func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(c.word)) {
		c.cancel()
	}
	return c.Buffer.Write(p)
}

// TestEvalResumesWithoutRecomputing evaluates a 4-epoch run (eval_every = 2) trained with
// no metrics: one (epoch, kind) is recorded beforehand and is not recomputed, an interrupt
// after the first value leaves the rest to the next evaluation, and a kept checkpoint whose
// translations are gone is translated again to the same images.
func TestEvalResumesWithoutRecomputing(t *testing.T) {
	cfg := tinyConfig(4)
	cfg.EvalEvery = 2
	dir := train(t, cfg)
	store := openStore(t)
	record(t, store, "s", "r1", cfg, dir)
	cfg.Metrics = []vocab.Metric{"swd", "gt"}
	store.AddRun("s", results.Run{ID: "r1", Config: cfg, Dir: dir})
	sentinel := rundir.Metric{Name: "gt_object_l1", Value: 12345, Step: 20, Epoch: 2, Identity: "recorded before"}
	if err := store.AddMetrics("r1", []rundir.Metric{sentinel}); err != nil {
		t.Fatal(err)
	}
	epoch2 := filepath.Join(dir, evaluate.EpochFakesDir(2))
	old, _ := os.ReadFile(filepath.Join(epoch2, "0001.png"))
	os.RemoveAll(epoch2)

	ctx, cancel := context.WithCancel(context.Background())
	log := &cancelOn{word: "scored", cancel: cancel}
	sum, err := evaluate.Eval(ctx, store, evaluate.Args{Sweep: "s", Log: log})
	if !errors.Is(err, evaluate.ErrInterrupted) || sum.ToDo != 3 || sum.Done != 1 || sum.Before != 1 {
		t.Fatalf("interrupted eval: %+v, %v, want 1 of 3 done and interrupted\n%s", sum, err, log.String())
	}
	sum, err = evaluate.Eval(context.Background(), store, evaluate.Args{Sweep: "s", Log: &log.Buffer})
	if err != nil || sum.ToDo != 2 || sum.Done != 2 {
		t.Fatalf("resumed eval: %+v, %v, want the 2 left\n%s", sum, err, log.String())
	}
	ms, _ := store.Metrics("r1")
	got := byName(ms)
	if got[2]["gt_object_l1"] != sentinel {
		t.Errorf("the recorded value was recomputed: %+v", got[2]["gt_object_l1"])
	}
	if got[2]["swd_avg"].Step != 20 || got[4]["swd_avg"].Step != 40 || got[4]["gt_object_l1"].Step != 40 {
		t.Errorf("metrics by epoch %v: want swd at epochs 2 and 4, gt at 4", got)
	}
	if now, _ := os.ReadFile(filepath.Join(epoch2, "0001.png")); len(old) == 0 || !bytes.Equal(now, old) {
		t.Error("epoch 2 translated again differs from its first translation")
	}
	sum, err = evaluate.Eval(context.Background(), store, evaluate.Args{Sweep: "s", Force: true, Epochs: "final", Metrics: []vocab.Metric{"gt"}, Log: &log.Buffer})
	if err != nil || sum.ToDo != 1 || sum.Checkpoints != 1 {
		t.Errorf("--epochs final --metrics gt --force: %+v, %v, want the final gt only", sum, err)
	}
}

// TestEvalScoresCommandRunImages scores a command-executor run (no checkpoint) from the
// images it left in images/fake: here the ideal translations, so gt is near 0.
func TestEvalScoresCommandRunImages(t *testing.T) {
	cfg := tinyConfig(2)
	cfg.Executor, cfg.Command = "command", "true"
	dir := t.TempDir()
	ds, err := evaluate.OpenDataset(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.WriteRealTest(filepath.Join(dir, rundir.FakeImagesDir)); err != nil {
		t.Fatal(err)
	}
	store := openStore(t)
	record(t, store, "s", "c1", cfg, dir)
	sum, err := evaluate.Eval(context.Background(), store, evaluate.Args{Runs: []string{"c1"}, Metrics: []vocab.Metric{"gt"}, Log: &bytes.Buffer{}})
	if err != nil || sum.Done != 1 {
		t.Fatalf("eval: %+v, %v", sum, err)
	}
	m := storedByName(t, store, "c1")["gt_background_l1"]
	if m.Epoch != 2 || m.Step != 0 || m.Value > 0.01 {
		t.Errorf("gt_background_l1 %+v: want about 0 at epoch 2 (the schedule's end), step 0", m)
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.CheckpointDir)); !os.IsNotExist(err) {
		t.Error("evaluating a command run wrote a checkpoint folder")
	}
}

// TestEvalRefusesBadArguments checks the argument rules before any database is opened.
func TestEvalRefusesBadArguments(t *testing.T) {
	for _, a := range []evaluate.Args{
		{Sweep: "s", Runs: []string{"r"}},
		{Epochs: "some"},
		{Metrics: []vocab.Metric{"lpips"}},
	} {
		a.DB = filepath.Join(t.TempDir(), "never", "s.db")
		if err := evaluate.Main(a); err == nil {
			t.Errorf("%+v: no error", a)
		}
		if _, err := os.Stat(a.DB); !os.IsNotExist(err) {
			t.Errorf("%+v: opened the database", a)
		}
	}
}

// writePNG writes img to path.
func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// photo is a 24x24 RGB test image that varies with i.
func photo(i int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 24, 24))
	for y := 0; y < 24; y++ {
		for x := 0; x < 24; x++ {
			img.Set(x, y, color.NRGBA{uint8(x*10 + i*40), uint8(y*10 + i*20), uint8((x + y) * 5), 255})
		}
	}
	return img
}

// labelMap is a 20x20 train-id map: class top in the top half, bottom in the bottom half.
func labelMap(top, bottom uint8) image.Image {
	img := image.NewGray(image.Rect(0, 0, 20, 20))
	for i := range img.Pix {
		img.Pix[i] = top
		if i >= len(img.Pix)/2 {
			img.Pix[i] = bottom
		}
	}
	return img
}

// folderDataset writes a CycleGAN-layout dataset whose testB holds the label maps of testA's
// two images (class 0 above, 1 below), and two folders of segmenter answers: the truth, and
// class 0 everywhere.
func folderDataset(t *testing.T) (root, truth, zeros string) {
	t.Helper()
	root = t.TempDir()
	for i := 0; i < 4; i++ {
		writePNG(t, filepath.Join(root, "trainA", string(rune('a'+i))+".png"), photo(i))
		writePNG(t, filepath.Join(root, "trainB", string(rune('a'+i))+".png"), photo(i+4))
	}
	truth, zeros = filepath.Join(root, "answers", "truth"), filepath.Join(root, "answers", "zeros")
	for i, n := range []string{"x", "y"} {
		writePNG(t, filepath.Join(root, "testA", n+".png"), photo(8+i))
		writePNG(t, filepath.Join(root, "testB", n+".png"), labelMap(0, 1))
		writePNG(t, filepath.Join(truth, n+".png"), labelMap(0, 1))
		writePNG(t, filepath.Join(zeros, n+".png"), labelMap(0, 0))
	}
	return root, truth, zeros
}

// copySegmenter is a cmd: segmenter that answers with the label PNGs of folder answers.
func copySegmenter(answers string) string {
	return "cmd:test -d {in} && cp '" + answers + "'/*.png {out}/"
}

// TestSegOnFolderDatasetWithCommandSegmenter runs seg on a folder dataset with a cmd:
// segmenter scored against the label maps in testB: a segmenter that returns the truth
// scores 100%; "sweep eval" with one that answers class 0 everywhere scores exactly 50% pixel
// and class accuracy and 25% mean IoU.
func TestSegOnFolderDatasetWithCommandSegmenter(t *testing.T) {
	root, truth, zeros := folderDataset(t)
	cfg := tinyConfig(2)
	cfg.Dataset, cfg.TestSize = root, 0
	cfg.Metrics, cfg.Segmenter = []vocab.Metric{"seg"}, copySegmenter(truth)
	dir := train(t, cfg)
	got := byName(result(t, dir).Metrics)[2]
	for _, name := range []string{"seg_pixacc", "seg_classacc", "seg_miou"} {
		if m := got[name]; m.Value != 100 || m.Step != 8 {
			t.Errorf("%s = %+v, want 100 at step 8", name, m)
		}
	}
	if !strings.Contains(got["seg_miou"].Identity, "segmenter=cmd:test -d") {
		t.Errorf("identity %q does not name the segmenter", got["seg_miou"].Identity)
	}

	store := openStore(t)
	record(t, store, "s", "f1", cfg, dir)
	cfg.Segmenter = copySegmenter(zeros)
	store.AddRun("s", results.Run{ID: "f1", Config: cfg, Dir: dir})
	sum, err := evaluate.Eval(context.Background(), store, evaluate.Args{Sweep: "s", Force: true, Log: &bytes.Buffer{}})
	if err != nil || sum.Done != 1 {
		t.Fatalf("eval: %+v, %v", sum, err)
	}
	stored := storedByName(t, store, "f1")
	for name, want := range map[string]float64{"seg_pixacc": 50, "seg_classacc": 50, "seg_miou": 25} {
		if m := stored[name]; m.Value != want || m.Epoch != 2 {
			t.Errorf("%s = %+v, want %v at epoch 2", name, m, want)
		}
	}
}

// TestSegErrorNamesTheLabels: seg scores the translations against the label folder, and an
// error about the truth names that folder, not the translations'.
func TestSegErrorNamesTheLabels(t *testing.T) {
	root, truth, _ := folderDataset(t)
	void := filepath.Join(t.TempDir(), "void")
	fakes := filepath.Join(t.TempDir(), "fakes")
	for _, n := range []string{"x", "y"} {
		writePNG(t, filepath.Join(void, n+".png"), labelMap(255, 255))
		writePNG(t, filepath.Join(fakes, n+".png"), photo(0))
	}
	cfg := tinyConfig(2)
	cfg.Dataset, cfg.TestSize, cfg.Labels = root, 0, void
	cfg.Metrics, cfg.Segmenter = []vocab.Metric{"seg"}, copySegmenter(truth)
	e, err := evaluate.New(t.TempDir(), cfg, nil, evaluate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Score(context.Background(), evaluate.Checkpoint{Fakes: fakes, Final: true}, vocab.MetricSeg)
	if err == nil || !strings.Contains(err.Error(), void+": no ground-truth pixel") || strings.Contains(err.Error(), fakes) {
		t.Errorf("error %v, want one naming the label folder %s", err, void)
	}
}

// TestSegWithDRN scores seg with segmenter drn (the fixture's reduced-width DRN-D-22) at the
// 256x128 protocol: the three scores are recorded, within range, and their identity names
// the network, its checkpoint and the protocol. A missing checkpoint fails the run's scoring
// with the path.
func TestSegWithDRN(t *testing.T) {
	root, _, _ := folderDataset(t)
	cfg := tinyConfig(2)
	cfg.Dataset, cfg.TestSize = root, 0
	cfg.Metrics, cfg.Segmenter = []vocab.Metric{"seg"}, config.SegmenterDRN
	cfg.DRNWeights = filepath.Join(fixtures.Dir(t), "drn", "drn_d_22_small.pth")
	dir := train(t, cfg)
	got := byName(result(t, dir).Metrics)[2]
	for _, name := range []string{"seg_pixacc", "seg_classacc", "seg_miou"} {
		if m, ok := got[name]; !ok || m.Value < 0 || m.Value > 100 {
			t.Errorf("%s = %+v, want a score in [0, 100]", name, m)
		}
	}
	if id := got["seg_miou"].Identity; !strings.Contains(id, "segmenter=drn:drn_d_22_small.pth@256x128-bilinear") {
		t.Errorf("identity %q does not name the DRN and its protocol", id)
	}
}
