// Package drn is DRN-D-22 Cityscapes segmentation in Go: the segmenter that CUT and QS-Attn
// score translated Cityscapes images with (fyu/drn's DRNSeg('drn_d_22', 19) and its
// drn_d_22_cityscapes.pth), inference only.
//
// The network is fyu/drn's segment.py model: the DRN-D-22 base without its avgpool and fc
// (layer0..layer8, output stride 8), seg (a 1x1 convolution to the classes, with bias),
// up (a fixed bilinear ConvTranspose2d(classes, classes, 16, stride 8, padding 4, groups
// classes)) and LogSoftmax over the classes; the label of a pixel is the argmax. The
// input is an RGB image normalised like fyu/drn's data loader: x/255, then
// (x - Mean)/Std per channel. The convolutions are the ops package's (im2col, Winograd
// and the strided and dilated geometries), parallel as it is; batch norm (eval mode),
// the transposed convolution and the log-softmax are forward-only functions here.
//
// The scoring protocol of the papers runs DRN at 256x128 (ProtocolWidth x
// ProtocolHeight); Net itself labels an image at whatever size it is given, a multiple
// of 8 on each side. docs/drn.md says where the weights come from.
package drn

import (
	"fmt"
	"image"
	"math"

	"sweep/internal/imagefile"
	"sweep/ops"
	"sweep/tensor"
)

// Mean and Std are the per-channel (R, G, B) statistics of the Cityscapes training
// images that DRN's input is normalised with: fyu/drn datasets/cityscapes/info.json.
var (
	Mean = [3]float32{0.29010095242892997, 0.32808144844279574, 0.28696394422942517}
	Std  = [3]float32{0.1829540508368939, 0.18656561047509476, 0.18447508988480435}
)

// ProtocolWidth x ProtocolHeight is the resolution CUT's DRN-D-22 was trained and is
// evaluated at (docs/drn.md): images are resized to it before segmentation.
const (
	ProtocolWidth  = 256
	ProtocolHeight = 128
)

// Stride is the base's output stride: the seg logits are 1/Stride of the image per side.
const Stride = 8

// Net is a loaded DRNSeg. It is safe for concurrent use.
type Net struct {
	Widths  Widths
	Classes int

	stages []stage
	segW   *tensor.Var // [classes, w7, 1, 1]
	segB   *tensor.Var // [classes]
	up     []float32   // [classes, 1, 16, 16]
	pool   *tensor.Pool
}

// stage is one of layer0..layer8: conv-BN-ReLU units or BasicBlocks.
type stage struct {
	convs  []convBN
	blocks []block
}

// convBN is a bias-free convolution and its folded eval-mode batch norm.
type convBN struct {
	w            *tensor.Var
	geo          ops.ConvGeometry
	scale, shift []float32
}

// block is a BasicBlock; down is nil when the shortcut is the input itself.
type block struct {
	conv1, conv2 convBN
	down         *convBN
}

// Output is what the network computes for one image of W x H pixels.
type Output struct {
	W, H, Classes int
	// Logits are seg's output at stride 8, [Classes, H/8, W/8] (DRNSeg's second output).
	Logits []float32
	// LogProbs are the log-softmax over the classes of the upsampled logits, [Classes, H, W].
	LogProbs []float32
	// Labels are the argmax over the classes, [H, W] row-major (the lowest class on ties).
	Labels []uint8
}

// Segment labels img at its own size: train ids 0..Classes-1, row-major, w x h. With this
// signature a *Net is a metrics.Segmenter.
func (n *Net) Segment(img image.Image) (labels []uint8, w, h int, err error) {
	out, err := n.Predict(img)
	if err != nil {
		return nil, 0, 0, err
	}
	return out.Labels, out.W, out.H, nil
}

// Predict normalises img (Normalize) and runs the network on it.
func (n *Net) Predict(img image.Image) (*Output, error) {
	b := img.Bounds()
	return n.Forward(Normalize(img), b.Dy(), b.Dx())
}

// Forward runs the network on a normalised image x, [3, h, w] row-major; h and w must be
// positive multiples of Stride.
func (n *Net) Forward(x []float32, h, w int) (*Output, error) {
	if h < Stride || w < Stride || h%Stride != 0 || w%Stride != 0 {
		return nil, fmt.Errorf("drn: image is %dx%d; both sides must be positive multiples of %d", w, h, Stride)
	}
	if len(x) != 3*h*w {
		return nil, fmt.Errorf("drn: %d input values for a 3x%dx%d image", len(x), h, w)
	}
	tp := tensor.NewTape(n.pool)
	defer tp.Release()
	v := tensor.NewVar(x, 3, h, w)
	for _, s := range n.stages {
		v = s.forward(tp, v)
	}
	logits := ops.Conv2D(tp, v, n.segW, n.segB, 0)
	out := &Output{W: w, H: h, Classes: n.Classes, Logits: append([]float32(nil), logits.Data...)}
	out.LogProbs = upsample(out.Logits, n.up, n.Classes, h/Stride, w/Stride)
	logSoftmax(out.LogProbs, n.Classes, h*w)
	out.Labels = argmax(out.LogProbs, n.Classes, h*w)
	return out, nil
}

// forward runs one stage, giving back each intermediate map once the next one is computed.
func (s stage) forward(tp *tensor.Tape, x *tensor.Var) *tensor.Var {
	for _, c := range s.convs {
		y := c.forward(tp, x, nil)
		tp.Free(x)
		x = y
	}
	for _, b := range s.blocks {
		y := b.forward(tp, x)
		tp.Free(x)
		x = y
	}
	return x
}

// forward is ReLU(BN(conv(x)) + res), res nil for none.
func (c convBN) forward(tp *tensor.Tape, x, res *tensor.Var) *tensor.Var {
	y := ops.Conv2DGeometry(tp, x, c.w, nil, c.geo)
	affineReLU(y, c.scale, c.shift, res, true)
	return y
}

// forward is BasicBlock's ReLU(BN2(conv2(ReLU(BN1(conv1(x))))) + shortcut(x)), the
// shortcut being x or BN(downsample(x)).
func (b block) forward(tp *tensor.Tape, x *tensor.Var) *tensor.Var {
	h := b.conv1.forward(tp, x, nil)
	res := x
	if b.down != nil {
		res = ops.Conv2DGeometry(tp, x, b.down.w, nil, b.down.geo)
		affineReLU(res, b.down.scale, b.down.shift, nil, false)
	}
	y := ops.Conv2DGeometry(tp, h, b.conv2.w, nil, b.conv2.geo)
	tp.Free(h)
	affineReLU(y, b.conv2.scale, b.conv2.shift, res, true)
	if res != x {
		tp.Free(res)
	}
	return y
}

// Normalize turns img into DRN's input, [3, H, W] row-major: for each channel c,
// (v/255 - Mean[c]) / Std[c] with v the pixel's 8-bit RGB value by imagefile.ToRGB's alpha
// rule (PIL's convert('RGB')), in float32 like torchvision's ToTensor and Normalize.
func Normalize(img image.Image) []float32 {
	m := imagefile.ToRGB(img)
	n := m.W * m.H
	out := make([]float32, 3*n)
	for i := range n {
		for ch := range 3 {
			out[ch*n+i] = (float32(m.Pix[3*i+ch])/255 - Mean[ch]) / Std[ch]
		}
	}
	return out
}

// affineReLU applies a folded batch norm to x [C, H, W] in place, channel by channel in
// parallel: x = scale[c]·x + shift[c], then + res when res is not nil, then max(0, ·)
// when relu is set.
func affineReLU(x *tensor.Var, scale, shift []float32, res *tensor.Var, relu bool) {
	c := x.Shape[0]
	hw := len(x.Data) / c
	tensor.ParallelFor(c, hw, func(ch int) {
		row, a, b := x.Data[ch*hw:(ch+1)*hw], scale[ch], shift[ch]
		for i, v := range row {
			v = a*v + b
			if res != nil {
				v += res.Data[ch*hw+i]
			}
			if relu && v < 0 {
				v = 0
			}
			row[i] = v
		}
	})
}

// upsample is DRNSeg's up, the grouped transposed convolution of each class's map x[c]
// (h x w) with its own kernel u[c] (K x K, K = 16), stride s = 8 and padding p = 4:
//
//	y[c, oy, ox] = Σ_{iy, ix} x[c, iy, ix] · u[c, oy + p - s·iy, ox + p - s·ix]
//
// over the (iy, ix) whose kernel index lies in [0, K). The output is
// ((h-1)·s - 2p + K) = 8h by 8w. Each output pixel gathers its (at most 2x2) taps, so
// the classes run in parallel and the result does not depend on the thread count.
func upsample(x, u []float32, classes, h, w int) []float32 {
	ho, wo := (h-1)*upStride-2*upPad+upKernel, (w-1)*upStride-2*upPad+upKernel
	rows, cols := transposedTaps(h, ho), transposedTaps(w, wo)
	y := make([]float32, classes*ho*wo)
	kk := upKernel * upKernel
	tensor.ParallelFor(classes, ho*wo*4, func(c int) {
		xc, uc, yc := x[c*h*w:(c+1)*h*w], u[c*kk:(c+1)*kk], y[c*ho*wo:(c+1)*ho*wo]
		for oy, ry := range rows {
			for ox, rx := range cols {
				var s float32
				for _, ty := range ry {
					for _, tx := range rx {
						s += xc[ty.in*w+tx.in] * uc[ty.k*upKernel+tx.k]
					}
				}
				yc[oy*wo+ox] = s
			}
		}
	})
	return y
}

// tap is one input index of a transposed convolution along one axis and the kernel index
// it is weighted by.
type tap struct{ in, k int }

// transposedTaps lists, for each of the out output indices o along one axis, the input
// indices i in [0, in) with kernel index k = o + p - s·i in [0, K), in increasing i.
func transposedTaps(in, out int) [][]tap {
	taps := make([][]tap, out)
	for o := range out {
		for i := 0; i < in; i++ {
			if k := o + upPad - upStride*i; k >= 0 && k < upKernel {
				taps[o] = append(taps[o], tap{i, k})
			}
		}
	}
	return taps
}

// logSoftmax replaces z [classes, n] by its log-softmax over the classes at each of the n
// positions, in parallel over blocks of positions:
//
//	z_c - m - log Σ_j exp(z_j - m),  m = max_j z_j,
//
// the sum taken in float64.
func logSoftmax(z []float32, classes, n int) {
	tensor.Chunks(n, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			m := z[p]
			for c := 1; c < classes; c++ {
				m = max(m, z[c*n+p])
			}
			var s float64
			for c := range classes {
				s += math.Exp(float64(z[c*n+p] - m))
			}
			ls := float32(math.Log(s))
			for c := range classes {
				z[c*n+p] = z[c*n+p] - m - ls
			}
		}
	})
}

// argmax is the class of the largest value of z [classes, n] at each position, the lowest
// one on ties.
func argmax(z []float32, classes, n int) []uint8 {
	out := make([]uint8, n)
	tensor.Chunks(n, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			best := 0
			for c := 1; c < classes; c++ {
				if z[c*n+p] > z[best*n+p] {
					best = c
				}
			}
			out[p] = uint8(best)
		}
	})
	return out
}
