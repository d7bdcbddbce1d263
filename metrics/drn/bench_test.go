package drn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"sweep/linalg"
	"sweep/torchpt"
)

// bilinearUp is fyu/drn segment.py's fill_up_weights for a K x K kernel: with f = ⌈K/2⌉
// and c = (2f - 1 - f mod 2)/(2f), u[i, j] = (1 - |i/f - c|)·(1 - |j/f - c|), the same for
// every class.
func bilinearUp(classes int) []float32 {
	f := (upKernel + 1) / 2
	c := float64(2*f-1-f%2) / float64(2*f)
	u := make([]float32, classes*upKernel*upKernel)
	for i := range upKernel {
		for j := range upKernel {
			v := float32((1 - math.Abs(float64(i)/float64(f)-c)) * (1 - math.Abs(float64(j)/float64(f)-c)))
			for k := range classes {
				u[(k*upKernel+i)*upKernel+j] = v
			}
		}
	}
	return u
}

// TestFixtureUpIsBilinear checks that the fixture's up.weight is fill_up_weights', which
// the benchmark's random network uses too.
func TestFixtureUpIsBilinear(t *testing.T) {
	for _, ts := range fixtureTensors(t) {
		if ts.Name != "up.weight" {
			continue
		}
		want := bilinearUp(ts.Shape[0])
		for i, v := range ts.Float32 {
			if math.Abs(float64(v-want[i])) > 1e-7 {
				t.Fatalf("up.weight[%d] = %v, fill_up_weights gives %v", i, v, want[i])
			}
		}
		return
	}
	t.Fatal("no up.weight")
}

// randomStateDict is a DRNSeg state_dict of widths w with fyu/drn's initialisation: convs
// N(0, 2/(k²·out)), batch norms the identity with unit running variance, the bilinear up.
func randomStateDict(rng *rand.Rand, w Widths, classes int) map[string]torchpt.Tensor {
	ts := map[string]torchpt.Tensor{}
	for key, shape := range StateDictShapes(w, classes) {
		v := make([]float32, prod(shape))
		switch {
		case key == "up.weight":
			v = bilinearUp(classes)
		case len(shape) == 4:
			std := math.Sqrt(2 / float64(shape[0]*shape[2]*shape[3]))
			for i := range v {
				v[i] = float32(rng.NormFloat64() * std)
			}
		case strings.HasSuffix(key, "bn1.weight"), strings.HasSuffix(key, "bn2.weight"), strings.HasSuffix(key, ".1.weight"),
			strings.HasSuffix(key, "running_var"):
			for i := range v {
				v[i] = 1
			}
		}
		ts[key] = torchpt.Tensor{Name: key, DType: "F32", Shape: shape, Float32: v}
	}
	return ts
}

// BenchmarkSegmentFullWidth runs the full-width DRN-D-22 (16..512 channels, random weights
// of the real shapes) on one 256x128 image per iteration, the protocol's resolution, and
// reports the matrix-product work and seconds per image, and the 500-image total that
// implies (an extrapolation: b.N images are timed).
func BenchmarkSegmentFullWidth(b *testing.B) {
	net, err := FromTensors(randomStateDict(rand.New(rand.NewPCG(1, 2)), FullWidths, 19))
	if err != nil {
		b.Fatal(err)
	}
	x := randomInput(rand.New(rand.NewPCG(3, 4)), ProtocolHeight, ProtocolWidth)
	if _, err := net.Forward(x, ProtocolHeight, ProtocolWidth); err != nil { // warm the pool
		b.Fatal(err)
	}
	flops := linalg.Flops()
	for b.Loop() {
		if _, err := net.Forward(x, ProtocolHeight, ProtocolWidth); err != nil {
			b.Fatal(err)
		}
	}
	perImage := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(linalg.Flops()-flops)/float64(b.N)/1e9, "GFLOP/image")
	b.ReportMetric(perImage, "s/image")
	b.ReportMetric(500*perImage, "s/500images")
}
