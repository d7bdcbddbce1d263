package inception

import (
	"sweep/internal/fixtures"

	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"sweep/safetensors"
	"sweep/torchpt"
)

var (
	hashedOnce sync.Once
	hashedNet  *Net
	hashedErr  error
)

// testNet is the network with gen_reference.py's synthetic weights, built once.
func testNet(t testing.TB) *Net {
	hashedOnce.Do(func() { hashedNet, hashedErr = FromTensors(hashedStateDict()) })
	if hashedErr != nil {
		t.Fatal(hashedErr)
	}
	return hashedNet
}

type referenceInfo struct {
	Torch  string              `json:"torch"`
	Images [][3]int            `json:"images"`
	Keys   [][]any             `json:"keys"`
	Bits   map[string][]uint32 `json:"weight_bits"`
	Image0 []uint32            `json:"image0_bits"`
}

func readReference(t *testing.T) referenceInfo {
	raw, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r referenceInfo
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStateDictMatchesTorchvision compares the expected keys and shapes with the
// state_dict torchvision 0.26 builds for pytorch-fid's network.
func TestStateDictMatchesTorchvision(t *testing.T) {
	ref := readReference(t)
	want := map[string][]int{}
	for _, k := range ref.Keys {
		var shape []int
		for _, d := range k[1].([]any) {
			shape = append(shape, int(d.(float64)))
		}
		if shape == nil {
			shape = []int{}
		}
		want[k[0].(string)] = shape
	}
	if got := StateDictShapes(); !reflect.DeepEqual(got, want) {
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s: got %v, torchvision has %v", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s is not in torchvision's state_dict", k)
			}
		}
	}
}

// TestHashedInputsMatchGenerator checks that the Go hash gives the weights and
// pixels gen_reference.py fed to PyTorch.
func TestHashedInputsMatchGenerator(t *testing.T) {
	ref := readReference(t)
	shapes := StateDictShapes()
	for name, want := range ref.Bits {
		v := hashedValues(name, shapes[name])
		for i, b := range want {
			if math.Float32bits(v[i]) != b {
				t.Errorf("%s[%d] = %#x, generator has %#x", name, i, math.Float32bits(v[i]), b)
			}
		}
	}
	img := hashedImage(0, 3, 32, 32)
	for i, b := range ref.Image0 {
		if math.Float32bits(img[i]) != b {
			t.Errorf("image0[%d] = %#x, generator has %#x", i, math.Float32bits(img[i]), b)
		}
	}
}

// TestFeaturesMatchPyTorch runs the network on gen_reference.py's images (3×32×32,
// 3×299×299 and 3×80×64: upsampled, native and non-square) and compares with PyTorch's
// float64 run of the same network and weights. -short and -race check the first image only.
func TestFeaturesMatchPyTorch(t *testing.T) {
	ref := readReference(t)
	st, err := safetensors.ReadFile("testdata/reference.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	net := testNet(t)
	for k, im := range ref.Images {
		if (testing.Short() || raceEnabled) && k > 0 {
			break
		}
		want, _, err := st.Float64("features64.img" + string(rune('0'+k)))
		if err != nil {
			t.Fatal(err)
		}
		torch32, _, err := st.Float64("features32.img" + string(rune('0'+k)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := net.Features(hashedImage(k, im[0], im[1], im[2]), im[1], im[2])
		if err != nil {
			t.Fatal(err)
		}
		errGo, errTorch := maxRelErr(got, want), maxRelErr(torch32, want)
		t.Logf("image %d %v: max |err|/max|ref|: Go float32 %.3g, PyTorch float32 %.3g", k, im, errGo, errTorch)
		if len(got) != Dims || errGo > 1e-5 {
			t.Errorf("image %d: %d features, max relative error %.3g (want <= 1e-5)", k, len(got), errGo)
		}
		for i, v := range got {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("image %d: feature %d = %v", k, i, v)
			}
		}
	}
}

// maxRelErr is max|a-b| / max|b|.
func maxRelErr(a, b []float64) float64 {
	var num, den float64
	for i := range b {
		num = max(num, math.Abs(a[i]-b[i]))
		den = max(den, math.Abs(b[i]))
	}
	return num / den
}

func TestFeaturesRejectsBadInput(t *testing.T) {
	net := testNet(t)
	for _, c := range []struct {
		n, h, w int
	}{{3*4*4 - 1, 4, 4}, {0, 0, 0}, {3 * 4, 4, -1}, {4 * 4, 4, 4}} {
		if _, err := net.Features(make([]float32, c.n), c.h, c.w); err == nil {
			t.Errorf("Features(%d values, %d×%d) succeeded", c.n, c.h, c.w)
		}
	}
}

func TestFromTensorsReportsKeys(t *testing.T) {
	base := hashedStateDict()
	edit := func(f func(ts map[string]torchpt.Tensor)) map[string]torchpt.Tensor {
		ts := make(map[string]torchpt.Tensor, len(base))
		for k, v := range base {
			ts[k] = v
		}
		f(ts)
		return ts
	}
	cases := []struct {
		name string
		ts   map[string]torchpt.Tensor
		want []string
	}{
		{"missing", edit(func(ts map[string]torchpt.Tensor) { delete(ts, "Mixed_6e.branch7x7dbl_4.bn.running_var") }),
			[]string{"1 missing: Mixed_6e.branch7x7dbl_4.bn.running_var"}},
		{"extra", edit(func(ts map[string]torchpt.Tensor) {
			ts["AuxLogits.fc.weight"] = torchpt.Tensor{DType: "F32", Shape: []int{1}, Float32: []float32{0}}
		}), []string{"1 unexpected: AuxLogits.fc.weight"}},
		{"shape", edit(func(ts map[string]torchpt.Tensor) {
			x := ts["fc.weight"]
			x.Shape = []int{1000, 2048}
			ts["fc.weight"] = x
		}), []string{"1 wrong: fc.weight is [1000 2048], want [1008 2048]"}},
		{"dtype", edit(func(ts map[string]torchpt.Tensor) {
			ts["fc.bias"] = torchpt.Tensor{DType: "I64", Shape: []int{1008}, Int64: make([]int64, 1008)}
		}), []string{"fc.bias is I64, want a float tensor"}},
		{"no num_batches_tracked", edit(func(ts map[string]torchpt.Tensor) {
			for k := range ts {
				if strings.HasSuffix(k, "num_batches_tracked") {
					delete(ts, k)
				}
			}
		}), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromTensors(c.ts)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// fixturesPath is the fixture folder.
func fixturesPath(t testing.TB) string { return fixtures.Dir(t) }

func TestLoadWrongWeights(t *testing.T) {
	path := filepath.Join(fixturesPath(t), "pretrained", "global_latest_net_G.pth")
	_, err := Load(path)
	if err == nil {
		t.Fatal("loading the generator as Inception succeeded")
	}
	for _, w := range []string{path, "not the FID Inception-v3 state_dict", "472 missing: Conv2d_1a_3x3.bn.bias",
		"52 unexpected: model.1.bias, model.1.weight"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// TestLoadSavedWeights writes the synthetic state_dict with torchpt.Save (about 96 MB)
// and loads it back through Load.
func TestLoadSavedWeights(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("writes and reads a 96 MB file")
	}
	ts := hashedStateDict()
	var list []torchpt.Tensor
	for _, name := range sortedKeys(ts) {
		list = append(list, ts[name])
	}
	path := filepath.Join(t.TempDir(), "pt_inception.pth")
	if err := torchpt.Save(path, list); err != nil {
		t.Fatal(err)
	}
	net, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := testNet(t)
	for name, c := range want.convs {
		if !reflect.DeepEqual(net.convs[name], c) {
			t.Errorf("conv %s differs after Save and Load", name)
		}
	}
}

func sortedKeys(ts map[string]torchpt.Tensor) []string {
	var keys []string
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// BenchmarkFeatures measures full-size (3×299×299) images per second.
func BenchmarkFeatures(b *testing.B) {
	net := testNet(b)
	img := hashedImage(1, 3, Size, Size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := net.Features(img, Size, Size); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkFeaturesParallel measures full-size images per second with one Features
// call per goroutine (GOMAXPROCS of them): the throughput of a metric that spreads its
// images over goroutines.
func BenchmarkFeaturesParallel(b *testing.B) {
	net := testNet(b)
	img := hashedImage(1, 3, Size, Size)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := net.Features(img, Size, Size); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
}
