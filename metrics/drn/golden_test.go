package drn

import (
	"image"
	"image/color"
	"math"
	"os"
	"testing"

	"sweep/internal/fixtures"
	"sweep/safetensors"

	_ "image/png"
)

// goldenTol bounds the relative errors of the logits and log-probabilities against the
// PyTorch fixture, and the top-two margin under which a pixel's label is not compared.
const goldenTol = 1e-4

// goldenCase is the DRN fixture: the network, its input image and PyTorch's outputs.
type goldenCase struct {
	net  *Net
	img  image.Image
	f    *safetensors.File
	w, h int
}

// loadGolden reads $SWEEP_FIXTURES/drn (fixtures.Dir); a missing fixture is a failure.
func loadGolden(t *testing.T) goldenCase {
	t.Helper()
	net, err := Load(fixtures.Dir(t, "drn", "drn_d_22_small.pth"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.ReadFile(fixtures.Dir(t, "drn", "drn_case.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(fixtures.Dir(t, "drn", "input.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	img, _, err := image.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	return goldenCase{net, img, f, b.Dx(), b.Dy()}
}

func (g goldenCase) float32s(t *testing.T, name string, shape ...int) []float32 {
	t.Helper()
	v, s, err := g.f.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(s, shape) {
		t.Fatalf("%s has shape %v, want %v", name, s, shape)
	}
	return v
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// relErrs are ‖got - want‖/‖want‖ and max|got - want| / max|want|.
func relErrs(got, want []float32) (norm, worst float64) {
	var d2, w2, dMax, wMax float64
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		d2, w2 = d2+d*d, w2+float64(want[i])*float64(want[i])
		dMax, wMax = max(dMax, d), max(wMax, math.Abs(float64(want[i])))
	}
	return math.Sqrt(d2 / w2), dMax / wMax
}

// checkClose fails when either relative error of got exceeds goldenTol, and logs both.
func checkClose(t *testing.T, name string, got, want []float32) {
	t.Helper()
	norm, worst := relErrs(got, want)
	t.Logf("%s: relative error %.2g (norm), %.2g (max over max)", name, norm, worst)
	if norm > goldenTol || worst > goldenTol {
		t.Errorf("%s: relative errors %.2g / %.2g above %g", name, norm, worst, goldenTol)
	}
}

// TestGoldenInput checks the decoded image against the fixture's pixels and Normalize
// against its normalised input.
func TestGoldenInput(t *testing.T) {
	g := loadGolden(t)
	pix, shape, err := g.f.Int("input")
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(shape, []int{g.h, g.w, 3}) {
		t.Fatalf("input has shape %v for a %dx%d image", shape, g.w, g.h)
	}
	for y := range g.h {
		for x := range g.w {
			c := color.NRGBAModel.Convert(g.img.At(x, y)).(color.NRGBA)
			for ch, v := range [3]uint8{c.R, c.G, c.B} {
				if int(v) != pix[(y*g.w+x)*3+ch] {
					t.Fatalf("input.png (%d,%d) channel %d is %d, the fixture's input %d", x, y, ch, v, pix[(y*g.w+x)*3+ch])
				}
			}
		}
	}
	checkClose(t, "normalised", Normalize(g.img), g.float32s(t, "normalised", 1, 3, g.h, g.w))
}

// TestGoldenSegmentation runs the network on the fixture image and compares the stride-8
// logits and the log-probabilities with PyTorch's, and the labels wherever the reference's
// top two log-probabilities differ by more than goldenTol.
func TestGoldenSegmentation(t *testing.T) {
	g := loadGolden(t)
	out, err := g.net.Predict(g.img)
	if err != nil {
		t.Fatal(err)
	}
	k := g.net.Classes
	checkClose(t, "logits_stride8", out.Logits, g.float32s(t, "logits_stride8", 1, k, g.h/Stride, g.w/Stride))
	want := g.float32s(t, "log_probs", 1, k, g.h, g.w)
	checkClose(t, "log_probs", out.LogProbs, want)
	pred, shape, err := g.f.Int("pred")
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(shape, []int{g.h, g.w}) {
		t.Fatalf("pred has shape %v", shape)
	}
	compareLabels(t, out.Labels, pred, want, k)
}

// compareLabels compares labels with the reference pred at every pixel whose reference
// log-probabilities lp [classes, n] have a top-two margin above goldenTol, and logs how
// many pixels that leaves out.
func compareLabels(t *testing.T, labels []uint8, pred []int, lp []float32, classes int) {
	t.Helper()
	n := len(pred)
	excluded, wrong := 0, 0
	for p := range n {
		if topTwoMargin(lp, classes, n, p) <= goldenTol {
			excluded++
			continue
		}
		if int(labels[p]) != pred[p] {
			wrong++
			if wrong <= 5 {
				t.Errorf("pixel %d: label %d, PyTorch %d", p, labels[p], pred[p])
			}
		}
	}
	t.Logf("pred: %d of %d pixels compared, %d excluded (top-two margin <= %g), %d differ", n-excluded, n, excluded, goldenTol, wrong)
	if excluded > n/10 {
		t.Errorf("%d of %d pixels excluded: the comparison says little", excluded, n)
	}
}

// topTwoMargin is the difference of the two largest of lp[·, p].
func topTwoMargin(lp []float32, classes, n, p int) float64 {
	first, second := math.Inf(-1), math.Inf(-1)
	for c := range classes {
		v := float64(lp[c*n+p])
		if v > first {
			first, second = v, first
		} else if v > second {
			second = v
		}
	}
	return first - second
}

// TestGoldenUpsample checks up and the log-softmax alone: from PyTorch's own stride-8
// logits to its log-probabilities.
func TestGoldenUpsample(t *testing.T) {
	g := loadGolden(t)
	k := g.net.Classes
	lp := upsample(g.float32s(t, "logits_stride8", 1, k, g.h/Stride, g.w/Stride), g.net.up, k, g.h/Stride, g.w/Stride)
	logSoftmax(lp, k, g.h*g.w)
	checkClose(t, "up+logsoftmax(logits_stride8)", lp, g.float32s(t, "log_probs", 1, k, g.h, g.w))
}

// TestGoldenFirstDilatedBlock checks what the fixture says about layers 5 and 6: fyu/drn
// builds them with new_level=False, so their first block has dilation (d, d). Giving
// that block's first convolution dilation d/2 instead must move the logits far off.
func TestGoldenFirstDilatedBlock(t *testing.T) {
	g := loadGolden(t)
	want := g.float32s(t, "logits_stride8", 1, g.net.Classes, g.h/Stride, g.w/Stride)
	for _, s := range []int{5, 6} {
		half := *g.net
		half.stages = append([]stage(nil), g.net.stages...)
		st := half.stages[s]
		st.blocks = append([]block(nil), st.blocks...)
		c := &st.blocks[0].conv1
		c.geo.Dilation /= 2
		c.geo.Pad = c.geo.Dilation
		half.stages[s] = st
		out, err := half.Predict(g.img)
		if err != nil {
			t.Fatal(err)
		}
		if norm, _ := relErrs(out.Logits, want); norm < 100*goldenTol {
			t.Errorf("layer%d with a first dilation of %d matches the fixture too (relative error %.2g)", s, c.geo.Dilation, norm)
		} else {
			t.Logf("layer%d, first conv dilation %d: relative error %.2g", s, c.geo.Dilation, norm)
		}
	}
}
