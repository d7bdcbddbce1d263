package torchpt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// dtype describes the element type of a torch storage class.
type dtype struct {
	name  string // safetensors-style name: F32, I64, ...
	size  int    // bytes per element
	float bool
}

// storageTypes maps torch's legacy typed-storage class names (what torch.save still
// writes in persistent ids) to element types.
var storageTypes = map[string]dtype{
	"FloatStorage":    {"F32", 4, true},
	"DoubleStorage":   {"F64", 8, true},
	"HalfStorage":     {"F16", 2, true},
	"BFloat16Storage": {"BF16", 2, true},
	"LongStorage":     {"I64", 8, false},
	"IntStorage":      {"I32", 4, false},
	"ShortStorage":    {"I16", 2, false},
	"CharStorage":     {"I8", 1, false},
	"ByteStorage":     {"U8", 1, false},
	"BoolStorage":     {"BOOL", 1, false},
}

var (
	gOrderedDict     = pyGlobal{"collections", "OrderedDict"}
	gRebuildTensorV2 = pyGlobal{"torch._utils", "_rebuild_tensor_v2"}
	gRebuildTensor   = pyGlobal{"torch._utils", "_rebuild_tensor"}
	gRebuildParam    = pyGlobal{"torch._utils", "_rebuild_parameter"}
)

// allowedGlobal is the whole list of Python names a checkpoint may mention.
func allowedGlobal(g pyGlobal) bool {
	switch g {
	case gOrderedDict, gRebuildTensorV2, gRebuildTensor, gRebuildParam:
		return true
	}
	_, ok := storageTypes[g.name]
	return ok && g.module == "torch"
}

// storageRef is a persistent-id storage: a range of a root storage saved under key.
type storageRef struct {
	key     string
	dt      dtype
	numel   int64 // elements of the root storage
	viewOff int64 // first element this reference sees
	viewLen int64 // elements this reference sees
}

// tensorRef is a rebuilt tensor before its data is read.
type tensorRef struct {
	st     *storageRef
	offset int64
	size   []int64
	stride []int64
	numel  int64
}

// maxDims bounds tensor rank; torch itself stops at 64.
const maxDims = 64

// loader holds what one file's pickle refers to.
type loader struct {
	roots     map[string]*storageRef // root storages by key, as first declared
	budget    int64                  // output elements still allowed
	limit     int64                  // initial budget
	inputSize int64
	bigEndian bool
}

func newLoader(inputSize int64) *loader {
	// Each output element must come from input bytes, except where tensors share a
	// storage; this bound keeps a tiny hostile file from asking for gigabytes.
	limit := inputSize + 1<<16
	return &loader{roots: map[string]*storageRef{}, budget: limit, limit: limit, inputSize: inputSize}
}

// declare records a root storage and checks that every reference agrees on it.
func (l *loader) declare(key string, dt dtype, numel int64) (*storageRef, error) {
	if numel < 0 || numel > math.MaxInt64/8 {
		return nil, fmt.Errorf("storage %q: bad element count %d", key, numel)
	}
	if r, ok := l.roots[key]; ok {
		if r.dt != dt || r.numel != numel {
			return nil, fmt.Errorf("storage %q is declared both as %d %s and %d %s", key, r.numel, r.dt.name, numel, dt.name)
		}
		return r, nil
	}
	r := &storageRef{key: key, dt: dt, numel: numel, viewLen: numel}
	l.roots[key] = r
	return r, nil
}

// storageClass checks the storage-type element of a persistent id.
func storageClass(v any) (dtype, error) {
	g, ok := v.(pyGlobal)
	if !ok {
		return dtype{}, fmt.Errorf("storage type is a %s", typeName(v))
	}
	dt, ok := storageTypes[g.name]
	if !ok || g.module != "torch" {
		return dtype{}, fmt.Errorf("unsupported storage type %s", g)
	}
	return dt, nil
}

func asString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	}
	return "", false
}

// persistentLoad resolves ('storage', type, key, location, numel[, view]) ids: five
// elements in the zip format, six (with view metadata) in the legacy one.
func (l *loader) persistentLoad(pid any) (any, error) {
	t, ok := pid.(*pyTuple)
	if !ok || (len(t.items) != 5 && len(t.items) != 6) {
		return nil, fmt.Errorf("refusing persistent id %s (want a storage tuple)", describe(pid))
	}
	if s, ok := asString(t.items[0]); !ok || s != "storage" {
		return nil, fmt.Errorf("refusing persistent id of kind %s", describe(t.items[0]))
	}
	dt, err := storageClass(t.items[1])
	if err != nil {
		return nil, err
	}
	key, ok1 := asString(t.items[2])
	_, ok2 := asString(t.items[3])
	numel, ok3 := t.items[4].(int64)
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("malformed storage id %s", describe(pid))
	}
	root, err := l.declare(key, dt, numel)
	if err != nil {
		return nil, err
	}
	if len(t.items) == 6 {
		return l.view(root, t.items[5])
	}
	return root, nil
}

// view applies legacy view metadata (view_key, offset, size), in elements.
func (l *loader) view(root *storageRef, meta any) (*storageRef, error) {
	if _, ok := meta.(pyNone); ok {
		return root, nil
	}
	t, ok := meta.(*pyTuple)
	if !ok || len(t.items) != 3 {
		return nil, fmt.Errorf("malformed storage view %s", describe(meta))
	}
	off, ok1 := t.items[1].(int64)
	n, ok2 := t.items[2].(int64)
	if !ok1 || !ok2 || off < 0 || n < 0 || off > root.numel || n > root.numel-off {
		return nil, fmt.Errorf("storage view %s does not fit storage %q of %d elements", describe(meta), root.key, root.numel)
	}
	v := *root
	v.viewOff, v.viewLen = off, n
	return &v, nil
}

// reduce interprets a REDUCE of one of the allowed globals.
func (l *loader) reduce(fn pyGlobal, args *pyTuple) (any, error) {
	a := args.items
	switch fn {
	case gOrderedDict:
		if len(a) != 0 {
			return nil, errors.New("only OrderedDict() without arguments is accepted")
		}
		return newDict(true), nil
	case gRebuildTensorV2:
		if len(a) != 6 && len(a) != 7 {
			return nil, fmt.Errorf("want 6 or 7 arguments, got %d", len(a))
		}
		return l.rebuildTensor(a[:4])
	case gRebuildTensor:
		if len(a) != 4 {
			return nil, fmt.Errorf("want 4 arguments, got %d", len(a))
		}
		return l.rebuildTensor(a)
	case gRebuildParam:
		if len(a) != 3 {
			return nil, fmt.Errorf("want 3 arguments, got %d", len(a))
		}
		t, ok := a[0].(*tensorRef)
		if !ok {
			return nil, fmt.Errorf("parameter data is a %s", typeName(a[0]))
		}
		return t, nil
	}
	return nil, errors.New("refusing to call it")
}

// rebuildTensor checks (storage, storage_offset, size, stride) and returns the
// tensor it describes.
func (l *loader) rebuildTensor(a []any) (*tensorRef, error) {
	st, ok := a[0].(*storageRef)
	if !ok {
		return nil, fmt.Errorf("tensor storage is a %s", typeName(a[0]))
	}
	off, ok := a[1].(int64)
	if !ok || off < 0 {
		return nil, fmt.Errorf("bad storage offset %s", describe(a[1]))
	}
	size, err := intTuple(a[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(a[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("size %v and stride %v differ in rank", size, stride)
	}
	t := &tensorRef{st: st, offset: off, size: size, stride: stride}
	if err := checkExtent(t); err != nil {
		return nil, err
	}
	return t, nil
}

func intTuple(v any, what string) ([]int64, error) {
	t, ok := v.(*pyTuple)
	if !ok {
		return nil, fmt.Errorf("tensor %s is a %s", what, typeName(v))
	}
	if len(t.items) > maxDims {
		return nil, fmt.Errorf("tensor %s has %d dimensions", what, len(t.items))
	}
	out := make([]int64, len(t.items))
	for i, x := range t.items {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("bad tensor %s %s", what, describe(v))
		}
		out[i] = n
	}
	return out, nil
}

// checkExtent verifies that every element of t lies inside its storage.
func checkExtent(t *tensorRef) error {
	numel, last := int64(1), t.offset
	for i, n := range t.size {
		var ok bool
		if numel, ok = mulInt(numel, n); !ok {
			return fmt.Errorf("tensor size %v overflows", t.size)
		}
		if n > 0 {
			step, ok1 := mulInt(n-1, t.stride[i])
			sum, ok2 := addInt(last, step)
			if !ok1 || !ok2 {
				return fmt.Errorf("tensor size %v stride %v overflows", t.size, t.stride)
			}
			last = sum
		}
	}
	t.numel = numel
	if numel > 0 && last >= t.st.viewLen {
		return fmt.Errorf("tensor of size %v, stride %v, offset %d reaches element %d, but storage %q has %d elements",
			t.size, t.stride, t.offset, last, t.st.key, t.st.viewLen)
	}
	return nil
}

func mulInt(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return int64(lo), hi == 0 && lo <= math.MaxInt64
}

func addInt(a, b int64) (int64, bool) {
	s := a + b
	return s, s >= a
}

// describe renders a small value for an error message.
func describe(v any) string { return describeDepth(v, 0) }

func describeDepth(v any, depth int) string {
	switch v := v.(type) {
	case string:
		return printable(fmt.Sprintf("%q", v))
	case int64, bool, float64:
		return fmt.Sprint(v)
	case *pyTuple:
		if len(v.items) > 8 || depth > 2 {
			return fmt.Sprintf("tuple of %d items", len(v.items))
		}
		s := "("
		for i, x := range v.items {
			if i > 0 {
				s += ", "
			}
			s += describeDepth(x, depth+1)
		}
		return s + ")"
	}
	return typeName(v)
}

// gather copies t's elements out of the raw bytes of its root storage, converting
// them to float32 or int64.
func gather(t *tensorRef, raw []byte, bigEndian bool) ([]float32, []int64) {
	dt := t.st.dt
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	var f32 []float32
	var i64 []int64
	if dt.float {
		f32 = make([]float32, t.numel)
	} else {
		i64 = make([]int64, t.numel)
	}
	if dt.name == "F32" && !bigEndian && contiguous(t) {
		b := raw[(t.st.viewOff+t.offset)*4:]
		for i := range f32 {
			f32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return f32, nil
	}
	forEachOffset(t, t.st.viewOff+t.offset, func(i int, at int64) {
		b := raw[at*int64(dt.size):]
		if dt.float {
			f32[i] = decodeFloat(dt.name, b, order)
		} else {
			i64[i] = decodeInt(dt.name, b, order)
		}
	})
	return f32, i64
}

// contiguous reports whether t's elements lie in row-major order without gaps.
func contiguous(t *tensorRef) bool {
	want := int64(1)
	for d := len(t.size) - 1; d >= 0; d-- {
		if t.size[d] != 1 && t.stride[d] != want {
			return false
		}
		want *= t.size[d]
	}
	return true
}

// forEachOffset calls fn with each element's index (row-major) and its element
// offset in the storage, in linear time.
func forEachOffset(t *tensorRef, base int64, fn func(i int, at int64)) {
	idx := make([]int64, len(t.size))
	at := base
	for i := int64(0); i < t.numel; i++ {
		fn(int(i), at)
		for d := len(t.size) - 1; d >= 0; d-- {
			idx[d]++
			at += t.stride[d]
			if idx[d] < t.size[d] {
				break
			}
			at -= t.stride[d] * t.size[d]
			idx[d] = 0
		}
	}
}

func decodeFloat(name string, b []byte, order binary.ByteOrder) float32 {
	switch name {
	case "F32":
		return math.Float32frombits(order.Uint32(b))
	case "F64":
		return float32(math.Float64frombits(order.Uint64(b)))
	case "F16":
		return halfToFloat32(order.Uint16(b))
	default: // BF16
		return math.Float32frombits(uint32(order.Uint16(b)) << 16)
	}
}

func decodeInt(name string, b []byte, order binary.ByteOrder) int64 {
	switch name {
	case "I64":
		return int64(order.Uint64(b))
	case "I32":
		return int64(int32(order.Uint32(b)))
	case "I16":
		return int64(int16(order.Uint16(b)))
	case "I8":
		return int64(int8(b[0]))
	case "BOOL":
		if b[0] != 0 {
			return 1
		}
		return 0
	default: // U8
		return int64(b[0])
	}
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0:
		f := float32(mant) / (1 << 24) // subnormal (or zero)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}
