package safetensors

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tiny is a valid file with one tensor of each kind Writer writes.
func tiny(t testing.TB) []byte {
	w := NewWriter()
	w.AddFloat32("w", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	w.AddFloat64("d", []int{2}, []float64{0.5, -1})
	w.AddInt64("step", []int{}, []int{7})
	w.Metadata["iter"] = "3"
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withHeader builds a file from a JSON header and data bytes.
func withHeader(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

// overflowHeader has a shape whose element count overflows int64, with empty offsets.
var overflowHeader = withHeader(`{"w":{"dtype":"F32","shape":[4611686018427387904,3,7,7],"data_offsets":[0,0]}}`, nil)

func TestRoundTrip(t *testing.T) {
	f, err := Parse(tiny(t))
	if err != nil {
		t.Fatal(err)
	}
	w, shape, err := f.Float32("w")
	if err != nil || len(w) != 6 || w[5] != 6 || len(shape) != 2 {
		t.Errorf("w = %v %v %v", w, shape, err)
	}
	d, _, err := f.Float64("d")
	if err != nil || d[1] != -1 {
		t.Errorf("d = %v %v", d, err)
	}
	s, _, err := f.Int("step")
	if err != nil || len(s) != 1 || s[0] != 7 || f.Metadata["iter"] != "3" {
		t.Errorf("step = %v %v, metadata %v", s, err, f.Metadata)
	}
}

// TestHostileHeadersAreRefused: every shape is checked at the header, so no header can make
// Parse or a conversion panic or allocate more than the file holds.
func TestHostileHeadersAreRefused(t *testing.T) {
	f32 := func(shape string, lo, hi int, n int) []byte {
		h := `{"w":{"dtype":"F32","shape":` + shape + `,"data_offsets":[` + strconv.Itoa(lo) + `,` + strconv.Itoa(hi) + `]}}`
		return withHeader(h, make([]byte, n))
	}
	full := tiny(t)
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"element count overflows int64", overflowHeader, "more than 9223372036854775807 elements"},
		{"byte count overflows int64", f32("[4611686018427387904]", 0, 0, 0), "do not fit shape"},
		{"product wraps to the span", f32("[4611686018427387904,4]", 0, 0, 0), "more than"},
		{"negative dimension", f32("[-1,4]", 0, 16, 16), "negative dimension"},
		{"span differs from shape", f32("[2,2]", 0, 12, 16), "do not fit shape [2 2]"},
		{"offsets past the data", f32("[4]", 8, 24, 16), "do not fit"},
		{"negative offset", f32("[1]", -4, 0, 16), "do not fit"},
		{"reversed offsets", f32("[0]", 8, 4, 16), "do not fit"},
		{"overlapping tensors", withHeader(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`, make([]byte, 8)), `"a" [0 4] and "b" [2 6] overlap`},
		{"unknown dtype", withHeader(`{"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)), "unknown dtype"},
		{"truncated file", full[:len(full)-5], "do not fit"},
		{"truncated header", full[:20], "header length"},
		{"short file", []byte{1, 2}, "2 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestHandBuiltTensorIsChecked: a Tensor whose data does not match its shape is an error,
// not an index panic.
func TestHandBuiltTensorIsChecked(t *testing.T) {
	for _, ten := range []Tensor{
		{DType: "F32", Shape: []int{4}, Data: make([]byte, 8)},
		{DType: "F64", Shape: []int{1 << 62, 4}, Data: nil},
		{DType: "I64", Shape: []int{-1}, Data: nil},
	} {
		if _, err := ten.Float32s(); err == nil {
			t.Errorf("Float32s of %v succeeded", ten.Shape)
		}
		if _, err := ten.Float64s(); err == nil {
			t.Errorf("Float64s of %v succeeded", ten.Shape)
		}
		if _, err := ten.Ints(); err == nil {
			t.Errorf("Ints of %v succeeded", ten.Shape)
		}
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	os.WriteFile(path, overflowHeader, 0o644)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), path+`: tensor "w"`) {
		t.Errorf("ReadFile = %v", err)
	}
}

// FuzzParse feeds whole files to Parse: it must never panic, and whatever it accepts must
// convert without panicking to as many values as its shape says.
func FuzzParse(f *testing.F) {
	full := tiny(f)
	f.Add(full)
	f.Add(overflowHeader)
	f.Add(full[:len(full)-5])
	f.Add(full[:12])
	f.Fuzz(func(t *testing.T, raw []byte) {
		file, err := Parse(raw)
		if err != nil {
			return
		}
		for name, ten := range file.Tensors {
			var n int
			switch ten.DType {
			case "F32", "F64":
				v, err := ten.Float32s()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				n = len(v)
			case "I64", "I32", "U8":
				v, err := ten.Ints()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				n = len(v)
			default:
				n = ten.Len()
			}
			if n != ten.Len() || n*dtypeSize[ten.DType] != len(ten.Data) {
				t.Fatalf("%s: shape %v of %s, %d values, %d bytes", name, ten.Shape, ten.DType, n, len(ten.Data))
			}
		}
	})
}
