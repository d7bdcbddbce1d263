// Package translate applies a trained generator to a folder of images: it loads official
// PyTorch checkpoints (latest_net_G.pth) or our safetensors checkpoints and writes PNGs.
package translate

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sweep/core"
	"sweep/data"
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

// LoadGenerator reads a generator from a PyTorch .pth state_dict (keys model.1.weight, ...)
// or from one of our safetensors checkpoints (keys G.model.1.weight, ...). The width and
// depth are read from the weights; every missing, unexpected or mis-shaped key is listed.
func LoadGenerator(path string) (*core.Generator, error) {
	src, err := open(path)
	if err != nil {
		return nil, err
	}
	stem, ok := src.shapes[src.prefix+"model.1.weight"]
	if !ok || len(stem) != 4 || stem[1] != 3 || stem[2] != 7 {
		return nil, fmt.Errorf("%s: not a ResNet generator checkpoint: no 7x7 stem convolution model.1.weight [ngf,3,7,7]%s", path, hint(src))
	}
	g := core.NewGenerator(stem[0], countBlocks(src))
	if err := checkKeys(src, g); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := g.LoadWeights(src, src.prefix, g.FilterBuffers()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

func open(path string) (source, error) {
	if st, err := safetensors.ReadFile(path); err == nil {
		shapes := map[string][]int{}
		for n, t := range st.Tensors {
			shapes[n] = t.Shape
		}
		return source{st, "G.", shapes}, nil
	}
	ts, err := torchpt.LoadMap(path)
	if err != nil {
		return source{}, fmt.Errorf("%s is neither a safetensors checkpoint nor a PyTorch state_dict: %w", path, err)
	}
	shapes := map[string][]int{}
	for n, t := range ts {
		shapes[n] = t.Shape
	}
	return source{pthSource(ts), "", shapes}, nil
}

var blockKey = regexp.MustCompile(`^model\.(\d+)\.conv_block\.1\.weight$`)

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

// checkKeys lists the keys the generator needs but the file lacks, and the file's keys
// (under the generator's prefix) that the generator does not have.
func checkKeys(src source, g *core.Generator) error {
	want := map[string]bool{}
	for _, p := range g.Params {
		want[src.prefix+p.Name] = true
	}
	for name := range g.FilterBuffers() {
		want[src.prefix+name] = true
	}
	var missing, extra []string
	for name := range want {
		if _, ok := src.shapes[name]; !ok && !strings.HasSuffix(name, ".filt") {
			missing = append(missing, name)
		}
	}
	for name := range src.shapes {
		if strings.HasPrefix(name, src.prefix) && !want[name] {
			extra = append(extra, name)
		}
	}
	if len(missing)+len(extra) == 0 {
		return nil
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return fmt.Errorf("generator keys: missing %v, unexpected %v", missing, extra)
}

// Dir translates every PNG/JPEG image of in (sorted) at size×size and writes
// out/<name>.png with the reference quantization. progress gets (done, total).
func Dir(g *core.Generator, in, out string, size int, progress func(done, total int)) error {
	entries, err := os.ReadDir(in)
	if err != nil {
		return err
	}
	var files []string
	for _, e := range entries {
		if ext := strings.ToLower(filepath.Ext(e.Name())); !e.IsDir() && slices.Contains([]string{".png", ".jpg", ".jpeg"}, ext) {
			files = append(files, e.Name())
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no PNG or JPEG images", in)
	}
	sort.Strings(files)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for i, name := range files {
		img, err := data.ReadTestImage(filepath.Join(in, name), size)
		if err != nil {
			return err
		}
		y, _ := g.Forward(nil, core.NewVar(img.Pix, 3, size, size), false)
		fake := data.Image{C: 3, H: size, W: size, Pix: y.Data}
		if err := data.WritePNG(filepath.Join(out, strings.TrimSuffix(name, filepath.Ext(name))+".png"), fake); err != nil {
			return err
		}
		progress(i+1, len(files))
	}
	return nil
}
