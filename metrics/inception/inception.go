// Package inception is the Inception-v3 network of pytorch-fid (the "FID Inception",
// weights pt_inception-2015-12-05-6726825d.pth ported from TensorFlow), computing the
// 2048-d pool3 features that FID compares.
//
// The layout is torchvision's inception_v3(num_classes=1008, aux_logits=False) with
// pytorch-fid's patches: the branch average pools of Mixed_5b-5d, 6b-6e and 7b ignore
// padding (count_include_pad=False) and Mixed_7c's pool branch is a 3×3 max pool. Each
// BasicConv2d is a bias-free convolution, batch norm (eps 0.001) and ReLU; the batch
// norm is folded into the convolution when the weights are loaded.
package inception

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"sweep/torchpt"
)

// Size is the side of the square input the network sees after resizing.
const Size = 299

// Dims is the length of a feature vector.
const Dims = 2048

const (
	bnEps      = 0.001
	numClasses = 1008
)

// convSpec is one BasicConv2d of the state_dict.
type convSpec struct {
	name                              string
	cin, cout, kh, kw, sh, sw, ph, pw int
}

// spec builds a convSpec; k, s, p are (h, w) pairs of kernel size, stride, padding.
func spec(name string, cin, cout int, k, s, p [2]int) convSpec {
	return convSpec{name, cin, cout, k[0], k[1], s[0], s[1], p[0], p[1]}
}

var (
	k1, k3, k5 = [2]int{1, 1}, [2]int{3, 3}, [2]int{5, 5}
	k17, k71   = [2]int{1, 7}, [2]int{7, 1}
	k13, k31   = [2]int{1, 3}, [2]int{3, 1}
	s1, s2     = [2]int{1, 1}, [2]int{2, 2}
	p0, p1, p2 = [2]int{0, 0}, [2]int{1, 1}, [2]int{2, 2}
	p03, p30   = [2]int{0, 3}, [2]int{3, 0}
	p01, p10   = [2]int{0, 1}, [2]int{1, 0}
)

// architecture lists every BasicConv2d of the network.
func architecture() []convSpec {
	specs := []convSpec{
		spec("Conv2d_1a_3x3", 3, 32, k3, s2, p0),
		spec("Conv2d_2a_3x3", 32, 32, k3, s1, p0),
		spec("Conv2d_2b_3x3", 32, 64, k3, s1, p1),
		spec("Conv2d_3b_1x1", 64, 80, k1, s1, p0),
		spec("Conv2d_4a_3x3", 80, 192, k3, s1, p0),
	}
	specs = append(specs, blockA("Mixed_5b", 192, 32)...)
	specs = append(specs, blockA("Mixed_5c", 256, 64)...)
	specs = append(specs, blockA("Mixed_5d", 288, 64)...)
	specs = append(specs, blockB("Mixed_6a", 288)...)
	specs = append(specs, blockC("Mixed_6b", 768, 128)...)
	specs = append(specs, blockC("Mixed_6c", 768, 160)...)
	specs = append(specs, blockC("Mixed_6d", 768, 160)...)
	specs = append(specs, blockC("Mixed_6e", 768, 192)...)
	specs = append(specs, blockD("Mixed_7a", 768)...)
	specs = append(specs, blockE("Mixed_7b", 1280)...)
	return append(specs, blockE("Mixed_7c", 2048)...)
}

func blockA(m string, in, pool int) []convSpec {
	return []convSpec{
		spec(m+".branch1x1", in, 64, k1, s1, p0),
		spec(m+".branch5x5_1", in, 48, k1, s1, p0),
		spec(m+".branch5x5_2", 48, 64, k5, s1, p2),
		spec(m+".branch3x3dbl_1", in, 64, k1, s1, p0),
		spec(m+".branch3x3dbl_2", 64, 96, k3, s1, p1),
		spec(m+".branch3x3dbl_3", 96, 96, k3, s1, p1),
		spec(m+".branch_pool", in, pool, k1, s1, p0),
	}
}

func blockB(m string, in int) []convSpec {
	return []convSpec{
		spec(m+".branch3x3", in, 384, k3, s2, p0),
		spec(m+".branch3x3dbl_1", in, 64, k1, s1, p0),
		spec(m+".branch3x3dbl_2", 64, 96, k3, s1, p1),
		spec(m+".branch3x3dbl_3", 96, 96, k3, s2, p0),
	}
}

func blockC(m string, in, c7 int) []convSpec {
	return []convSpec{
		spec(m+".branch1x1", in, 192, k1, s1, p0),
		spec(m+".branch7x7_1", in, c7, k1, s1, p0),
		spec(m+".branch7x7_2", c7, c7, k17, s1, p03),
		spec(m+".branch7x7_3", c7, 192, k71, s1, p30),
		spec(m+".branch7x7dbl_1", in, c7, k1, s1, p0),
		spec(m+".branch7x7dbl_2", c7, c7, k71, s1, p30),
		spec(m+".branch7x7dbl_3", c7, c7, k17, s1, p03),
		spec(m+".branch7x7dbl_4", c7, c7, k71, s1, p30),
		spec(m+".branch7x7dbl_5", c7, 192, k17, s1, p03),
		spec(m+".branch_pool", in, 192, k1, s1, p0),
	}
}

func blockD(m string, in int) []convSpec {
	return []convSpec{
		spec(m+".branch3x3_1", in, 192, k1, s1, p0),
		spec(m+".branch3x3_2", 192, 320, k3, s2, p0),
		spec(m+".branch7x7x3_1", in, 192, k1, s1, p0),
		spec(m+".branch7x7x3_2", 192, 192, k17, s1, p03),
		spec(m+".branch7x7x3_3", 192, 192, k71, s1, p30),
		spec(m+".branch7x7x3_4", 192, 192, k3, s2, p0),
	}
}

func blockE(m string, in int) []convSpec {
	return []convSpec{
		spec(m+".branch1x1", in, 320, k1, s1, p0),
		spec(m+".branch3x3_1", in, 384, k1, s1, p0),
		spec(m+".branch3x3_2a", 384, 384, k13, s1, p01),
		spec(m+".branch3x3_2b", 384, 384, k31, s1, p10),
		spec(m+".branch3x3dbl_1", in, 448, k1, s1, p0),
		spec(m+".branch3x3dbl_2", 448, 384, k3, s1, p1),
		spec(m+".branch3x3dbl_3a", 384, 384, k13, s1, p01),
		spec(m+".branch3x3dbl_3b", 384, 384, k31, s1, p10),
		spec(m+".branch_pool", in, 192, k1, s1, p0),
	}
}

// StateDictShapes returns every key of the network's state_dict with its shape, as
// pytorch-fid loads it. The bn.num_batches_tracked buffers (shape []) are listed but
// optional when loading.
func StateDictShapes() map[string][]int {
	m := map[string][]int{"fc.weight": {numClasses, Dims}, "fc.bias": {numClasses}}
	for _, s := range architecture() {
		m[s.name+".conv.weight"] = []int{s.cout, s.cin, s.kh, s.kw}
		for _, p := range []string{"weight", "bias", "running_mean", "running_var"} {
			m[s.name+".bn."+p] = []int{s.cout}
		}
		m[s.name+".bn.num_batches_tracked"] = []int{}
	}
	return m
}

// Net is a loaded network. It is safe for concurrent use.
type Net struct {
	convs map[string]*conv
}

// Load reads pytorch-fid's weights file (or any torch.save state_dict of the same
// network) through the safe checkpoint reader.
func Load(path string) (*Net, error) {
	return torchpt.Build(path, FromTensors)
}

// FromTensors builds the network from a state_dict. It fails, listing the culprits,
// when keys are missing, unexpected, mis-shaped or not floating point.
func FromTensors(ts map[string]torchpt.Tensor) (*Net, error) {
	if err := checkKeys(ts); err != nil {
		return nil, err
	}
	n := &Net{convs: map[string]*conv{}}
	for _, s := range architecture() {
		n.convs[s.name] = foldBatchNorm(s, ts)
	}
	return n, nil
}

func checkKeys(ts map[string]torchpt.Tensor) error {
	want := StateDictShapes()
	var missing, extra, shape []string
	for name, sh := range want {
		t, ok := ts[name]
		switch {
		case !ok && !strings.HasSuffix(name, ".num_batches_tracked"):
			missing = append(missing, name)
		case ok && !slices.Equal(t.Shape, sh):
			shape = append(shape, fmt.Sprintf("%s is %v, want %v", name, t.Shape, sh))
		case ok && t.Float32 == nil && !strings.HasSuffix(name, ".num_batches_tracked"):
			shape = append(shape, fmt.Sprintf("%s is %s, want a float tensor", name, t.DType))
		}
	}
	for name := range ts {
		if _, ok := want[name]; !ok {
			extra = append(extra, name)
		}
	}
	if len(missing)+len(extra)+len(shape) == 0 {
		return nil
	}
	var parts []string
	for _, l := range []struct {
		what  string
		names []string
	}{{"missing", missing}, {"unexpected", extra}, {"wrong", shape}} {
		if len(l.names) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s: %s", len(l.names), l.what, abbreviate(l.names)))
		}
	}
	return fmt.Errorf("not the FID Inception-v3 state_dict: %s", strings.Join(parts, "; "))
}

// abbreviate sorts names and keeps the first few.
func abbreviate(names []string) string {
	sort.Strings(names)
	const keep = 6
	if len(names) <= keep {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, ... (%d more)", strings.Join(names[:keep], ", "), len(names)-keep)
}

// foldBatchNorm turns conv + BatchNorm(eval) into one convolution with bias:
// w' = w·γ/√(var+ε), b' = β − mean·γ/√(var+ε), computed in float64.
func foldBatchNorm(s convSpec, ts map[string]torchpt.Tensor) *conv {
	w := ts[s.name+".conv.weight"].Float32
	gamma, beta := ts[s.name+".bn.weight"].Float32, ts[s.name+".bn.bias"].Float32
	mean, vr := ts[s.name+".bn.running_mean"].Float32, ts[s.name+".bn.running_var"].Float32
	c := &conv{cin: s.cin, cout: s.cout, kh: s.kh, kw: s.kw, sh: s.sh, sw: s.sw, ph: s.ph, pw: s.pw,
		w: make([]float32, len(w)), b: make([]float32, s.cout)}
	k := s.cin * s.kh * s.kw
	for o := range s.cout {
		scale := float64(gamma[o]) / math.Sqrt(float64(vr[o])+bnEps)
		for i := o * k; i < (o+1)*k; i++ {
			c.w[i] = float32(float64(w[i]) * scale)
		}
		c.b[o] = float32(float64(beta[o]) - float64(mean[o])*scale)
	}
	return c
}

// Features returns the 2048-d pool3 features of one RGB image given channel-major
// (3×h×w) with values in [0,1], as pytorch-fid computes them: bilinear resize to
// 299×299 (align_corners=False, no antialias), scale to [-1,1], the network, global
// average pool. The values are float32 results widened to float64, as pytorch-fid's
// activation array holds them.
func (n *Net) Features(img []float32, h, w int) ([]float64, error) {
	if h < 1 || w < 1 || len(img) != 3*h*w {
		return nil, fmt.Errorf("image of %d values is not 3×%d×%d", len(img), h, w)
	}
	x := resizeBilinear(fmap{3, h, w, img}, Size, Size)
	for i, v := range x.d {
		x.d[i] = 2*v - 1
	}
	x = n.forward(x)
	out := make([]float64, x.c)
	for ch := range x.c {
		var sum float64
		for _, v := range x.d[ch*x.h*x.w : (ch+1)*x.h*x.w] {
			sum += float64(v)
		}
		out[ch] = float64(float32(sum / float64(x.h*x.w)))
	}
	return out, nil
}

// forward runs blocks 0-3 of pytorch-fid's InceptionV3 up to Mixed_7c.
func (n *Net) forward(x fmap) fmap {
	x = n.seq(x, "Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3")
	x = maxPool(x, 3, 2, 0)
	x = n.seq(x, "Conv2d_3b_1x1", "Conv2d_4a_3x3")
	x = maxPool(x, 3, 2, 0)
	for _, m := range []string{"Mixed_5b", "Mixed_5c", "Mixed_5d"} {
		x = n.inceptionA(m, x)
	}
	x = n.inceptionB("Mixed_6a", x)
	for _, m := range []string{"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"} {
		x = n.inceptionC(m, x)
	}
	x = n.inceptionD("Mixed_7a", x)
	x = n.inceptionE("Mixed_7b", x, avgPool3)
	return n.inceptionE("Mixed_7c", x, func(x fmap) fmap { return maxPool(x, 3, 1, 1) })
}

// seq applies the named convolutions in order.
func (n *Net) seq(x fmap, names ...string) fmap {
	for _, name := range names {
		x = n.convs[name].forward(x)
	}
	return x
}

func (n *Net) inceptionA(m string, x fmap) fmap {
	return concat(
		n.seq(x, m+".branch1x1"),
		n.seq(x, m+".branch5x5_1", m+".branch5x5_2"),
		n.seq(x, m+".branch3x3dbl_1", m+".branch3x3dbl_2", m+".branch3x3dbl_3"),
		n.seq(avgPool3(x), m+".branch_pool"))
}

func (n *Net) inceptionB(m string, x fmap) fmap {
	return concat(
		n.seq(x, m+".branch3x3"),
		n.seq(x, m+".branch3x3dbl_1", m+".branch3x3dbl_2", m+".branch3x3dbl_3"),
		maxPool(x, 3, 2, 0))
}

func (n *Net) inceptionC(m string, x fmap) fmap {
	return concat(
		n.seq(x, m+".branch1x1"),
		n.seq(x, m+".branch7x7_1", m+".branch7x7_2", m+".branch7x7_3"),
		n.seq(x, m+".branch7x7dbl_1", m+".branch7x7dbl_2", m+".branch7x7dbl_3", m+".branch7x7dbl_4", m+".branch7x7dbl_5"),
		n.seq(avgPool3(x), m+".branch_pool"))
}

func (n *Net) inceptionD(m string, x fmap) fmap {
	return concat(
		n.seq(x, m+".branch3x3_1", m+".branch3x3_2"),
		n.seq(x, m+".branch7x7x3_1", m+".branch7x7x3_2", m+".branch7x7x3_3", m+".branch7x7x3_4"),
		maxPool(x, 3, 2, 0))
}

func (n *Net) inceptionE(m string, x fmap, pool func(fmap) fmap) fmap {
	b3 := n.seq(x, m+".branch3x3_1")
	d := n.seq(x, m+".branch3x3dbl_1", m+".branch3x3dbl_2")
	return concat(
		n.seq(x, m+".branch1x1"),
		n.seq(b3, m+".branch3x3_2a"), n.seq(b3, m+".branch3x3_2b"),
		n.seq(d, m+".branch3x3dbl_3a"), n.seq(d, m+".branch3x3dbl_3b"),
		n.seq(pool(x), m+".branch_pool"))
}
