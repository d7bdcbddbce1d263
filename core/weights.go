package core

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"sweep/ops"
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
