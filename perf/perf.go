// Package perf times training iterations of the core, for users asking how long their
// configuration takes and for comparing with the PyTorch reference.
package perf

import (
	"cmp"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"syscall"
	"time"

	"sweep/config"
	"sweep/core"
	"sweep/job"
	"sweep/linalg"
	"sweep/tensor"
	"sweep/vocab"
)

// Config is one benchmark configuration: the settings it changes from config.Default, and
// how many iterations it times.
type Config struct {
	Crop, NGF, Blocks, Queries int
	Mode                       vocab.Mode
	AllLayers, NoPool          bool
	Iters, Warmup              int
	Seed                       uint64
}

// Run is the run configuration that trains what c times: the defaults with c's sizes, mode
// and layers, and ndf = ngf.
func (c Config) Run() config.Run {
	r := config.Default()
	r.CropSize, r.LoadSize = c.Crop, max(r.LoadSize, c.Crop)
	r.NGF, r.NDF, r.NBlocks, r.Queries, r.Mode = c.NGF, c.NGF, c.Blocks, c.Queries, c.Mode
	switch {
	case c.AllLayers && c.NoPool:
		r.AttnLayers = vocab.LayersAllUnpooled
	case c.AllLayers:
		r.AttnLayers = vocab.LayersAll
	}
	return r
}

// Result holds per-iteration times, the process's peak resident memory, the matrix-product
// work per iteration and the time per model section (summed over the timed iterations).
type Result struct {
	Times     []time.Duration
	PeakRSSMB float64
	GFlop     float64 // matrix-product GFLOP per iteration
	Sections  tensor.Profile
	Ops       *tensor.OpProfile // per op, summed over the timed iterations
}

// PeakGFlops is the machine class's FP32 peak: 2 Zen 4 cores × 32 FLOP/cycle × 2.6 GHz.
const PeakGFlops = 166

// Median is the median iteration time.
func (r Result) Median() time.Duration {
	t := slices.Clone(r.Times)
	slices.Sort(t)
	return t[len(t)/2]
}

// Run times c.Iters training iterations on random images after c.Warmup untimed ones,
// logging each to log.
func Run(c Config, log io.Writer) (Result, error) {
	if c.Crop%4 != 0 || c.Iters < 1 || c.Queries > (c.Crop/4)*(c.Crop/4) {
		return Result{}, fmt.Errorf("need crop a multiple of 4, iters >= 1 and queries <= %d", (c.Crop/4)*(c.Crop/4))
	}
	run := c.Run()
	rng := rand.New(rand.NewPCG(c.Seed, 1))
	m := core.NewModel(job.Options(run), rng)
	var res Result
	var flops0 int64
	for i := 0; i < c.Warmup+c.Iters; i++ {
		if i == c.Warmup {
			m.Profile, flops0 = tensor.Profile{}, linalg.Flops()
			m.Ops = tensor.NewOpProfile(linalg.Flops)
		}
		a, b := randomImage(rng, c.Crop), randomImage(rng, c.Crop)
		start := time.Now()
		m.Iteration(a, b, core.RandomPicker{Rng: rng}, core.RandomPicker{Rng: rng}, run.LR)
		d := time.Since(start)
		fmt.Fprintf(log, "iter %d: %.1f ms\n", i, float64(d.Microseconds())/1e3)
		if i >= c.Warmup {
			res.Times = append(res.Times, d)
		}
	}
	res.GFlop = float64(linalg.Flops()-flops0) / float64(c.Iters) / 1e9
	res.Sections, res.Ops = m.Profile, m.Ops
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		res.PeakRSSMB = float64(ru.Maxrss) / 1024
	}
	return res, nil
}

func randomImage(rng *rand.Rand, size int) *tensor.Var {
	v := tensor.Zeros(3, size, size)
	for i := range v.Data {
		v.Data[i] = float32(rng.Float64()*2 - 1)
	}
	return v
}

// WriteOpTable writes the per-op table of r: calls, forward and backward milliseconds per
// iteration, share of the profiled time, and the matrix products' GFLOP/s or the other ops'
// estimated memory traffic in GB/s (tensor.OpTime), slowest first.
func WriteOpTable(w io.Writer, r Result) {
	if r.Ops == nil {
		return
	}
	iters := float64(len(r.Times))
	var total time.Duration
	names := make([]string, 0, len(r.Ops.Ops))
	for n, o := range r.Ops.Ops {
		names = append(names, n)
		total += o.Forward + o.Backward
	}
	spent := func(n string) time.Duration { return r.Ops.Ops[n].Forward + r.Ops.Ops[n].Backward }
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(spent(b), spent(a)) })
	fmt.Fprintf(w, "  %-20s %6s %9s %9s %6s %8s %6s\n", "op", "calls", "fwd ms", "bwd ms", "share", "GFLOP/s", "GB/s")
	for _, n := range names {
		o := r.Ops.Ops[n]
		flops, bytes := "-", "-"
		if flop := o.ForwardFlop + o.BackwardFlop; flop > 0 {
			flops = fmt.Sprintf("%.1f", float64(flop)/spent(n).Seconds()/1e9)
		} else if b := o.ForwardBytes + o.BackwardBytes; b > 0 {
			bytes = fmt.Sprintf("%.1f", float64(b)/spent(n).Seconds()/1e9)
		}
		fmt.Fprintf(w, "  %-20s %6.0f %9.1f %9.1f %5.1f%% %8s %6s\n", n, float64(o.Calls)/iters,
			ms(o.Forward)/iters, ms(o.Backward)/iters, 100*float64(spent(n))/float64(total), flops, bytes)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
