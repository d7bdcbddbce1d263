package data

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"sweep/config"
)

// builtinCfg is a small built-in dataset configuration: images of size pixels, crop = size.
func builtinCfg(dataset string, size, train, test int) config.Run {
	cfg := config.Default()
	cfg.Dataset = dataset
	cfg.LoadSize, cfg.CropSize = size, size
	cfg.TrainSize, cfg.TestSize = train, test
	cfg.DataSeed = 7
	return cfg
}

// prepared generates cfg's dataset once per test binary and returns its root.
var preparedRoots sync.Map

func prepared(t *testing.T, cfg config.Run) string {
	t.Helper()
	key := string(cfg.Canonical())
	if root, ok := preparedRoots.Load(key); ok {
		return root.(string)
	}
	root, err := Prepare(cfg, sharedCache)
	if err != nil {
		t.Fatal(err)
	}
	preparedRoots.Store(key, root)
	return root
}

var sharedCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sweep-data-test")
	if err != nil {
		panic(err)
	}
	sharedCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The constants are the checksums of the generated datasets (seed 7, 8 train and 4 test images
// per domain, 48 pixels). They must never change without a GenVersion bump: a different value
// means the same seed no longer gives the same data.
func TestGeneratedChecksums(t *testing.T) {
	cases := []struct{ dataset, want string }{
		{"builtin:zebra", "b6694160ceaa7964d8034bd4563b60b2a578ab279f23da39bc578c7125d84370"},
		{"builtin:cityscapes", "901c7b9b551447c3120290f0bb37ddefb68691a21607674e55540a2223483b88"},
	}
	for _, c := range cases {
		t.Run(c.dataset, func(t *testing.T) {
			cfg := builtinCfg(c.dataset, 48, 8, 4)
			got, err := Checksum(prepared(t, cfg))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("checksum %s, want %s", got, c.want)
			}
			// A second generation into a fresh folder gives the same checksum.
			dir := t.TempDir()
			if err := Generate(dir, cfg); err != nil {
				t.Fatal(err)
			}
			if again, _ := Checksum(dir); again != got {
				t.Errorf("regenerated checksum %s differs from %s", again, got)
			}
		})
	}
}

func TestSeedChangesData(t *testing.T) {
	a, b := builtinCfg("builtin:zebra", 32, 2, 1), builtinCfg("builtin:zebra", 32, 2, 1)
	b.DataSeed = 8
	ra, rb := prepared(t, a), prepared(t, b)
	if ra == rb {
		t.Fatalf("seeds 7 and 8 share the folder %s", ra)
	}
	ha, _ := Checksum(ra)
	hb, _ := Checksum(rb)
	if ha == hb {
		t.Error("seeds 7 and 8 generated the same data")
	}
}

// Each image has its own generator stream, so a bigger dataset starts with the same images.
func TestImagesIndependentOfCounts(t *testing.T) {
	for _, ds := range []string{"builtin:zebra", "builtin:cityscapes"} {
		small := prepared(t, builtinCfg(ds, 48, 3, 2))
		big := prepared(t, builtinCfg(ds, 48, 8, 4))
		for _, f := range []string{"trainA/0002.png", "trainB/0000.png", "testA/0001.png", "testB/0001.png"} {
			a, err := readRGB(filepath.Join(small, f))
			if err != nil {
				t.Fatal(err)
			}
			b, err := readRGB(filepath.Join(big, f))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Pix, b.Pix) {
				t.Errorf("%s %s differs between dataset sizes", ds, f)
			}
		}
	}
}

func TestPrepareLayoutAndCache(t *testing.T) {
	cache := t.TempDir()
	cfg := builtinCfg("builtin:cityscapes", 32, 3, 2)
	var wg sync.WaitGroup
	roots := make([]string, 4)
	errs := make([]error, 4)
	for i := range roots {
		wg.Go(func() { roots[i], errs[i] = Prepare(cfg, cache) })
	}
	wg.Wait()
	for i := range roots {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if roots[i] != roots[0] {
			t.Fatalf("concurrent Prepare returned %s and %s", roots[0], roots[i])
		}
	}
	wantName := "cityscapes-seed7-n3x2-s32-v1"
	if filepath.Base(roots[0]) != wantName {
		t.Errorf("folder %s, want %s", filepath.Base(roots[0]), wantName)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("cache holds %v; temporary folders were left behind", names)
	}
	for dir, n := range map[string]int{"trainA": 3, "trainB": 3, "testA": 2, "testB": 2, labelsDir: 2} {
		files, _ := filepath.Glob(filepath.Join(roots[0], dir, "*.png"))
		if len(files) != n {
			t.Errorf("%s has %d images, want %d", dir, len(files), n)
		}
	}
	// A second Prepare reuses the folder untouched.
	st, _ := os.Stat(filepath.Join(roots[0], ManifestFile))
	again, err := Prepare(cfg, cache)
	if err != nil || again != roots[0] {
		t.Fatalf("second Prepare: %s, %v", again, err)
	}
	st2, _ := os.Stat(filepath.Join(roots[0], ManifestFile))
	if !st.ModTime().Equal(st2.ModTime()) {
		t.Error("second Prepare rewrote the dataset")
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("SWEEP_CACHE", "/somewhere")
	if d, _ := DefaultCacheDir(); d != "/somewhere/data" {
		t.Errorf("with SWEEP_CACHE: %s", d)
	}
	t.Setenv("SWEEP_CACHE", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	user, err := os.UserCacheDir()
	if err != nil {
		t.Skip("no user cache folder here")
	}
	if d, _ := DefaultCacheDir(); d != filepath.Join(user, "sweep", "data") {
		t.Errorf("without SWEEP_CACHE: %s", d)
	}
}

func TestPrepareRefusesBadBuiltins(t *testing.T) {
	cases := []struct {
		name   string
		change func(*config.Run)
		want   string
	}{
		{"unknown", func(c *config.Run) { c.Dataset = "builtin:horses" }, "unknown"},
		{"no train", func(c *config.Run) { c.TrainSize = 0 }, "train_size"},
		{"tiny", func(c *config.Run) { c.LoadSize = 8 }, "load_size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := builtinCfg("builtin:zebra", 32, 2, 2)
			c.change(&cfg)
			_, err := Prepare(cfg, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

// BenchmarkGenerate times a default-sized built-in dataset (64 train and 16 test scenes per
// domain) at 64 and 286 pixels.
func BenchmarkGenerate(b *testing.B) {
	for _, ds := range []string{"builtin:zebra", "builtin:cityscapes"} {
		for _, size := range []int{64, 286} {
			b.Run(fmt.Sprintf("%s/%d", strings.TrimPrefix(ds, "builtin:"), size), func(b *testing.B) {
				cfg := builtinCfg(ds, size, 64, 16)
				for b.Loop() {
					b.StopTimer()
					dir := b.TempDir()
					b.StartTimer()
					if err := Generate(dir, cfg); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkTrainPair times one training pair at the paper's sizes (286 → crop 256).
func BenchmarkTrainPair(b *testing.B) {
	cfg := builtinCfg("builtin:zebra", 286, 4, 1)
	cfg.CropSize = 256
	root, err := Prepare(cfg, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	d, err := Open(cfg, root)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; b.Loop(); i++ {
		if _, _, err := d.TrainPair(i, 1, rng); err != nil {
			b.Fatal(err)
		}
	}
}

func TestOpenChecksBuiltin(t *testing.T) {
	cfg := builtinCfg("builtin:zebra", 32, 2, 3)
	root := prepared(t, cfg)
	other := cfg
	other.DataSeed = 99
	if _, err := Open(other, root); err == nil || !strings.Contains(err.Error(), "zebra-seed7-n2x3-s32-v1") {
		t.Errorf("opening seed 7's folder for seed 99: %v", err)
	}
	if _, err := Open(cfg, t.TempDir()); err == nil || !strings.Contains(err.Error(), ManifestFile) {
		t.Errorf("folder without manifest: %v", err)
	}
	bad := cfg
	bad.CropSize = 40
	if _, err := Open(bad, root); err == nil || !strings.Contains(err.Error(), "crop_size") {
		t.Errorf("crop_size > load_size: %v", err)
	}
	// A generated folder whose test split lost an image no longer pairs its domains.
	dir := t.TempDir()
	if err := Generate(dir, cfg); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "testB", "0001.png"))
	if _, err := Open(cfg, dir); err == nil || !strings.Contains(err.Error(), "testB") {
		t.Errorf("unpaired test split: %v", err)
	}
}
