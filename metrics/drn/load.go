package drn

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"sweep/tensor"
	"sweep/torchpt"
)

// Load reads a DRNSeg('drn_d_22', classes) state_dict saved by PyTorch (fyu/drn's
// segment.py: keys base.0.0.weight, ..., seg.weight, seg.bias, up.weight; with the
// "module." prefix of DataParallel on all keys or none), such as drn_d_22_cityscapes.pth.
// The widths and the number of classes are read from the shapes and bounded (MaxWidth,
// MaxClasses), and every key and shape is checked against that architecture before the
// network is built; a wrong or partial file is an error listing the missing, unexpected
// and mis-shaped keys.
func Load(path string) (*Net, error) {
	return torchpt.Build(path, FromTensors)
}

// FromTensors builds the network from a state_dict's tensors by key (no "module." prefix).
// The network keeps the tensors' float slices; they must not be changed afterwards.
func FromTensors(ts map[string]torchpt.Tensor) (*Net, error) {
	shapes := make(map[string][]int, len(ts))
	for k, t := range ts {
		shapes[k] = t.Shape
	}
	w, classes, err := inferArchitecture(shapes)
	if err != nil {
		return nil, err
	}
	if err := checkKeys(ts, StateDictShapes(w, classes)); err != nil {
		return nil, fmt.Errorf("DRN-D-22 of widths %v with %d classes: %w", w, classes, err)
	}
	return build(ts, w, classes)
}

// checkKeys compares the state_dict with the float tensors the architecture needs; the
// BatchNorms' scalar num_batches_tracked counters may be present. It lists every missing,
// unexpected and mis-shaped key, and float tensors stored as integers.
func checkKeys(ts map[string]torchpt.Tensor, want map[string][]int) error {
	var missing, extra, bad []string
	for k := range want {
		if _, ok := ts[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k, t := range ts {
		shape, ok := want[k]
		switch {
		case !ok && isCounter(k, want):
			if len(t.Shape) != 0 {
				bad = append(bad, fmt.Sprintf("%s has shape %v, want []", k, t.Shape))
			}
		case !ok:
			extra = append(extra, k)
		case !slices.Equal(t.Shape, shape):
			bad = append(bad, fmt.Sprintf("%s has shape %v, want %v", k, t.Shape, shape))
		case t.Float32 == nil:
			bad = append(bad, fmt.Sprintf("%s is %s, want a float tensor", k, t.DType))
		}
	}
	return listProblems(map[string][]string{"missing": missing, "unexpected": extra, "mis-shaped": bad})
}

// isCounter reports whether key is the num_batches_tracked counter of a BatchNorm of want.
func isCounter(key string, want map[string][]int) bool {
	bn, ok := strings.CutSuffix(key, ".num_batches_tracked")
	_, has := want[bn+".running_var"]
	return ok && has
}

// maxListed bounds how many keys an error names of each kind.
const maxListed = 8

// listProblems joins the non-empty lists as "N missing: a, b; M unexpected: ...".
func listProblems(lists map[string][]string) error {
	var parts []string
	for _, what := range []string{"missing", "unexpected", "mis-shaped"} {
		names := lists[what]
		if len(names) == 0 {
			continue
		}
		sort.Strings(names)
		shown := names[:min(len(names), maxListed)]
		more := ""
		if len(names) > maxListed {
			more = ", ..."
		}
		parts = append(parts, fmt.Sprintf("%d %s: %s%s", len(names), what, strings.Join(shown, ", "), more))
	}
	if len(parts) == 0 {
		return nil
	}
	return errors.New(strings.Join(parts, "; "))
}

// build makes the network of checked tensors ts.
func build(ts map[string]torchpt.Tensor, w Widths, classes int) (*Net, error) {
	n := &Net{Widths: w, Classes: classes, pool: &tensor.Pool{}}
	specs := architecture(w)
	for _, s := range specs {
		var st stage
		for _, c := range s.convs {
			u, err := newConvBN(ts, c)
			if err != nil {
				return nil, err
			}
			st.convs = append(st.convs, u)
		}
		for _, b := range s.blocks {
			blk, err := newBlock(ts, b)
			if err != nil {
				return nil, err
			}
			st.blocks = append(st.blocks, blk)
		}
		n.stages = append(n.stages, st)
	}
	n.segW = weight(ts, "seg.weight")
	n.segB = weight(ts, "seg.bias")
	n.up = ts["up.weight"].Float32
	return n, nil
}

// weight wraps the checked float tensor key as a Var (no copy).
func weight(ts map[string]torchpt.Tensor, key string) *tensor.Var {
	t := ts[key]
	return tensor.NewVar(t.Float32, t.Shape...)
}

// newBlock builds a BasicBlock's two conv-BN units and its downsample shortcut.
func newBlock(ts map[string]torchpt.Tensor, b blockSpec) (block, error) {
	var blk block
	var err error
	if blk.conv1, err = newConvBN(ts, b.conv1); err != nil {
		return blk, err
	}
	if blk.conv2, err = newConvBN(ts, b.conv2); err != nil {
		return blk, err
	}
	if b.down != nil {
		d, err := newConvBN(ts, *b.down)
		if err != nil {
			return blk, err
		}
		blk.down = &d
	}
	return blk, nil
}

// newConvBN builds one conv-BN unit, its batch norm folded into a per-channel affine map
// (foldBatchNorm).
func newConvBN(ts map[string]torchpt.Tensor, c convSpec) (convBN, error) {
	var p [4][]float32
	for i, k := range bnKeys {
		p[i] = ts[c.bn+"."+k].Float32
	}
	scale, shift, err := foldBatchNorm(p[0], p[1], p[2], p[3])
	if err != nil {
		return convBN{}, fmt.Errorf("%s: %w", c.bn, err)
	}
	return convBN{w: weight(ts, c.conv+".weight"), geo: c.geo, scale: scale, shift: shift}, nil
}

// bnEps is BatchNorm2d's default eps, which fyu/drn keeps.
const bnEps = 1e-5

// foldBatchNorm turns an eval-mode batch norm,
//
//	y = (x - running_mean) / sqrt(running_var + eps) · weight + bias,
//
// into y = scale·x + shift with scale = weight / sqrt(running_var + eps) and
// shift = bias - running_mean·scale, computed in float64, as PyTorch's CPU inference
// kernel folds it. A negative or non-finite running variance is an error.
func foldBatchNorm(weight, bias, mean, variance []float32) (scale, shift []float32, err error) {
	scale, shift = make([]float32, len(weight)), make([]float32, len(weight))
	for c := range weight {
		v := float64(variance[c])
		if !(v >= 0) || math.IsInf(v, 1) {
			return nil, nil, fmt.Errorf("running_var[%d] is %v, not a variance", c, variance[c])
		}
		s := float64(weight[c]) / math.Sqrt(v+bnEps)
		scale[c] = float32(s)
		shift[c] = float32(float64(bias[c]) - float64(mean[c])*s)
	}
	return scale, shift, nil
}
