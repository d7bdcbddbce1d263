package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sweep/core"
	"sweep/safetensors"
	"sweep/torchpt"
)

// pthSource serves a PyTorch state_dict's tensors by name.
type pthSource map[string]torchpt.Tensor

func (s pthSource) Has(name string) bool { _, ok := s[name]; return ok }

func (s pthSource) Float32(name string) ([]float32, []int, error) {
	t := s[name]
	if t.Float32 == nil {
		return nil, nil, fmt.Errorf("%s is %s, not a float tensor", name, t.DType)
	}
	return t.Float32, t.Shape, nil
}

// source is a checkpoint's generator tensors under their state_dict names, with shapes.
type source struct {
	core.TensorSource
	prefix string
	shapes map[string][]int
}

// Bounds on what LoadGenerator accepts, as the sweep configuration bounds ngf and n_blocks:
// a hostile or corrupt file cannot ask for a generator much larger than itself.
const (
	MaxNGF    = 1024
	MaxBlocks = 64
)

// LoadGenerator reads a generator from a PyTorch .pth state_dict (keys model.1.weight, ...,
// or module.model.1.weight, ... as DataParallel saves them: all keys or none) or from one of our safetensors checkpoints (keys G.model.1.weight, ...). The width and
// depth are read from the weights and bounded (MaxNGF, MaxBlocks), and every tensor's name
// and shape is checked against that generator before it is allocated; every missing,
// unexpected or mis-shaped key is listed.
func LoadGenerator(path string) (*core.Generator, error) {
	g, _, err := LoadGeneratorInfo(path)
	return g, err
}

// Info is what a checkpoint records about the training that produced it.
type Info struct {
	CropSize int // the run's crop_size, the size it was trained and tested at; 0: not recorded
}

// LoadGeneratorInfo is LoadGenerator, and returns what a sweep checkpoint's metadata
// records of its run (a .pth file records nothing).
func LoadGeneratorInfo(path string) (*core.Generator, Info, error) {
	src, err := open(path)
	if err != nil {
		return nil, Info{}, err
	}
	info, err := readInfo(src)
	if err != nil {
		return nil, Info{}, fmt.Errorf("%s: %w", path, err)
	}
	g, err := loadGenerator(path, src)
	return g, info, err
}

// readInfo reads the run configuration a sweep checkpoint stores as its "config" metadata.
func readInfo(src source) (Info, error) {
	st, ok := src.TensorSource.(*safetensors.File)
	if !ok || st.Metadata["config"] == "" {
		return Info{}, nil
	}
	var cfg struct {
		CropSize int `json:"crop_size"`
	}
	if err := json.Unmarshal([]byte(st.Metadata["config"]), &cfg); err != nil {
		return Info{}, fmt.Errorf("metadata config: %w", err)
	}
	if cfg.CropSize < 0 {
		return Info{}, fmt.Errorf("metadata config: crop_size %d", cfg.CropSize)
	}
	return Info{CropSize: cfg.CropSize}, nil
}

func loadGenerator(path string, src source) (*core.Generator, error) {
	ngf, nBlocks, err := architecture(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	params := GeneratorShapes(ngf, nBlocks)
	buffers := (&core.Generator{NGF: ngf, NBlocks: nBlocks}).FilterBuffers()
	if err := checkKeys(src, params, buffers); err != nil {
		return nil, fmt.Errorf("%s: generator of ngf %d with %d blocks: %w", path, ngf, nBlocks, err)
	}
	g := core.NewGenerator(ngf, nBlocks)
	if err := g.LoadWeights(src, src.prefix, buffers); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// architecture derives ngf from the stem convolution model.1.weight [ngf,3,7,7] and the
// number of residual blocks from the block keys, within MaxNGF and MaxBlocks.
func architecture(src source) (ngf, nBlocks int, err error) {
	stem, ok := src.shapes[src.prefix+"model.1.weight"]
	if !ok || len(stem) != 4 || stem[1] != 3 || stem[2] != 7 || stem[3] != 7 {
		return 0, 0, fmt.Errorf("not a ResNet generator checkpoint: no 7x7 stem convolution model.1.weight [ngf,3,7,7]%s", hint(src))
	}
	if ngf = stem[0]; ngf < 1 || ngf > MaxNGF {
		return 0, 0, fmt.Errorf("stem convolution model.1.weight %v gives ngf %d; allowed: 1..%d", stem, ngf, MaxNGF)
	}
	if nBlocks = countBlocks(src); nBlocks < 1 || nBlocks > MaxBlocks {
		return 0, 0, fmt.Errorf("%d residual blocks (model.N.conv_block.1.weight); allowed: 1..%d", nBlocks, MaxBlocks)
	}
	return ngf, nBlocks, nil
}

// GeneratorShapes lists the parameters of core.NewGenerator(ngf, nBlocks) by state_dict
// name without allocating them (it mirrors NewGenerator; a test keeps the two equal).
func GeneratorShapes(ngf, nBlocks int) map[string][]int {
	shapes := map[string][]int{}
	conv := func(name string, in, out, k int) {
		shapes[name+".weight"] = []int{out, in, k, k}
		shapes[name+".bias"] = []int{out}
	}
	conv("model.1", 3, ngf, 7)
	conv("model.4", ngf, 2*ngf, 3)
	conv("model.8", 2*ngf, 4*ngf, 3)
	for i := range nBlocks {
		conv(fmt.Sprintf("model.%d.conv_block.1", 12+i), 4*ngf, 4*ngf, 3)
		conv(fmt.Sprintf("model.%d.conv_block.5", 12+i), 4*ngf, 4*ngf, 3)
	}
	u := 12 + nBlocks
	conv(fmt.Sprintf("model.%d", u+1), 4*ngf, 2*ngf, 3)
	conv(fmt.Sprintf("model.%d", u+5), 2*ngf, ngf, 3)
	conv(fmt.Sprintf("model.%d", u+9), ngf, 3, 7)
	return shapes
}

// open reads a safetensors checkpoint or, failing that, a PyTorch one. When neither reader
// accepts the file, the error says what each one found wrong.
func open(path string) (source, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return source{}, err
	}
	st, stErr := safetensors.Parse(raw)
	if stErr == nil {
		st.Path = path
		shapes := map[string][]int{}
		for n, t := range st.Tensors {
			shapes[n] = t.Shape
		}
		return source{st, "G.", shapes}, nil
	}
	ts, ptErr := torchpt.Parse(bytes.NewReader(raw), int64(len(raw)))
	if ptErr != nil {
		return source{}, fmt.Errorf("%s is neither a safetensors checkpoint (safetensors: %v) nor a PyTorch state_dict (torchpt: %v)", path, stErr, ptErr)
	}
	if ts, err = torchpt.TrimDataParallel(ts); err != nil {
		return source{}, fmt.Errorf("%s: %w", path, err)
	}
	tensors, shapes := pthSource{}, map[string][]int{}
	for _, t := range ts {
		tensors[t.Name], shapes[t.Name] = t, t.Shape
	}
	return source{tensors, "", shapes}, nil
}

var blockKey = regexp.MustCompile(`^model\.(\d+)\.conv_block\.1\.weight$`)

// countBlocks counts the residual blocks' first convolutions.
func countBlocks(src source) int {
	n := 0
	for name := range src.shapes {
		if blockKey.MatchString(strings.TrimPrefix(name, src.prefix)) {
			n++
		}
	}
	return n
}

// hint names what the checkpoint looks like when it is not a generator.
func hint(src source) string {
	if s, ok := src.shapes[src.prefix+"model.0.weight"]; ok && len(s) == 4 && s[2] == 4 {
		return " (this looks like a discriminator: its first layer is a 4x4 convolution model.0.weight)"
	}
	return ""
}

// checkKeys compares the file's tensors under the generator's prefix with the parameters
// the generator needs and the filter buffers it may have: it lists the missing parameters,
// the unexpected keys and the mis-shaped tensors.
func checkKeys(src source, params, buffers map[string][]int) error {
	var missing, extra, misShaped []string
	for name := range params {
		if _, ok := src.shapes[src.prefix+name]; !ok {
			missing = append(missing, src.prefix+name)
		}
	}
	for key, shape := range src.shapes {
		name, ok := strings.CutPrefix(key, src.prefix)
		if !ok {
			continue
		}
		want, ok := params[name]
		if !ok {
			want, ok = buffers[name]
		}
		switch {
		case !ok:
			extra = append(extra, key)
		case !slices.Equal(shape, want):
			misShaped = append(misShaped, fmt.Sprintf("%s has shape %v, want %v", key, shape, want))
		}
	}
	var parts []string
	for _, l := range []struct {
		what  string
		names []string
	}{{"missing", missing}, {"unexpected", extra}, {"mis-shaped", misShaped}} {
		if len(l.names) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s: %s", len(l.names), l.what, firstNames(l.names)))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return errors.New(strings.Join(parts, "; "))
}

// maxListed bounds how many names an error lists of each kind.
const maxListed = 8

// firstNames sorts names and joins the first maxListed of them.
func firstNames(names []string) string {
	sort.Strings(names)
	if len(names) > maxListed {
		return strings.Join(names[:maxListed], ", ") + ", ..."
	}
	return strings.Join(names, ", ")
}
