// Package safetensors reads and writes the safetensors format: an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the
// raw little-endian data. Other tools (PyTorch, numpy) read what this package writes.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// Tensor is one named array. Data holds the raw little-endian bytes.
type Tensor struct {
	DType string // "F32", "F64", "I64", "U8", ...
	Shape []int
	Data  []byte
}

// File is a parsed safetensors file.
type File struct {
	Path     string
	Tensors  map[string]Tensor
	Metadata map[string]string
}

type headerEntry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

var dtypeSize = map[string]int{"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

// maxHeader bounds the JSON header so a corrupt length cannot make us allocate gigabytes.
const maxHeader = 100 << 20

// ReadFile parses the file at path.
func ReadFile(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

// Parse decodes a whole safetensors file held in memory.
func Parse(raw []byte) (*File, error) {
	if len(raw) < 8 {
		return nil, fmt.Errorf("not a safetensors file: %d bytes", len(raw))
	}
	n := binary.LittleEndian.Uint64(raw[:8])
	if n > maxHeader || 8+n > uint64(len(raw)) {
		return nil, fmt.Errorf("not a safetensors file: header length %d, file length %d", n, len(raw))
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &header); err != nil {
		return nil, fmt.Errorf("bad safetensors header: %w", err)
	}
	data := raw[8+n:]
	f := &File{Tensors: map[string]Tensor{}, Metadata: map[string]string{}}
	for name, msg := range header {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.Metadata); err != nil {
				return nil, fmt.Errorf("bad __metadata__: %w", err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		t, err := e.tensor(data)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		f.Tensors[name] = t
	}
	return f, nil
}

func (e headerEntry) tensor(data []byte) (Tensor, error) {
	size, ok := dtypeSize[e.DType]
	if !ok {
		return Tensor{}, fmt.Errorf("unknown dtype %q", e.DType)
	}
	count := int64(1)
	for _, d := range e.Shape {
		if d < 0 {
			return Tensor{}, fmt.Errorf("negative dimension in shape %v", e.Shape)
		}
		count *= int64(d)
	}
	b, end := e.Offsets[0], e.Offsets[1]
	if b < 0 || end < b || end > int64(len(data)) || end-b != count*int64(size) {
		return Tensor{}, fmt.Errorf("offsets %v do not fit shape %v of %s in %d data bytes", e.Offsets, e.Shape, e.DType, len(data))
	}
	return Tensor{DType: e.DType, Shape: e.Shape, Data: data[b:end]}, nil
}

// Len is the number of elements.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Float32s converts F32 or F64 data to float32.
func (t Tensor) Float32s() ([]float32, error) {
	out := make([]float32, t.Len())
	switch t.DType {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
	default:
		return nil, fmt.Errorf("dtype %s is not a float type", t.DType)
	}
	return out, nil
}

// Float64s converts F32 or F64 data to float64.
func (t Tensor) Float64s() ([]float64, error) {
	out := make([]float64, t.Len())
	switch t.DType {
	case "F64":
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:]))
		}
	case "F32":
		for i := range out {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])))
		}
	default:
		return nil, fmt.Errorf("dtype %s is not a float type", t.DType)
	}
	return out, nil
}

// Ints converts I64, I32 or U8 data to int.
func (t Tensor) Ints() ([]int, error) {
	out := make([]int, t.Len())
	switch t.DType {
	case "I64":
		for i := range out {
			out[i] = int(int64(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
	case "I32":
		for i := range out {
			out[i] = int(int32(binary.LittleEndian.Uint32(t.Data[4*i:])))
		}
	case "U8":
		for i := range out {
			out[i] = int(t.Data[i])
		}
	default:
		return nil, fmt.Errorf("dtype %s is not an integer type", t.DType)
	}
	return out, nil
}

// Float32 looks a tensor up by name and converts it to float32.
func (f *File) Float32(name string) ([]float32, []int, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	v, err := t.Float32s()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", f.Path, name, err)
	}
	return v, t.Shape, nil
}

// Float64 looks a tensor up by name and converts it to float64.
func (f *File) Float64(name string) ([]float64, []int, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	v, err := t.Float64s()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", f.Path, name, err)
	}
	return v, t.Shape, nil
}

// Int looks a tensor up by name and converts it to int.
func (f *File) Int(name string) ([]int, []int, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	v, err := t.Ints()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %s: %w", f.Path, name, err)
	}
	return v, t.Shape, nil
}

// Has reports whether the file holds a tensor called name.
func (f *File) Has(name string) bool { _, ok := f.Tensors[name]; return ok }

// Writer collects tensors and writes them in one safetensors file, names sorted.
type Writer struct {
	tensors  map[string]Tensor
	Metadata map[string]string
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer { return &Writer{tensors: map[string]Tensor{}, Metadata: map[string]string{}} }

// AddFloat32 stores v as an F32 tensor of the given shape.
func (w *Writer) AddFloat32(name string, shape []int, v []float32) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	w.tensors[name] = Tensor{DType: "F32", Shape: append([]int{}, shape...), Data: b}
}

// AddFloat64 stores v as an F64 tensor of the given shape.
func (w *Writer) AddFloat64(name string, shape []int, v []float64) {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	w.tensors[name] = Tensor{DType: "F64", Shape: append([]int{}, shape...), Data: b}
}

// AddInt64 stores v as an I64 tensor of the given shape.
func (w *Writer) AddInt64(name string, shape []int, v []int) {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(int64(x)))
	}
	w.tensors[name] = Tensor{DType: "I64", Shape: append([]int{}, shape...), Data: b}
}

// WriteTo writes the file. Tensors are laid out in name order, so equal content gives equal bytes.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	names := make([]string, 0, len(w.tensors))
	for n := range w.tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(w.Metadata) > 0 {
		header["__metadata__"] = w.Metadata
	}
	var off int64
	for _, n := range names {
		t := w.tensors[n]
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[n] = headerEntry{DType: t.DType, Shape: shape, Offsets: [2]int64{off, off + int64(len(t.Data))}}
		off += int64(len(t.Data))
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return 0, err
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, uint64(len(hj)))
	buf.Write(hj)
	for _, n := range names {
		buf.Write(w.tensors[n].Data)
	}
	return buf.WriteTo(out)
}
