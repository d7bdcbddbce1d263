package report

import (
	"sweep/internal/imagefile"

	"bytes"
	"flag"
	"image"
	"image/color"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"sweep/config"
	"sweep/results"
	"sweep/rundir"
	"sweep/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name byte for byte (or rewrites it with -update).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run with -update after checking):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// fake is one run the tests put into a store.
type fake struct {
	sweep, variant, dataset string
	mode                    vocab.Mode
	queries                 int
	layers                  vocab.Layers
	lr                      float64
	seed                    int64
	status                  vocab.Status // default completed
	metrics                 map[string]float64
	at                      map[int]map[string]float64 // metrics by epoch; when set, instead of metrics
	losses                  []results.Loss
	dir                     string
}

func (f fake) config() config.Run {
	c := config.Default()
	c.Variant, c.Mode, c.Seed = f.variant, f.mode, f.seed
	if c.Mode == "" {
		c.Mode = "global"
	}
	if f.dataset != "" {
		c.Dataset = f.dataset
	}
	if f.queries != 0 {
		c.Queries = f.queries
	}
	if f.layers != "" {
		c.AttnLayers = f.layers
	}
	if f.lr != 0 {
		c.LR = f.lr
	}
	return c
}

func newStore(t *testing.T) *results.Store {
	t.Helper()
	s, err := results.Open(filepath.Join(t.TempDir(), "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func addFakes(t *testing.T, s *results.Store, fakes []fake) []results.Run {
	t.Helper()
	var runs []results.Run
	for _, f := range fakes {
		c := f.config()
		r := results.Run{ID: config.LegacyID(c) /* distinct per config, labels included */, Config: c, Dir: f.dir}
		if err := s.AddRun(f.sweep, r); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
		switch f.status {
		case "", vocab.StatusCompleted:
			mustDo(t, s.MarkRunning(r.ID, "cpu:0"))
			mustDo(t, s.Complete(r.ID, f.metricList(), f.losses))
		case vocab.StatusFailed, vocab.StatusInterrupted:
			mustDo(t, s.MarkRunning(r.ID, "cpu:0"))
			mustDo(t, s.MarkFinished(r.ID, f.status, "exit status 1", "boom"))
		}
	}
	return runs
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// metricList is the fake's metrics: f.metrics at step 100, or f.at at step 10·epoch.
func (f fake) metricList() []rundir.Metric {
	if f.at == nil {
		return metricList(f.metrics)
	}
	var out []rundir.Metric
	for _, e := range slices.Sorted(maps.Keys(f.at)) {
		for _, m := range metricList(f.at[e]) {
			m.Step, m.Epoch = 10*e, e
			out = append(out, m)
		}
	}
	return out
}

func metricList(m map[string]float64) []rundir.Metric {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []rundir.Metric
	for _, n := range names {
		out = append(out, rundir.Metric{Name: n, Value: m[n], Step: 100, Identity: "test"})
	}
	return out
}

// seeds repeats f for each seed, with every metric shifted by 0.5 per seed: seeds 1, 2, 3
// give mean base+1 and sample std 0.5.
func seeds(f fake, ss ...int64) []fake {
	var out []fake
	for _, s := range ss {
		g := f
		g.seed = s
		g.metrics = map[string]float64{}
		for k, v := range f.metrics {
			g.metrics[k] = v + 0.5*float64(s)
		}
		out = append(out, g)
	}
	return out
}

// testFakes is a store's worth of sweeps covering every table kind, missing cells, a single
// seed, configurations that share a row, and runs that did not complete.
func testFakes() []fake {
	var fs []fake
	add := func(f ...fake) { fs = append(fs, f...) }
	// methods: two datasets; Local has no seg metrics and a single seed.
	add(seeds(fake{sweep: "methods", variant: "CUT", mode: "cut", metrics: map[string]float64{"swd_avg": 31, "fid": 45, "gt_object_l1": 0.11}}, 1, 2, 3)...)
	add(seeds(fake{sweep: "methods", variant: "Global", metrics: map[string]float64{"swd_avg": 29, "fid": 47, "gt_object_l1": 0.09}}, 1, 2, 3)...)
	add(seeds(fake{sweep: "methods", variant: "Local", mode: "local", metrics: map[string]float64{"swd_avg": 30, "fid": 40}}, 1)...)
	add(seeds(fake{sweep: "methods", variant: "CUT", mode: "cut", dataset: "builtin:cityscapes", metrics: map[string]float64{"seg_miou": 20, "fid": 60}}, 1, 2)...)
	add(seeds(fake{sweep: "methods", variant: "Global", dataset: "builtin:cityscapes", metrics: map[string]float64{"seg_miou": 24, "fid": 55}}, 1, 2)...)
	add(seeds(fake{sweep: "methods", variant: "Local", mode: "local", dataset: "builtin:cityscapes", metrics: map[string]float64{"fid": 50}}, 1)...)
	add(fake{sweep: "methods", variant: "Local", mode: "local", dataset: "builtin:cityscapes", seed: 2, status: vocab.StatusFailed})
	add(fake{sweep: "methods", variant: "Local", mode: "local", dataset: "builtin:cityscapes", seed: 3, status: vocab.StatusPending})
	// ablation: A at two learning rates shares a row label, so rows name lr.
	add(seeds(fake{sweep: "ablation", variant: "B", mode: "random_global", metrics: map[string]float64{"fid": 52, "swd_avg": 34}}, 1, 2)...)
	add(seeds(fake{sweep: "ablation", variant: "A", metrics: map[string]float64{"fid": 41, "swd_avg": 30}}, 1, 2)...)
	add(seeds(fake{sweep: "ablation", variant: "A", lr: 1e-4, metrics: map[string]float64{"fid": 43, "swd_avg": 30}}, 1, 2)...)
	// layers
	add(seeds(fake{sweep: "layers", variant: "A", metrics: map[string]float64{"fid": 41, "swd_avg": 30}}, 1, 2, 3)...)
	add(seeds(fake{sweep: "layers", variant: "B", layers: "all", metrics: map[string]float64{"fid": 40, "swd_avg": 33}}, 1, 2, 3)...)
	// queries: QS-Attn and CUT at 128 and 64 queries; CUT at 128 is missing.
	add(seeds(fake{sweep: "queries", variant: "QS-Attn", queries: 128, metrics: map[string]float64{"fid": 41, "swd_avg": 28}}, 1, 2)...)
	add(seeds(fake{sweep: "queries", variant: "QS-Attn", queries: 64, metrics: map[string]float64{"fid": 48, "swd_avg": 30}}, 1, 2)...)
	add(seeds(fake{sweep: "queries", variant: "CUT", mode: "cut", queries: 64, metrics: map[string]float64{"fid": 52, "swd_avg": 33}}, 1, 2)...)
	return fs
}

// writeTestImages puts n solid-colour PNGs of size px into a run directory's input and
// output folders.
func writeTestImages(t *testing.T, dir string, n, px int, shade uint8) {
	t.Helper()
	for _, sub := range []string{rundir.InputImagesDir, rundir.FakeImagesDir} {
		mustDo(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
		for i := range n {
			img := image.NewRGBA(image.Rect(0, 0, px, px))
			for p := 0; p < len(img.Pix); p += 4 {
				img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = shade, uint8(i*40), 100, 255
			}
			mustDo(t, imagefile.WritePNG(filepath.Join(dir, sub, "img"+string(rune('0'+i))+".png"), img))
		}
	}
	_ = color.White
}
