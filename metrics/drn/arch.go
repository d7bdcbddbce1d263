package drn

import (
	"fmt"

	"sweep/ops"
)

// Widths are the channel widths of DRN-D's eight levels, fyu/drn's `channels`: level 0
// is layer0 and layer1, level i (1..7) is layer i+1. The real drn_d_22_cityscapes.pth
// has FullWidths.
type Widths [8]int

// FullWidths are DRN-D-22's widths (fyu/drn drn.py, DRN's default channels).
var FullWidths = Widths{16, 32, 64, 128, 256, 512, 512, 512}

// Bounds on what a checkpoint may ask for, so that a hostile or corrupt file cannot make
// the network allocate more than a real one would: the widest DRN is 512 channels wide.
const (
	MaxWidth   = 2048
	MaxClasses = 255 // labels are bytes and 255 is Cityscapes' "ignore"
)

// upKernel, upStride and upPad are DRNSeg's ConvTranspose2d(classes, classes, 16,
// stride=8, padding=4, groups=classes): it maps an h x w map onto 8h x 8w.
const (
	upKernel = 16
	upStride = 8
	upPad    = 4
)

// convSpec is one bias-free convolution followed by a batch norm, named by the state_dict
// keys of both.
type convSpec struct {
	conv, bn string
	in, out  int
	k        int
	geo      ops.ConvGeometry
}

// blockSpec is one BasicBlock: conv1-bn1-ReLU, conv2-bn2, plus the shortcut (the input,
// or the 1x1 downsample conv and its batch norm), then ReLU.
type blockSpec struct {
	conv1, conv2 convSpec
	down         *convSpec
}

// stageSpec is one of layer0..layer8: a stack of conv-BN-ReLU units or of BasicBlocks.
type stageSpec struct {
	convs  []convSpec
	blocks []blockSpec
}

// architecture lists DRNSeg('drn_d_22')'s base as fyu/drn's drn.py builds it with
// DRN(BasicBlock, [1, 1, 2, 2, 2, 2, 1, 1], arch='D'), widths w:
//
//	layer0  7x7 conv 3→w0, pad 3            layer5  2 blocks w3→w4, dilation (2, 2)
//	layer1  3x3 conv w0→w0                  layer6  2 blocks w4→w5, dilation (4, 4)
//	layer2  3x3 conv w0→w1, stride 2        layer7  3x3 conv w5→w6, dilation 2, pad 2
//	layer3  2 blocks w1→w2, stride 2        layer8  3x3 conv w6→w7
//	layer4  2 blocks w2→w3, stride 2
//
// Layers 5 and 6 are made with new_level=False, so their first block has dilation
// (d, d), not (d/2, d). A block's first conv has the stage's stride; it gets a downsample
// shortcut when the stride is not 1 or the width changes. Every 3x3 conv pads by its
// dilation, so only the strides change the map size: the base's output is 1/8 of the input.
func architecture(w Widths) []stageSpec {
	return []stageSpec{
		{convs: []convSpec{convUnit("base.0", 3, w[0], 7, ops.ConvGeometry{Pad: 3})}},
		{convs: []convSpec{convUnit("base.1", w[0], w[0], 3, ops.ConvGeometry{Pad: 1})}},
		{convs: []convSpec{convUnit("base.2", w[0], w[1], 3, ops.ConvGeometry{Pad: 1, Stride: 2})}},
		{blocks: blocks("base.3", w[1], w[2], 2, 1)},
		{blocks: blocks("base.4", w[2], w[3], 2, 1)},
		{blocks: blocks("base.5", w[3], w[4], 1, 2)},
		{blocks: blocks("base.6", w[4], w[5], 1, 4)},
		{convs: []convSpec{convUnit("base.7", w[5], w[6], 3, ops.ConvGeometry{Pad: 2, Dilation: 2})}},
		{convs: []convSpec{convUnit("base.8", w[6], w[7], 3, ops.ConvGeometry{Pad: 1})}},
	}
}

// convUnit is the conv-BN pair of a _make_conv_layers stack: keys prefix.0 and prefix.1.
func convUnit(prefix string, in, out, k int, geo ops.ConvGeometry) convSpec {
	return convSpec{conv: prefix + ".0", bn: prefix + ".1", in: in, out: out, k: k, geo: geo}
}

// blocks is a _make_layer stage of two BasicBlocks from in to out channels: the first
// with the stride (and the downsample shortcut when needed), both with dilation d.
func blocks(prefix string, in, out, stride, d int) []blockSpec {
	first := basicBlock(prefix+".0", in, out, stride, d)
	if stride != 1 || in != out {
		down := convSpec{conv: prefix + ".0.downsample.0", bn: prefix + ".0.downsample.1", in: in, out: out, k: 1,
			geo: ops.ConvGeometry{Stride: stride}}
		first.down = &down
	}
	return []blockSpec{first, basicBlock(prefix+".1", out, out, 1, d)}
}

// basicBlock is one BasicBlock's two 3x3 convs, each padded by its dilation d.
func basicBlock(prefix string, in, out, stride, d int) blockSpec {
	return blockSpec{
		conv1: convSpec{conv: prefix + ".conv1", bn: prefix + ".bn1", in: in, out: out, k: 3, geo: ops.ConvGeometry{Pad: d, Stride: stride, Dilation: d}},
		conv2: convSpec{conv: prefix + ".conv2", bn: prefix + ".bn2", in: out, out: out, k: 3, geo: ops.ConvGeometry{Pad: d, Dilation: d}},
	}
}

// convs lists every conv-BN pair of the architecture in order.
func convs(stages []stageSpec) []convSpec {
	var out []convSpec
	for _, s := range stages {
		out = append(out, s.convs...)
		for _, b := range s.blocks {
			out = append(out, b.conv1, b.conv2)
			if b.down != nil {
				out = append(out, *b.down)
			}
		}
	}
	return out
}

// bnKeys are a BatchNorm2d's float tensors, each of shape [channels].
var bnKeys = []string{"weight", "bias", "running_mean", "running_var"}

// StateDictShapes lists the float tensors of DRNSeg('drn_d_22', classes) of widths w by
// state_dict key, without allocating anything. The BatchNorms' num_batches_tracked
// counters (scalar I64, unused in eval) are not listed; Load accepts them.
func StateDictShapes(w Widths, classes int) map[string][]int {
	shapes := map[string][]int{}
	for _, c := range convs(architecture(w)) {
		shapes[c.conv+".weight"] = []int{c.out, c.in, c.k, c.k}
		for _, k := range bnKeys {
			shapes[c.bn+"."+k] = []int{c.out}
		}
	}
	shapes["seg.weight"] = []int{classes, w[7], 1, 1}
	shapes["seg.bias"] = []int{classes}
	shapes["up.weight"] = []int{classes, 1, upKernel, upKernel}
	return shapes
}

// widthKeys are the tensors whose first dimension gives each level's width, and
// classesKey the one that gives the number of classes.
var widthKeys = [8]string{
	"base.0.0.weight", "base.2.0.weight", "base.3.0.conv1.weight", "base.4.0.conv1.weight",
	"base.5.0.conv1.weight", "base.6.0.conv1.weight", "base.7.0.weight", "base.8.0.weight",
}

const classesKey = "seg.bias"

// inferArchitecture reads the widths and the number of classes from the shapes of a
// state_dict, each within its bound.
func inferArchitecture(shapes map[string][]int) (Widths, int, error) {
	var w Widths
	for i, key := range widthKeys {
		s, ok := shapes[key]
		if !ok || len(s) != 4 {
			return w, 0, fmt.Errorf("not a DRN-D-22 segmenter state_dict: no 4-d convolution weight %s (shape %v)", key, s)
		}
		if w[i] = s[0]; w[i] < 1 || w[i] > MaxWidth {
			return w, 0, fmt.Errorf("%s %v gives width %d; allowed: 1..%d", key, s, w[i], MaxWidth)
		}
	}
	s, ok := shapes[classesKey]
	if !ok || len(s) != 1 {
		return w, 0, fmt.Errorf("not a DRN segmenter state_dict: no 1-d %s (shape %v)", classesKey, s)
	}
	if s[0] < 1 || s[0] > MaxClasses {
		return w, 0, fmt.Errorf("%s %v gives %d classes; allowed: 1..%d", classesKey, s, s[0], MaxClasses)
	}
	return w, s[0], nil
}
