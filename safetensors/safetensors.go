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
	"math/bits"
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

// Parse decodes a whole safetensors file held in memory. Every tensor's shape is checked
// here, once: non-negative dimensions whose product does not overflow, a byte span equal to
// that product times the dtype size, inside the data, and not overlapping another tensor's.
// After Parse, Len and the conversions cannot overflow or read out of range.
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
	spans := map[string][2]int64{}
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
		spans[name] = e.Offsets
	}
	if err := checkOverlap(spans); err != nil {
		return nil, err
	}
	return f, nil
}

// tensor checks the entry against the data section and returns its tensor.
func (e headerEntry) tensor(data []byte) (Tensor, error) {
	size, ok := dtypeSize[e.DType]
	if !ok {
		return Tensor{}, fmt.Errorf("unknown dtype %q", e.DType)
	}
	count, err := elements(e.Shape)
	if err != nil {
		return Tensor{}, err
	}
	nbytes, ok := mul(count, int64(size))
	b, end := e.Offsets[0], e.Offsets[1]
	if !ok || b < 0 || end < b || end > int64(len(data)) || end-b != nbytes {
		return Tensor{}, fmt.Errorf("offsets %v do not fit shape %v of %s in %d data bytes", e.Offsets, e.Shape, e.DType, len(data))
	}
	return Tensor{DType: e.DType, Shape: e.Shape, Data: data[b:end]}, nil
}

// elements is the product of shape, refusing negative dimensions and overflow.
func elements(shape []int) (int64, error) {
	count := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		var ok bool
		if count, ok = mul(count, int64(d)); !ok {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, int64(math.MaxInt64))
		}
	}
	return count, nil
}

// mul multiplies two non-negative int64s, reporting whether the product fits.
func mul(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return int64(lo), hi == 0 && lo <= math.MaxInt64
}

// checkOverlap refuses tensors whose byte ranges overlap, as the safetensors format does:
// aliased data would let a small file expand into many copies when converted.
func checkOverlap(spans map[string][2]int64) error {
	names := make([]string, 0, len(spans))
	for n := range spans {
		if spans[n][1] > spans[n][0] {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := spans[names[i]][0], spans[names[j]][0]
		return a < b || a == b && names[i] < names[j]
	})
	for i := 1; i < len(names); i++ {
		if a, b := spans[names[i-1]], spans[names[i]]; b[0] < a[1] {
			return fmt.Errorf("tensors %q %v and %q %v overlap", names[i-1], a, names[i], b)
		}
	}
	return nil
}

// check reports whether Data holds exactly Len elements of DType, so the conversions
// below cannot index out of range even for a Tensor built by hand.
func (t Tensor) check() error {
	size, ok := dtypeSize[t.DType]
	if !ok {
		return fmt.Errorf("unknown dtype %q", t.DType)
	}
	count, err := elements(t.Shape)
	if err != nil {
		return err
	}
	if n, ok := mul(count, int64(size)); !ok || n != int64(len(t.Data)) {
		return fmt.Errorf("shape %v of %s does not match %d data bytes", t.Shape, t.DType, len(t.Data))
	}
	return nil
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
	if err := t.check(); err != nil {
		return nil, err
	}
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
	if err := t.check(); err != nil {
		return nil, err
	}
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
	if err := t.check(); err != nil {
		return nil, err
	}
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
