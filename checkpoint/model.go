// Package checkpoint reads and writes trained networks: our safetensors checkpoints of a
// whole model (weights, the fixed filter buffers, Adam's state) and, for translation, a
// generator from them or from an official PyTorch .pth state_dict.
package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"sweep/core"
	"sweep/ops"
	"sweep/safetensors"
	"sweep/tensor"
)

// addWeights stores every parameter of n under prefix+name.
func addWeights(w *safetensors.Writer, n *core.Net, prefix string) {
	for _, p := range n.Params {
		w.AddFloat32(prefix+p.Name, p.Shape, p.Data)
	}
}

// addFilters stores the fixed filter buffers so PyTorch code can load our weights as they are.
func addFilters(w *safetensors.Writer, prefix string, buffers map[string][]int) {
	for name, shape := range buffers {
		f := ops.DownFilter
		if shape[3] == 4 {
			f = ops.UpFilter
		}
		v := make([]float32, tensor.Numel(shape))
		for i := range v {
			v[i] = f[i%len(f)]
		}
		w.AddFloat32(prefix+name, shape, v)
	}
}

// Write writes every network of m: the weights (PyTorch names, prefixed "G.", "D.", "F."),
// the fixed filter buffers, the Adam moments ("adam.G.<name>.m"/".v") and step counts, and
// meta, as one safetensors file.
func Write(out io.Writer, m *core.Model, meta map[string]string) error {
	w := safetensors.NewWriter()
	for k, v := range meta {
		w.Metadata[k] = v
	}
	for prefix, n := range m.Nets() {
		addWeights(w, n, prefix+".")
		for _, p := range n.Params {
			if p.M != nil {
				w.AddFloat32("adam."+prefix+"."+p.Name+".m", p.Shape, p.M)
				w.AddFloat32("adam."+prefix+"."+p.Name+".v", p.Shape, p.V)
			}
		}
	}
	addFilters(w, "G.", m.G.FilterBuffers())
	addFilters(w, "D.", m.D.FilterBuffers())
	for name, a := range map[string]*core.Adam{"G": m.AdamG, "D": m.AdamD, "F": m.AdamF} {
		w.Metadata["adam_step."+name] = fmt.Sprint(a.Step)
	}
	_, err := w.WriteTo(out)
	return err
}

// Load restores into m what Write wrote (weights, filter buffers, Adam moments
// and step counts) and returns its metadata. Every problem is an error naming the file.
func Load(path string, m *core.Model) (map[string]string, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	buffers := map[string]map[string][]int{"G": m.G.FilterBuffers(), "D": m.D.FilterBuffers(), "F": nil}
	var problems []error
	for _, prefix := range []string{"G", "D", "F"} {
		if err := m.Nets()[prefix].LoadWeights(f, prefix+".", buffers[prefix]); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", prefix, err))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %w", path, errors.Join(problems...))
	}
	if err := loadAdam(f, m); err != nil {
		return nil, err
	}
	return f.Metadata, nil
}

// loadAdam restores the Adam step counts (metadata adam_step.G/D/F) and moments
// (adam.<net>.<param>.m/.v). A missing or malformed step count is an error: resetting it
// would silently change Adam's bias correction. Moments must have their parameter's shape,
// and be present for every parameter exactly when the net's step count is positive. The
// optimizer state is only changed when everything checks.
func loadAdam(f *safetensors.File, m *core.Model) error {
	adams := map[string]*core.Adam{"G": m.AdamG, "D": m.AdamD, "F": m.AdamF}
	steps := map[string]int{}
	var problems []string
	for _, prefix := range []string{"G", "D", "F"} {
		step, err := adamStep(f.Metadata, "adam_step."+prefix)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		steps[prefix] = step
		problems = append(problems, momentProblems(f, prefix, m.Nets()[prefix], step)...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: Adam state: %s", f.Path, strings.Join(problems, "; "))
	}
	for prefix, a := range adams {
		a.Step = steps[prefix]
		for _, p := range m.Nets()[prefix].Params {
			p.M, p.V = nil, nil
			if steps[prefix] > 0 {
				p.M, _, _ = f.Float32("adam." + prefix + "." + p.Name + ".m")
				p.V, _, _ = f.Float32("adam." + prefix + "." + p.Name + ".v")
			}
		}
	}
	return nil
}

// adamStep parses the non-negative step count stored under key.
func adamStep(meta map[string]string, key string) (int, error) {
	s, ok := meta[key]
	if !ok {
		return 0, fmt.Errorf("metadata key %s (the Adam step count) is missing", key)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("metadata key %s is %q, not a step count", key, s)
	}
	return n, nil
}

// momentProblems checks the Adam moments of one net: with step > 0 every parameter needs
// F32 .m and .v tensors of its own shape; with step 0 there must be none.
func momentProblems(f *safetensors.File, prefix string, n *core.Net, step int) []string {
	var problems []string
	for _, p := range n.Params {
		for _, suffix := range []string{".m", ".v"} {
			name := "adam." + prefix + "." + p.Name + suffix
			t, ok := f.Tensors[name]
			switch {
			case !ok && step > 0:
				problems = append(problems, fmt.Sprintf("missing %s (adam_step.%s is %d)", name, prefix, step))
			case ok && step == 0:
				problems = append(problems, fmt.Sprintf("unexpected %s (adam_step.%s is 0)", name, prefix))
			case ok && !slices.Equal(t.Shape, p.Shape):
				problems = append(problems, fmt.Sprintf("%s has shape %v, want %v", name, t.Shape, p.Shape))
			case ok && t.DType != "F32":
				problems = append(problems, fmt.Sprintf("%s is %s, want F32", name, t.DType))
			}
		}
	}
	return problems
}
