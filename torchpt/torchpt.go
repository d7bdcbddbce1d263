// Package torchpt reads PyTorch checkpoints (torch.save files, .pth/.pt) without
// Python and without running any code from the file.
//
// A .pth file is a pickle, and unpickling one in Python can run arbitrary code. This
// package interprets the pickle itself and accepts only what a state_dict needs:
// plain containers, collections.OrderedDict, torch's tensor-rebuild functions and
// typed-storage classes. Anything else (os.system, builtins.eval, unknown opcodes,
// objects with custom state) is refused with an error that names it.
//
// Both the zip format (PyTorch >= 1.6) and the older "legacy" stream format are read.
// The tar format of PyTorch < 0.4 is refused.
package torchpt

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Tensor is one named tensor of a checkpoint, made contiguous (row-major).
type Tensor struct {
	Name  string
	DType string // F32, F64, F16, BF16, I64, I32, I16, I8, U8 or BOOL: the stored type
	Shape []int
	// Float32 holds the values of float tensors (F64 is rounded to float32).
	Float32 []float32
	// Int64 holds the values of integer and BOOL tensors (BOOL as 0/1).
	Int64 []int64
}

// Len is the number of elements.
func (t Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Load reads the checkpoint at path and returns its tensors in file order.
func Load(path string) ([]Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ts, err := Parse(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, nil
}

// LoadMap reads the state_dict at path and returns its tensors by key, without the
// DataParallel prefix "module." when every key has it (TrimDataParallel).
func LoadMap(path string) (map[string]Tensor, error) {
	ts, err := Load(path)
	if err != nil {
		return nil, err
	}
	if ts, err = TrimDataParallel(ts); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := make(map[string]Tensor, len(ts))
	for _, t := range ts {
		m[t.Name] = t
	}
	return m, nil
}

// Build loads the state_dict at path (LoadMap) and makes a network of it with build; an
// error of build names the file.
func Build[T any](path string, build func(map[string]Tensor) (T, error)) (T, error) {
	var zero T
	ts, err := LoadMap(path)
	if err != nil {
		return zero, err
	}
	n, err := build(ts)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

var (
	zipMagic    = []byte("PK\x03\x04")
	legacyMagic = []byte("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19")
)

// Parse reads a checkpoint of size bytes from r.
//
// Tensors are named by their path in the saved object: a state_dict gives its own
// keys; nested dicts and lists give dotted names ("state_dict.conv.weight",
// "layers.0"); a single saved tensor is named "". Values other than tensors and
// containers (numbers, strings, None) are skipped.
func Parse(r io.ReaderAt, size int64) ([]Tensor, error) {
	head := make([]byte, len(legacyMagic))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return parseZip(r, size)
	case bytes.HasPrefix(head, legacyMagic):
		return parseLegacy(r, size)
	case isTar(r, size):
		return nil, fmt.Errorf("tar-format checkpoint (PyTorch < 0.4) is not supported; re-save it with a newer PyTorch")
	}
	return nil, fmt.Errorf("not a PyTorch checkpoint (neither the zip nor the legacy torch.save format)")
}

// isTar reports whether a ustar header is at the start of r.
func isTar(r io.ReaderAt, size int64) bool {
	if size < 512 {
		return false
	}
	magic := make([]byte, 5)
	n, _ := r.ReadAt(magic, 257)
	return n == 5 && string(magic) == "ustar"
}

// storageSource gives the raw bytes of root storages.
type storageSource interface {
	storage(root *storageRef) ([]byte, error)
}

// maxName bounds tensor names; real state_dict keys are far shorter.
const maxName = 4096

// collect names the tensors of obj and reads their data. Every tensor, with its name,
// is charged to the loader's budget, so repeated references to one big tensor cannot
// multiply the memory used.
func (l *loader) collect(obj any, src storageSource) ([]Tensor, error) {
	var named []namedRef
	if err := l.walk(obj, nil, map[any]bool{}, &named); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	cache := map[string][]byte{}
	out := make([]Tensor, 0, len(named))
	for _, nr := range named {
		if seen[nr.name] {
			return nil, fmt.Errorf("two tensors are named %q", nr.name)
		}
		seen[nr.name] = true
		raw, ok := cache[nr.t.st.key]
		if !ok {
			var err error
			if raw, err = src.storage(nr.t.st); err != nil {
				return nil, fmt.Errorf("tensor %q: %w", nr.name, err)
			}
			cache[nr.t.st.key] = raw
		}
		out = append(out, l.tensor(nr, raw))
	}
	return out, nil
}

func (l *loader) tensor(nr namedRef, raw []byte) Tensor {
	shape := make([]int, len(nr.t.size))
	for i, n := range nr.t.size {
		shape[i] = int(n)
	}
	f32, i64 := gather(nr.t, raw, l.bigEndian)
	return Tensor{Name: nr.name, DType: nr.t.st.dt.name, Shape: shape, Float32: f32, Int64: i64}
}

type namedRef struct {
	name string
	t    *tensorRef
}

// maxDepth bounds container nesting; state dicts nest two or three levels.
const maxDepth = 100

// walk lists the tensors reachable from v in order, path being the keys that lead to
// v. Each container is visited once, so shared or cyclic structures cost linear time.
func (l *loader) walk(v any, path []string, seen map[any]bool, out *[]namedRef) error {
	var keys []any
	var items []any
	switch v := v.(type) {
	case *tensorRef:
		return l.emit(v, path, out)
	case *pyDict:
		keys, items = v.keys, v.vals
	case *pyList:
		items = v.items
	case *pyTuple:
		items = v.items
	default:
		return nil
	}
	if seen[v] {
		return nil
	}
	seen[v] = true
	if len(path) >= maxDepth {
		return fmt.Errorf("containers nested deeper than %d levels", maxDepth)
	}
	for i, x := range items {
		var k string
		if keys != nil {
			k = keyString(keys[i])
		} else {
			k = strconv.Itoa(i)
		}
		if err := l.walk(x, append(path, k), seen, out); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) emit(t *tensorRef, path []string, out *[]namedRef) error {
	n := len(path)
	for _, k := range path {
		n += len(k)
	}
	if n > maxName {
		return fmt.Errorf("tensor name longer than %d bytes", maxName)
	}
	name := strings.Join(path, ".")
	cost := t.numel + 1 + int64(len(name))
	if cost > l.budget {
		return fmt.Errorf("tensor %q of size %v: the tensors would hold more data than the file can (%d elements for %d input bytes); is one storage referenced many times?",
			name, t.size, l.limit, l.inputSize)
	}
	l.budget -= cost
	*out = append(*out, namedRef{name, t})
	return nil
}

func keyString(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case int64:
		return strconv.FormatInt(k, 10)
	}
	return fmt.Sprint(k)
}
