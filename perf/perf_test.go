package perf

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"sweep/core"
	"sweep/job"
	"sweep/vocab"
)

func TestRunTimesEveryIterationAndSection(t *testing.T) {
	r, err := Run(Config{Crop: 32, NGF: 4, Blocks: 5, Queries: 16, Mode: "global", Iters: 2, Warmup: 1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Times) != 2 || r.Median() <= 0 || r.GFlop <= 0 || r.PeakRSSMB <= 0 {
		t.Errorf("result %+v", r)
	}
	for _, s := range []string{"generator", "discriminator", "nce", "attention", "optimizer"} {
		if r.Sections[s] <= 0 {
			t.Errorf("section %s has no time: %v", s, r.Sections)
		}
	}
	if _, err := Run(Config{Crop: 30, Iters: 1}, io.Discard); err == nil {
		t.Error("crop 30 accepted")
	}
}

// TestModelIsTheReference: the timed model is the one the PyTorch reference times
// (bench_ref.py): netF_nc 256, temperature 0.07, lr 2e-4, ndf = ngf, the official losses and
// Adam betas.
func TestModelIsTheReference(t *testing.T) {
	c := Config{Crop: 64, NGF: 32, Blocks: 6, Queries: 128, Mode: vocab.ModeLocal, AllLayers: true}
	want := core.Options{NGF: 32, NDF: 32, NBlocks: 6, NetFNC: 256,
		NCE:       core.NCEOptions{Mode: "local", AllLayers: true, NumPatches: 128, Temp: 0.07, Lambda: 1},
		LambdaGAN: 1, NCEIdt: true, Beta1: 0.5, Beta2: 0.999}
	run := c.Run()
	if got := job.Options(run); !reflect.DeepEqual(got, want) || run.LR != 2e-4 || run.CropSize != 64 {
		t.Errorf("options %+v, lr %g, crop %d; want %+v, lr 2e-4, crop 64", got, run.LR, run.CropSize, want)
	}
	c.NoPool = true
	if got := job.Options(c.Run()).NCE; !got.AllLayers || !got.NoPool {
		t.Errorf("--all-layers --no-pool gives %+v", got)
	}
	c.AllLayers = false
	if got := c.Run().AttnLayers; got != vocab.LayersLast2 {
		t.Errorf("--no-pool alone gives layers %s, want last2", got)
	}
}

// The op table has every op a QS-Attn iteration runs, with calls, and the matrix products'
// FLOP land on the ops that multiply: their sum is the iteration's product work; the other
// ops have their memory traffic, backward more than forward.
func TestOpTableCoversTheIteration(t *testing.T) {
	r, err := Run(Config{Crop: 32, NGF: 4, Blocks: 5, Queries: 16, Mode: vocab.ModeGlobal, Iters: 2, Warmup: 1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"im2col", "instanceNorm", "pad", "depthwise", "globalRoute", "linear", "patchNCE", "scores", "optimizer"} {
		if o := r.Ops.Ops[op]; o == nil || o.Forward+o.Backward <= 0 {
			t.Errorf("op %s missing or without time: %+v", op, o)
		}
	}
	for _, op := range []string{"instanceNorm", "pad", "depthwise", "add"} {
		if o := r.Ops.Ops[op]; o.ForwardBytes <= 0 || o.BackwardBytes <= o.ForwardBytes {
			t.Errorf("op %s: memory traffic %d bytes forward, %d backward", op, o.ForwardBytes, o.BackwardBytes)
		}
	}
	var flop int64
	for _, o := range r.Ops.Ops {
		flop += o.ForwardFlop + o.BackwardFlop
	}
	if perIter := float64(flop) / 2 / 1e9; perIter < 0.99*r.GFlop || perIter > 1.01*r.GFlop {
		t.Errorf("ops hold %.4f GFLOP per iteration, the iteration %.4f", perIter, r.GFlop)
	}
	var b strings.Builder
	WriteOpTable(&b, r)
	if !strings.Contains(b.String(), "im2col") || strings.Count(b.String(), "\n") != len(r.Ops.Ops)+1 {
		t.Errorf("table:\n%s", b.String())
	}
}
