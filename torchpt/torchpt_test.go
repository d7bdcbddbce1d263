package torchpt

import (
	"sweep/internal/fixtures"

	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sweep/safetensors"
)

// fixturesPath is the fixture folder.
func fixturesPath(t testing.TB) string { return fixtures.Dir(t) }

func TestFixtureGeneratorMatchesSafetensors(t *testing.T) {
	dir := fixturesPath(t)
	ts, err := Load(filepath.Join(dir, "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := safetensors.ReadFile(filepath.Join(dir, "global.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for name := range ref.Tensors {
		if strings.HasPrefix(name, "G.") {
			want[strings.TrimPrefix(name, "G.")] = true
		}
	}
	if len(ts) != len(want) {
		t.Errorf("loaded %d tensors, safetensors has %d G.* tensors", len(ts), len(want))
	}
	for _, x := range ts {
		if !want[x.Name] {
			t.Errorf("tensor %q is not in global.safetensors", x.Name)
			continue
		}
		v, shape, err := ref.Float32("G." + x.Name)
		if err != nil {
			t.Fatal(err)
		}
		if x.DType != "F32" || !reflect.DeepEqual(x.Shape, shape) {
			t.Errorf("%s: %s %v, want F32 %v", x.Name, x.DType, x.Shape, shape)
			continue
		}
		for i := range v {
			if math.Float32bits(v[i]) != math.Float32bits(x.Float32[i]) {
				t.Errorf("%s[%d] = %v, want %v", x.Name, i, x.Float32[i], v[i])
				break
			}
		}
	}
	for _, name := range []string{"model.7.filt", "model.11.filt", "model.21.filt", "model.25.filt"} {
		if _, ok := want[name]; !ok {
			t.Errorf("buffer %s missing from the reference", name)
		}
	}
	if ts[0].Name != "model.1.weight" || ts[len(ts)-1].Name != "model.30.bias" {
		t.Errorf("not in file order: first %q, last %q", ts[0].Name, ts[len(ts)-1].Name)
	}
}

type expectedTensor struct {
	DType string   `json:"dtype"`
	Shape []int    `json:"shape"`
	Bits  []uint32 `json:"float32_bits"`
	Ints  []int64  `json:"int64"`
}

type expectedFile struct {
	State map[string]expectedTensor `json:"state"`
	Order []string                  `json:"order"`
	View  map[string]expectedTensor `json:"view"`
}

func readExpected(t *testing.T) expectedFile {
	raw, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e expectedFile
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func checkTensors(t *testing.T, file string, got []Tensor, want map[string]expectedTensor, order []string) {
	t.Helper()
	var names []string
	for _, x := range got {
		names = append(names, x.Name)
		w, ok := want[x.Name]
		if !ok {
			t.Errorf("%s: unexpected tensor %q", file, x.Name)
			continue
		}
		if x.DType != w.DType || !reflect.DeepEqual(x.Shape, w.Shape) || x.Len() != len(w.Bits)+len(w.Ints) {
			t.Errorf("%s: %s is %s %v, want %s %v", file, x.Name, x.DType, x.Shape, w.DType, w.Shape)
			continue
		}
		if isFloat := w.Bits != nil; isFloat != (x.Float32 != nil) || isFloat == (x.Int64 != nil) {
			t.Errorf("%s: %s has Float32 %v and Int64 %v", file, x.Name, x.Float32, x.Int64)
			continue
		}
		bits := []uint32{}
		for _, f := range x.Float32 {
			bits = append(bits, math.Float32bits(f))
		}
		if x.Float32 != nil && !reflect.DeepEqual(bits, w.Bits) || x.Int64 != nil && !reflect.DeepEqual(x.Int64, w.Ints) {
			t.Errorf("%s: %s = %v %v, want bits %v ints %v", file, x.Name, x.Float32, x.Int64, w.Bits, w.Ints)
		}
	}
	if order != nil && !reflect.DeepEqual(names, order) {
		t.Errorf("%s: names %v, want %v", file, names, order)
	}
}

// TestFormats loads files written by Python's pickle module with torch.save's zip and
// legacy layouts: strides, offsets, shared and expanded storages, every dtype, nested
// containers, _rebuild_parameter, _metadata, both byte orders.
func TestFormats(t *testing.T) {
	e := readExpected(t)
	for _, file := range []string{"zip_little.pth", "zip_big.pth", "legacy_little.pth", "legacy_behost.pth"} {
		t.Run(file, func(t *testing.T) {
			got, err := Load(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			checkTensors(t, file, got, e.State, e.Order)
		})
	}
	got, err := Load("testdata/legacy_view.pth")
	if err != nil {
		t.Fatal(err)
	}
	checkTensors(t, "legacy_view.pth", got, e.View, nil)
}

func TestHalfToFloat32(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0400, 1.0 / (1 << 14)}, {0x0001, 1.0 / (1 << 24)},
		{0x03ff, 1023.0 / (1 << 24)}, {0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))}, {0x3555, 0.33325195},
	} {
		if got := halfToFloat32(c.h); got != c.want {
			t.Errorf("half %#04x = %v, want %v", c.h, got, c.want)
		}
	}
	if got := halfToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("half 0x8000 = %v, want -0", got)
	}
	if got := halfToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("half 0x7e00 = %v, want NaN", got)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "w", DType: "F32", Shape: []int{2, 3}, Float32: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, 1e-30}},
		{Name: "s", DType: "F32", Shape: []int{}, Float32: []float32{7}},
		{Name: "n", DType: "I64", Shape: []int{3}, Int64: []int64{-1, 1 << 40, 0}},
		{Name: "z", DType: "F32", Shape: []int{0, 4}, Float32: []float32{}},
	}
	path := filepath.Join(t.TempDir(), "latest_net_G.pth")
	if err := Save(path, in); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("got %d tensors, want %d", len(got), len(in))
	}
	for i := range in {
		g, w := got[i], in[i]
		if g.Name != w.Name || g.DType != w.DType || !reflect.DeepEqual(g.Shape, w.Shape) ||
			!reflect.DeepEqual(g.Float32, w.Float32) || !reflect.DeepEqual(g.Int64, w.Int64) {
			t.Errorf("tensor %d: got %+v, want %+v", i, g, w)
		}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(f.Name, "latest_net_G/") || off%64 != 0 {
			t.Errorf("entry %s at offset %d: want prefix latest_net_G/ and 64-byte alignment", f.Name, off)
		}
	}
	if err := Save(path, []Tensor{{Name: "h", DType: "F16", Shape: []int{1}}}); err == nil {
		t.Error("Save of an F16 tensor succeeded")
	}
	if err := Save(path, []Tensor{{Name: "w", DType: "F32", Shape: []int{2}, Float32: []float32{1}}}); err == nil {
		t.Error("Save with a short Float32 succeeded")
	}
}

// goldenTensors is the content of testdata/go_written.pth, which PyTorch's own
// torch.load(weights_only=True) was checked to read back (testdata/check_torch.py).
var goldenTensors = []Tensor{
	{Name: "conv.weight", DType: "F32", Shape: []int{2, 3, 1, 1}, Float32: []float32{0.5, -1.25, 3, 0x1p-66, float32(math.Copysign(0, -1)), 65504}},
	{Name: "bn.num_batches_tracked", DType: "I64", Shape: []int{}, Int64: []int64{5}},
	{Name: "fc.bias", DType: "F32", Shape: []int{3}, Float32: []float32{1, 2, 3}},
	{Name: "big", DType: "I64", Shape: []int{2}, Int64: []int64{-1 << 40, 1<<62 + 1}},
	{Name: "empty", DType: "F32", Shape: []int{0}, Float32: []float32{}},
}

// TestSaveGolden pins the bytes Save writes; UPDATE_GOLDEN=1 rewrites the file.
func TestSaveGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "go_written", goldenTensors); err != nil {
		t.Fatal(err)
	}
	const path = "testdata/go_written.pth"
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Write output differs from %s (%d vs %d bytes)", path, buf.Len(), len(want))
	}
}

// TestRealTorchFiles loads files written by PyTorch 2.11's torch.save itself
// (testdata/check_torch.py): a module state_dict with BatchNorm buffers, views,
// every dtype, nested containers, in both formats, and a bare nn.Parameter.
func TestRealTorchFiles(t *testing.T) {
	raw, err := os.ReadFile("testdata/torch_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		State map[string]expectedTensor `json:"state"`
		Order []string                  `json:"order"`
		Param map[string]expectedTensor `json:"param"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"torch_zip.pth", "torch_legacy.pth"} {
		got, err := Load(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		checkTensors(t, file, got, e.State, e.Order)
	}
	got, err := Load("testdata/torch_param.pth")
	if err != nil {
		t.Fatal(err)
	}
	checkTensors(t, "torch_param.pth", got, e.Param, []string{""})
}
