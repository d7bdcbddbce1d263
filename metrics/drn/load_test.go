package drn

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/internal/fixtures"
	"sweep/tensor"
	"sweep/torchpt"
)

// fixtureTensors is the fixture's state_dict in file order.
func fixtureTensors(t *testing.T) []torchpt.Tensor {
	t.Helper()
	ts, err := torchpt.Load(fixtures.Dir(t, "drn", "drn_d_22_small.pth"))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// saved writes ts as a .pth file and loads it.
func saved(t *testing.T, ts []torchpt.Tensor) (*Net, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "drn.pth")
	if err := torchpt.Save(path, ts); err != nil {
		t.Fatal(err)
	}
	return Load(path)
}

// edited returns a copy of ts with f applied to each tensor; f returns false to drop one.
func edited(ts []torchpt.Tensor, f func(t *torchpt.Tensor) bool) []torchpt.Tensor {
	var out []torchpt.Tensor
	for _, t := range ts {
		t.Shape = slices.Clone(t.Shape)
		if f(&t) {
			out = append(out, t)
		}
	}
	return out
}

// reshaped gives t a new shape filled with n values of v.
func reshaped(t *torchpt.Tensor, v float32, shape ...int) {
	t.Shape = shape
	t.Float32 = make([]float32, prod(shape))
	for i := range t.Float32 {
		t.Float32[i] = v
	}
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// TestLoadRefuses checks that wrong, partial and hostile state_dicts are refused with an
// error naming what is wrong, before any network is built.
func TestLoadRefuses(t *testing.T) {
	ts := fixtureTensors(t)
	for _, c := range []struct {
		name string
		edit func(t *torchpt.Tensor) bool
		want []string
	}{
		{"missing", func(t *torchpt.Tensor) bool {
			return t.Name != "base.6.1.bn2.running_var" && t.Name != "up.weight"
		}, []string{"2 missing: base.6.1.bn2.running_var, up.weight"}},
		{"no classes", func(t *torchpt.Tensor) bool {
			if t.Name == "seg.bias" {
				t.Name = "fc.bias"
			}
			return true
		}, []string{"no 1-d seg.bias"}},
		{"unexpected key", func(t *torchpt.Tensor) bool {
			if t.Name == "base.8.1.bias" {
				t.Name = "base.9.1.bias"
			}
			return true
		}, []string{"1 missing: base.8.1.bias", "1 unexpected: base.9.1.bias"}},
		{"mis-shaped", func(t *torchpt.Tensor) bool {
			if t.Name == "base.4.1.conv2.weight" {
				reshaped(t, 0.1, 32, 32, 1, 1)
			}
			return true
		}, []string{"1 mis-shaped: base.4.1.conv2.weight has shape [32 32 1 1], want [32 32 3 3]"}},
		{"inconsistent width", func(t *torchpt.Tensor) bool {
			if t.Name == "base.1.0.weight" {
				reshaped(t, 0.1, 8, 4, 3, 3)
			}
			return true
		}, []string{"1 mis-shaped: base.1.0.weight has shape [8 4 3 3], want [4 4 3 3]"}},
		{"too wide", func(t *torchpt.Tensor) bool {
			if t.Name == "base.0.0.weight" {
				reshaped(t, 0.1, MaxWidth+1, 3, 1, 1)
			}
			return true
		}, []string{"gives width 2049; allowed: 1..2048"}},
		{"too many classes", func(t *torchpt.Tensor) bool {
			if t.Name == "seg.bias" {
				reshaped(t, 0, MaxClasses+1)
			}
			return true
		}, []string{"gives 256 classes; allowed: 1..255"}},
		{"integer weights", func(t *torchpt.Tensor) bool {
			if t.Name == "base.3.0.conv1.weight" {
				t.DType, t.Int64, t.Float32 = "I64", make([]int64, prod(t.Shape)), nil
			}
			return true
		}, []string{"base.3.0.conv1.weight is I64, want a float tensor"}},
		{"counter shape", func(t *torchpt.Tensor) bool {
			if t.Name == "base.2.1.num_batches_tracked" {
				t.Shape, t.Int64 = []int{2}, []int64{1, 2}
			}
			return true
		}, []string{"base.2.1.num_batches_tracked has shape [2], want []"}},
		{"negative variance", func(t *torchpt.Tensor) bool {
			if t.Name == "base.5.0.bn1.running_var" {
				t.Float32 = slices.Clone(t.Float32)
				t.Float32[3] = -1
			}
			return true
		}, []string{"base.5.0.bn1: running_var[3] is -1"}},
		{"mixed DataParallel prefix", func(t *torchpt.Tensor) bool {
			if strings.HasPrefix(t.Name, "base.7") {
				t.Name = torchpt.DataParallelPrefix + t.Name
			}
			return true
		}, []string{"DataParallel prefix"}},
		{"a generator", func(t *torchpt.Tensor) bool {
			t.Name = "model." + t.Name
			return true
		}, []string{"not a DRN-D-22 segmenter state_dict"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := saved(t, edited(ts, c.edit))
			if err == nil {
				t.Fatalf("loaded a network of widths %v", n.Widths)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestLoadDataParallel checks that a state_dict saved from nn.DataParallel (every key
// prefixed "module.") gives the same network, bit for bit.
func TestLoadDataParallel(t *testing.T) {
	ts := fixtureTensors(t)
	plain, err := saved(t, ts)
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := saved(t, edited(ts, func(t *torchpt.Tensor) bool {
		t.Name = torchpt.DataParallelPrefix + t.Name
		return true
	}))
	if err != nil {
		t.Fatal(err)
	}
	if wrapped.Widths != plain.Widths || wrapped.Widths != (Widths{4, 8, 16, 32, 64, 128, 128, 128}) {
		t.Fatalf("widths %v and %v", wrapped.Widths, plain.Widths)
	}
	x := randomInput(rand.New(rand.NewPCG(1, 1)), 16, 24)
	a, err := plain.Forward(x, 16, 24)
	if err != nil {
		t.Fatal(err)
	}
	b, err := wrapped.Forward(x, 16, 24)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.LogProbs, b.LogProbs) || !slices.Equal(a.Labels, b.Labels) {
		t.Error("the DataParallel checkpoint computes something else")
	}
}

// TestForwardRefusesSizes checks the size rules of Forward.
func TestForwardRefusesSizes(t *testing.T) {
	n, err := saved(t, fixtureTensors(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range [][2]int{{12, 16}, {16, 4}, {0, 8}} {
		if _, err := n.Forward(make([]float32, 3*s[0]*s[1]), s[0], s[1]); err == nil {
			t.Errorf("%dx%d accepted", s[1], s[0])
		}
	}
	if _, err := n.Forward(make([]float32, 5), 8, 8); err == nil {
		t.Error("a short input accepted")
	}
}

// randomInput is a normalised-looking N(0, 1) image [3, h, w].
func randomInput(rng *rand.Rand, h, w int) []float32 {
	x := make([]float32, 3*h*w)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestBatchNormEval checks the folded batch norm (with shortcut and ReLU) against
// (x - mean)/sqrt(var + eps)·weight + bias computed in float64.
func TestBatchNormEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const c, hw = 5, 7
	p := make([][]float32, 4)
	for i := range p {
		p[i] = make([]float32, c)
		for j := range p[i] {
			p[i][j] = float32(rng.NormFloat64())
		}
	}
	for j := range p[3] {
		p[3][j] = float32(math.Abs(float64(p[3][j]))) * 1e-3 // small variances: eps matters
	}
	scale, shift, err := foldBatchNorm(p[0], p[1], p[2], p[3])
	if err != nil {
		t.Fatal(err)
	}
	x, res := randomVar(rng, c, hw), randomVar(rng, c, hw)
	for _, relu := range []bool{false, true} {
		y := randomVar(rng, c, hw)
		copy(y.Data, x.Data)
		affineReLU(y, scale, shift, res, relu)
		for ch := range c {
			for i := range hw {
				v := float64(x.Data[ch*hw+i])
				want := (v-float64(p[2][ch]))/math.Sqrt(float64(p[3][ch])+bnEps)*float64(p[0][ch]) + float64(p[1][ch]) + float64(res.Data[ch*hw+i])
				if relu {
					want = max(want, 0)
				}
				if got := float64(y.Data[ch*hw+i]); math.Abs(got-want) > 1e-5*max(1, math.Abs(want)) {
					t.Fatalf("relu %v, channel %d, %d: %v, want %v", relu, ch, i, got, want)
				}
			}
		}
	}
}

func randomVar(rng *rand.Rand, shape ...int) *tensor.Var {
	v := tensor.Zeros(shape...)
	for i := range v.Data {
		v.Data[i] = float32(rng.NormFloat64())
	}
	return v
}

// TestForwardConcurrent checks that concurrent calls sharing one Net (and its pool) give
// the results of sequential ones, bit for bit.
func TestForwardConcurrent(t *testing.T) {
	n, err := FromTensors(randomStateDict(rand.New(rand.NewPCG(8, 8)), Widths{4, 8, 8, 16, 16, 16, 16, 16}, 19))
	if err != nil {
		t.Fatal(err)
	}
	const h, w = 16, 32
	inputs := [][]float32{randomInput(rand.New(rand.NewPCG(1, 9)), h, w), randomInput(rand.New(rand.NewPCG(2, 9)), h, w)}
	var want [2]*Output
	for i, x := range inputs {
		if want[i], err = n.Forward(x, h, w); err != nil {
			t.Fatal(err)
		}
	}
	var got [2]*Output
	var errs [2]error
	done := make(chan int)
	for i := range inputs {
		go func() { got[i], errs[i] = n.Forward(inputs[i], h, w); done <- i }()
	}
	<-done
	<-done
	for i := range inputs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !slices.Equal(got[i].LogProbs, want[i].LogProbs) || !slices.Equal(got[i].Logits, want[i].Logits) {
			t.Errorf("input %d: concurrent result differs from the sequential one", i)
		}
	}
}
