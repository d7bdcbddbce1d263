package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/internal/testsets"
	"sweep/vocab"
)

// TestRealisticFolderSweep trains on a dataset folder shaped like the public ones (JPEG
// files, mixed sizes, splits of 12, 15, 5 and 7 images), named by a path relative to where
// sweep runs, and records SWD on the unequal test splits; FID without weights is
// recorded absent because the file says fid_optional.
func TestRealisticFolderSweep(t *testing.T) {
	e := &env{t: t, dir: t.TempDir()}
	e.file, e.db = filepath.Join(e.dir, "real.toml"), filepath.Join(e.dir, "s.db")
	if err := testsets.CycleGAN(filepath.Join(e.dir, "datasets", "h2z"), 40, testsets.Realistic, 1); err != nil {
		t.Fatal(err)
	}
	toml := `[sweep]
name = "real"

[base]
dataset = "datasets/h2z"
crop_size = 24
load_size = 26
ngf = 4
ndf = 4
n_blocks = 5
netf_nc = 8
queries = 8
n_epochs = 1
n_epochs_decay = 1
metrics = ["swd", "fid"]
fid_optional = true
`
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SWEEP_INCEPTION", filepath.Join(e.dir, "no-weights.pth"))
	t.Setenv("SWEEP_NO_DOWNLOAD", "1")
	t.Setenv("SWEEP_CACHE", filepath.Join(e.dir, "cache"))
	out, code := e.sweep()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	runs, err := e.store().ListRuns("real")
	if err != nil || len(runs) != 1 || runs[0].Status != vocab.StatusCompleted {
		t.Fatalf("runs %+v, %v\n%s", runs, err, out)
	}
	r := runs[0]
	if want := filepath.Join(e.dir, "datasets", "h2z"); r.Config.Dataset != want || !strings.Contains(r.Key, want) {
		t.Errorf("dataset %q, key %s: want the absolute folder %s", r.Config.Dataset, r.Key, want)
	}
	ms, err := e.store().Metrics(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[vocab.Metric]int{}
	for _, m := range ms {
		kinds[vocab.MetricOf(m.Name)]++
		if m.Epoch != 2 || m.Step != 30 {
			t.Errorf("%s: epoch %d step %d, want epoch 2 at iteration 30 (15 per epoch)", m.Name, m.Epoch, m.Step)
		}
	}
	if kinds["swd"] == 0 || kinds["fid"] != 0 {
		t.Errorf("metrics %+v: want SWD, and FID absent", ms)
	}
	fakes, _ := filepath.Glob(filepath.Join(r.Dir, "images", "fake", "*.png"))
	if len(fakes) != 5 {
		t.Errorf("%d translated test images, want testA's 5", len(fakes))
	}
}
