package metrics

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePNGs writes n random w×h RGB images named img_000.png ... into dir.
func writePNGs(t testing.TB, dir string, n, w, h int, seed uint64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for i := 0; i < n; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.Set(x, y, color.NRGBA{uint8(r.IntN(256)), uint8(x * 255 / w), uint8(y * 255 / h), 255})
			}
		}
		writePNG(t, filepath.Join(dir, fmt.Sprintf("img_%03d.png", i)), img)
	}
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// channelStats is a small deterministic feature extractor: per-channel mean and mean square.
type channelStats struct{}

func (channelStats) Features(chw []float32, h, w int) ([]float64, error) {
	n := h * w
	f := make([]float64, 6)
	for c := 0; c < 3; c++ {
		for _, v := range chw[c*n : (c+1)*n] {
			f[c] += float64(v) / float64(n)
			f[3+c] += float64(v) * float64(v) / float64(n)
		}
	}
	return f, nil
}

func TestFIDDirsWithExtractor(t *testing.T) {
	dir := t.TempDir()
	real, fake := filepath.Join(dir, "real"), filepath.Join(dir, "fake")
	writePNGs(t, real, 12, 20, 16, 1)
	writePNGs(t, fake, 9, 20, 16, 2)
	opt := FIDOptions{Extractor: channelStats{}, ExtractorName: "channel-stats"}
	same, err := FIDDirs(real, real, opt)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(same.Distance) > 1e-9 {
		t.Errorf("FID of a folder with itself = %g", same.Distance)
	}
	res, err := FIDDirs(real, fake, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Real != 12 || res.Fake != 9 || res.Dims != 6 || !(res.Distance > 0) {
		t.Errorf("result %+v", res)
	}
	m := res.Values()
	if len(m) != 1 || m[0].Name != "fid" || m[0].Value != res.Distance {
		t.Fatalf("metrics %+v", m)
	}
	for _, want := range []string{"impl=sweep-fid-pytorch-fid", "images=9", "real_images=12", "network=channel-stats", "resize=bilinear-299"} {
		if !strings.Contains(m[0].Identity, want) {
			t.Errorf("identity %q lacks %q", m[0].Identity, want)
		}
	}
}

func TestFIDBadFolders(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	writePNGs(t, good, 3, 8, 8, 1)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("x"), 0o644)
	mixed := filepath.Join(dir, "mixed")
	writePNGs(t, mixed, 2, 8, 8, 1)
	writePNG(t, filepath.Join(mixed, "zz_big.png"), image.NewNRGBA(image.Rect(0, 0, 9, 8)))
	broken := filepath.Join(dir, "broken")
	writePNGs(t, broken, 2, 8, 8, 1)
	os.WriteFile(filepath.Join(broken, "bad.png"), []byte("not a png"), 0o644)
	bmp := filepath.Join(dir, "bmp")
	writePNGs(t, bmp, 2, 8, 8, 1)
	os.WriteFile(filepath.Join(bmp, "x.BMP"), []byte("BM"), 0o644)
	one := filepath.Join(dir, "one")
	writePNGs(t, one, 1, 8, 8, 1)

	tests := []struct {
		name, fake string
		contains   []string
	}{
		{"empty folder", empty, []string{empty, "no PNG or JPEG"}},
		{"missing folder", filepath.Join(dir, "nope"), []string{"nope"}},
		{"mixed sizes", mixed, []string{"zz_big.png", "9x8", "8x8"}},
		{"undecodable", broken, []string{"bad.png"}},
		{"bmp", bmp, []string{"x.BMP", "PNG"}},
		{"single image", one, []string{"at least 2"}},
	}
	opt := FIDOptions{Extractor: channelStats{}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FIDDirs(good, tt.fake, opt)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
		})
	}
}

func TestInceptionUnavailable(t *testing.T) {
	dir := t.TempDir()
	writePNGs(t, filepath.Join(dir, "a"), 2, 8, 8, 1)
	missing := filepath.Join(dir, "weights", InceptionFile)
	t.Setenv(InceptionEnv, missing)
	_, err := FIDDirs(filepath.Join(dir, "a"), filepath.Join(dir, "a"), FIDOptions{})
	if !errors.Is(err, ErrInceptionUnavailable) {
		t.Fatalf("error %v, want ErrInceptionUnavailable", err)
	}
	for _, s := range []string{missing, InceptionURL} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	explicit := filepath.Join(dir, "other.pth")
	if _, err := LocateInception(explicit, false); !errors.Is(err, ErrInceptionUnavailable) || !strings.Contains(err.Error(), explicit) {
		t.Errorf("explicit path: %v", err)
	}
}

func TestWrongWeightsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), InceptionFile)
	os.WriteFile(path, []byte("not the weights"), 0o644)
	_, err := LocateInception(path, true)
	if err == nil || errors.Is(err, ErrInceptionUnavailable) {
		t.Fatalf("error %v, want a bad-file error", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("error %q does not name the file and the check", err)
	}
}

// TestFetchWeights serves the weights from a local test server: no network is used.
func TestFetchWeights(t *testing.T) {
	content := []byte("pretend weights")
	sum := sha256.Sum256(content)
	mux := http.NewServeMux()
	mux.HandleFunc("/w.pth", func(w http.ResponseWriter, r *http.Request) { w.Write(content) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	good := weightsSpec{file: "w.pth", url: srv.URL + "/w.pth", shaPrefix: hex.EncodeToString(sum[:])[:8]}

	tests := []struct {
		name      string
		spec      weightsSpec
		download  bool
		wantFile  bool
		wantUnav  bool
		wantError bool
	}{
		{"download", good, true, true, false, false},
		{"download disabled", good, false, false, true, true},
		{"wrong hash", weightsSpec{"w.pth", good.url, "00000000"}, true, false, true, true},
		{"not found", weightsSpec{"w.pth", srv.URL + "/missing", good.shaPrefix}, true, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cache", "w.pth")
			got, err := locate(tt.spec, path, tt.download)
			if (err != nil) != tt.wantError || errors.Is(err, ErrInceptionUnavailable) != tt.wantUnav {
				t.Fatalf("error %v", err)
			}
			_, statErr := os.Stat(path)
			if (statErr == nil) != tt.wantFile {
				t.Errorf("file present %v, want %v", statErr == nil, tt.wantFile)
			}
			if tt.wantFile && got != path {
				t.Errorf("path %q, want %q", got, path)
			}
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*part*"))
			if len(leftovers) > 0 {
				t.Errorf("partial files left: %v", leftovers)
			}
		})
	}
}

// countingExtractor counts its calls.
type countingExtractor struct {
	channelStats
	calls *int
}

func (c countingExtractor) Features(chw []float32, h, w int) ([]float64, error) {
	*c.calls++
	return c.channelStats.Features(chw, h, w)
}

func TestRealStatsCache(t *testing.T) {
	dir := t.TempDir()
	real, fake, cache := filepath.Join(dir, "real"), filepath.Join(dir, "fake"), filepath.Join(dir, "cache")
	writePNGs(t, real, 5, 8, 8, 1)
	writePNGs(t, fake, 4, 8, 8, 2)
	calls := 0
	opt := FIDOptions{Extractor: countingExtractor{calls: &calls}, ExtractorName: "count", RealStatsCache: cache}
	first, err := FIDDirs(real, fake, opt)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 9 {
		t.Fatalf("%d feature calls, want 9", calls)
	}
	second, err := FIDDirs(real, fake, opt)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 13 || second.Distance != first.Distance || second.Real != 5 {
		t.Fatalf("cached run: %d calls (want 13), fid %v vs %v", calls, second.Distance, first.Distance)
	}
	// Changing one real image invalidates the entry.
	writePNGs(t, real, 1, 8, 8, 3)
	if _, err := FIDDirs(real, fake, opt); err != nil {
		t.Fatal(err)
	}
	if calls != 13+9 {
		t.Fatalf("%d calls after a real image changed, want %d", calls, 13+9)
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "fidstats-*.safetensors"))
	if len(entries) != 2 {
		t.Errorf("cache entries %v", entries)
	}
}
