package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"sweep/ops"
	"sweep/tensor"
)

// Param is a trainable tensor with its PyTorch state_dict name and Adam moments.
type Param struct {
	Name string
	*tensor.Var
	M, V []float32 // Adam's first and second moments, nil before its first step
}

// Net is a set of parameters in state_dict order, and how its convolutions compute.
type Net struct {
	Params []*Param
	Conv   ops.ConvOptions
}

func (n *Net) add(name string, shape ...int) *tensor.Var {
	v := tensor.Zeros(shape...)
	v.NeedsGrad = true
	n.Params = append(n.Params, &Param{Name: name, Var: v})
	return v
}

// Param finds a parameter by name.
func (n *Net) Param(name string) *Param {
	for _, p := range n.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// ZeroGrad clears every parameter's gradient.
func (n *Net) ZeroGrad() {
	for _, p := range n.Params {
		p.ZeroGrad()
	}
}

// dropGrads gives every parameter gradient back to its pool, if it has one, or clears it:
// the next backward pass starts from zero either way.
func (n *Net) dropGrads() {
	for _, p := range n.Params {
		p.ResetGrad()
	}
}

// SetTrainable switches gradient accumulation of every parameter on or off.
func (n *Net) SetTrainable(on bool) {
	for _, p := range n.Params {
		p.NeedsGrad = on
	}
}

// InitXavier draws every weight from xavier_normal(gain): N(0, gain²·2/(fan_in+fan_out)),
// fan = channels × kernel area; biases are 0. Parameters are drawn in state_dict order.
func (n *Net) InitXavier(rng *rand.Rand, gain float64) {
	for _, p := range n.Params {
		if len(p.Shape) == 1 {
			clear(p.Data)
			continue
		}
		field := 1
		for _, d := range p.Shape[2:] {
			field *= d
		}
		std := gain * math.Sqrt(2/float64((p.Shape[0]+p.Shape[1])*field))
		for i := range p.Data {
			p.Data[i] = float32(rng.NormFloat64() * std)
		}
	}
}

type conv struct {
	w, b *tensor.Var
	pad  int
	opt  *ops.ConvOptions // the network's
}

func (n *Net) conv(name string, in, out, k, pad int) conv {
	return conv{n.add(name+".weight", out, in, k, k), n.add(name+".bias", out), pad, &n.Conv}
}

// apply convolves the batch x of n images (see ops.Stack).
func (c conv) apply(t *tensor.Tape, x *tensor.Var, n int) *tensor.Var {
	return c.opt.Conv2DBatch(t, x, c.w, c.b, c.pad, n)
}

// NCELayers are the generator layers whose outputs feed ops.PatchNCE (CUT's default).
var NCELayers = [5]int{0, 4, 8, 12, 16}

// Generator is CUT's ResNet generator with antialiased down/up sampling and instance norm.
// Parameter names follow the PyTorch nn.Sequential indices (model.1.weight, ...).
type Generator struct {
	Net
	NGF, NBlocks       int
	stem, down1, down2 conv
	blocks             [][2]conv
	up1, up2, out      conv
}

// NewGenerator builds a generator with zero weights; call InitXavier or load a checkpoint.
func NewGenerator(ngf, nBlocks int) *Generator {
	g := &Generator{NGF: ngf, NBlocks: nBlocks}
	g.stem = g.conv("model.1", 3, ngf, 7, 0)
	g.down1 = g.conv("model.4", ngf, 2*ngf, 3, 1)
	g.down2 = g.conv("model.8", 2*ngf, 4*ngf, 3, 1)
	for i := 0; i < nBlocks; i++ {
		name := fmt.Sprintf("model.%d.conv_block", 12+i)
		g.blocks = append(g.blocks, [2]conv{g.conv(name+".1", 4*ngf, 4*ngf, 3, 0), g.conv(name+".5", 4*ngf, 4*ngf, 3, 0)})
	}
	u := 12 + nBlocks
	g.up1 = g.conv(fmt.Sprintf("model.%d", u+1), 4*ngf, 2*ngf, 3, 1)
	g.up2 = g.conv(fmt.Sprintf("model.%d", u+5), 2*ngf, ngf, 3, 1)
	g.out = g.conv(fmt.Sprintf("model.%d", u+9), ngf, 3, 7, 0)
	return g
}

// FilterBuffers are the fixed blur filters that PyTorch checkpoints store beside the
// weights, by state_dict name, as [C,1,k,k] tensors.
func (g *Generator) FilterBuffers() map[string][]int {
	u := 12 + g.NBlocks
	return map[string][]int{
		"model.7.filt":                    {2 * g.NGF, 1, 3, 3},
		"model.11.filt":                   {4 * g.NGF, 1, 3, 3},
		fmt.Sprintf("model.%d.filt", u):   {4 * g.NGF, 1, 4, 4},
		fmt.Sprintf("model.%d.filt", u+4): {2 * g.NGF, 1, 4, 4},
	}
}

// Forward runs the generator on one image x [3,H,W]. It returns the output image and the
// five NCE feature maps: the reflection-padded input (layer 0), the two down convolutions
// before their norm (4, 8), and the outputs of residual blocks 1 and 5 (12, 16). With
// encodeOnly it stops after block 5 and out is nil.
func (g *Generator) Forward(t *tensor.Tape, x *tensor.Var, encodeOnly bool) (out *tensor.Var, feats []*tensor.Var) {
	return g.ForwardBatch(t, x, 1, encodeOnly)
}

// ForwardBatch is Forward on a batch x of n images (see ops.Stack); out and the feature
// maps are batches too. Every image computes what it would alone, as in PyTorch's batches:
// instance norm keeps each image's own statistics.
func (g *Generator) ForwardBatch(t *tensor.Tape, x *tensor.Var, n int, encodeOnly bool) (out *tensor.Var, feats []*tensor.Var) {
	// done frees an intermediate after its last use; free keeps what a backward step reads.
	done := func(vs ...*tensor.Var) {
		for _, v := range vs {
			if !slices.Contains(feats, v) {
				t.Free(v)
			}
		}
	}
	h := ops.ReflectPad(t, x, 3)
	feats = append(feats, h)
	h = ops.InstanceNormAct(t, g.stem.apply(t, h, n), 0)
	for _, down := range []conv{g.down1, g.down2} {
		h = down.apply(t, h, n)
		feats = append(feats, h)
		n := ops.InstanceNormAct(t, h, 0)
		h = ops.Downsample(t, n)
		done(n)
	}
	for i, blk := range g.blocks {
		r1 := ops.InstanceNormAct(t, blk[0].apply(t, ops.ReflectPad(t, h, 1), n), 0)
		p := ops.ReflectPad(t, r1, 1)
		r2 := ops.InstanceNorm(t, blk[1].apply(t, p, n))
		next := ops.Add(t, h, r2)
		done(r1, r2, h)
		h = next
		if i == 0 || i == 4 {
			feats = append(feats, h)
		}
		if encodeOnly && i == 4 {
			return nil, feats
		}
	}
	for _, up := range []conv{g.up1, g.up2} {
		u := ops.Upsample(t, h)
		done(h)
		h = ops.InstanceNormAct(t, up.apply(t, u, n), 0)
	}
	p := ops.ReflectPad(t, h, 3)
	done(h)
	y := g.out.apply(t, p, n)
	out = ops.Tanh(t, y)
	done(y)
	return out, feats
}

// Discriminator is the antialiased 3-layer PatchGAN with instance norm and ops.LeakyReLU(0.2).
type Discriminator struct {
	Net
	convs []conv
}

// NewDiscriminator builds the PatchGAN with ndf base channels.
func NewDiscriminator(ndf int) *Discriminator {
	d := &Discriminator{}
	ch := []int{3, ndf, 2 * ndf, 4 * ndf, 8 * ndf, 1}
	idx := []int{0, 3, 7, 11, 14}
	for i := range idx {
		d.convs = append(d.convs, d.conv(fmt.Sprintf("model.%d", idx[i]), ch[i], ch[i+1], 4, 1))
	}
	return d
}

// FilterBuffers are the ops.Downsample filters stored in PyTorch checkpoints.
func (d *Discriminator) FilterBuffers() map[string][]int {
	ndf := d.convs[0].w.Shape[0]
	return map[string][]int{"model.2.filt": {ndf, 1, 3, 3}, "model.6.filt": {2 * ndf, 1, 3, 3}, "model.10.filt": {4 * ndf, 1, 3, 3}}
}

// Forward maps an image [3,H,W] to its patch predictions [1,h,w].
func (d *Discriminator) Forward(t *tensor.Tape, x *tensor.Var) *tensor.Var {
	return d.ForwardBatch(t, x, 1)
}

// ForwardBatch maps a batch of n images to the batch of their predictions.
func (d *Discriminator) ForwardBatch(t *tensor.Tape, x *tensor.Var, n int) *tensor.Var {
	h := x
	for i, c := range d.convs {
		h = c.apply(t, h, n)
		if i == len(d.convs)-1 {
			break
		}
		if i > 0 {
			h = ops.InstanceNormAct(t, h, 0.2)
		} else {
			h = ops.LeakyReLU(t, h, 0.2)
		}
		if i < 3 {
			h = ops.Downsample(t, h)
		}
	}
	return h
}

// NetF is PatchSampleF's set of heads: per NCE layer p a 2-layer MLP
// ops.Linear(C_p, nc) → ops.ReLU → ops.Linear(nc, nc) (mlp_<p>.0 and mlp_<p>.2).
type NetF struct {
	Net
	heads [][2]linear
}

type linear struct{ w, b *tensor.Var }

// NewNetF builds the heads for feature maps with the given channel counts.
func NewNetF(channels []int, nc int) *NetF {
	f := &NetF{}
	for p, c := range channels {
		name := fmt.Sprintf("mlp_%d", p)
		l0 := linear{f.add(name+".0.weight", nc, c), f.add(name+".0.bias", nc)}
		l2 := linear{f.add(name+".2.weight", nc, nc), f.add(name+".2.bias", nc)}
		f.heads = append(f.heads, [2]linear{l0, l2})
	}
	return f
}

// Head maps vectors x [n,C_p] to L2-normalised embeddings [n,nc].
func (f *NetF) Head(t *tensor.Tape, p int, x *tensor.Var) *tensor.Var {
	h := f.heads[p]
	y := ops.ReLU(t, ops.Linear(t, x, h[0].w, h[0].b))
	return ops.L2NormalizeRows(t, ops.Linear(t, y, h[1].w, h[1].b))
}

// FeatureChannels are the channel counts of the five NCE maps of a generator.
func FeatureChannels(ngf int) []int { return []int{3, 2 * ngf, 4 * ngf, 4 * ngf, 4 * ngf} }
