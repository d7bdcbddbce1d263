package core

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sweep/ops"
	"sweep/tensor"

	"sweep/safetensors"
)

// TensorSource looks tensors up by name, as a safetensors file or a PyTorch state_dict does.
type TensorSource interface {
	Float32(name string) ([]float32, []int, error)
	Has(name string) bool
}

// LoadWeights copies prefix+name for every parameter of n from src, checking shapes, and
// checks that the fixed filter buffers, where present, hold the filters this code uses.
// Every problem is listed, not just the first.
func (n *Net) LoadWeights(src TensorSource, prefix string, buffers map[string][]int) error {
	var problems []string
	for _, p := range n.Params {
		name := prefix + p.Name
		if !src.Has(name) {
			problems = append(problems, "missing "+name)
			continue
		}
		v, shape, err := src.Float32(name)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !slices.Equal(shape, p.Shape) {
			problems = append(problems, fmt.Sprintf("%s has shape %v, want %v", name, shape, p.Shape))
			continue
		}
		copy(p.Data, v)
	}
	for name, shape := range buffers {
		if err := checkFilter(src, prefix+name, shape); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%d problem(s): %s", len(problems), strings.Join(problems, "; "))
	}
	return nil
}

// checkFilter verifies a stored blur filter buffer [C,1,k,k], if present.
func checkFilter(src TensorSource, name string, shape []int) error {
	if !src.Has(name) {
		return nil
	}
	v, got, err := src.Float32(name)
	if err != nil {
		return err
	}
	if !slices.Equal(got, shape) {
		return fmt.Errorf("%s has shape %v, want %v", name, got, shape)
	}
	want := ops.DownFilter
	if shape[3] == 4 {
		want = ops.UpFilter
	}
	for i, x := range v {
		if d := x - want[i%len(want)]; d > 1e-6 || d < -1e-6 {
			return fmt.Errorf("%s is not the fixed blur filter", name)
		}
	}
	return nil
}

// addWeights stores every parameter of n under prefix+name.
func (n *Net) addWeights(w *safetensors.Writer, prefix string) {
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

// WriteCheckpoint writes every network's weights (PyTorch names, prefixed "G.", "D.", "F."),
// the fixed filter buffers, the Adam moments ("adam.G.<name>.m"/".v") and step counts, and
// meta, as one safetensors file.
func (m *Model) WriteCheckpoint(out io.Writer, meta map[string]string) error {
	w := safetensors.NewWriter()
	for k, v := range meta {
		w.Metadata[k] = v
	}
	for prefix, n := range m.Nets() {
		n.addWeights(w, prefix+".")
		for _, p := range n.Params {
			if p.m != nil {
				w.AddFloat32("adam."+prefix+"."+p.Name+".m", p.Shape, p.m)
				w.AddFloat32("adam."+prefix+"."+p.Name+".v", p.Shape, p.v)
			}
		}
	}
	addFilters(w, "G.", m.G.FilterBuffers())
	addFilters(w, "D.", m.D.FilterBuffers())
	for name, a := range map[string]*Adam{"G": m.AdamG, "D": m.AdamD, "F": m.AdamF} {
		w.Metadata["adam_step."+name] = fmt.Sprint(a.Step)
	}
	_, err := w.WriteTo(out)
	return err
}

// LoadCheckpoint restores what WriteCheckpoint wrote (weights, filter buffers, Adam moments
// and step counts) and returns its metadata. Every problem is an error naming the file.
func (m *Model) LoadCheckpoint(path string) (map[string]string, error) {
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
	if err := m.loadAdam(f); err != nil {
		return nil, err
	}
	return f.Metadata, nil
}

// loadAdam restores the Adam step counts (metadata adam_step.G/D/F) and moments
// (adam.<net>.<param>.m/.v). A missing or malformed step count is an error: resetting it
// would silently change Adam's bias correction. Moments must have their parameter's shape,
// and be present for every parameter exactly when the net's step count is positive. The
// optimizer state is only changed when everything checks.
func (m *Model) loadAdam(f *safetensors.File) error {
	adams := map[string]*Adam{"G": m.AdamG, "D": m.AdamD, "F": m.AdamF}
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
			p.m, p.v = nil, nil
			if steps[prefix] > 0 {
				p.m, _, _ = f.Float32("adam." + prefix + "." + p.Name + ".m")
				p.v, _, _ = f.Float32("adam." + prefix + "." + p.Name + ".v")
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
func momentProblems(f *safetensors.File, prefix string, n *Net, step int) []string {
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
