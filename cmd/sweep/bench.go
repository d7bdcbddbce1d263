package main

import (
	"fmt"
	"os"
	"sort"

	"sweep/linalg"
	"sweep/perf"
	"sweep/vocab"
)

func init() {
	define("bench", "time training iterations of a configuration (ends with ms_per_iter=... peak_rss_mb=...)", setupBench)
}

func setupBench(f *flags) func([]string) error {
	f.describe("", `Times training iterations of one configuration of the built-in core and prints the time
of each model section and a per-operation table on stderr; the last line, on stdout, is
ms_per_iter=... peak_rss_mb=...`)
	var c perf.Config
	f.IntVar(&c.Crop, "crop", 64, "crop size")
	f.IntVar(&c.NGF, "ngf", 64, "generator and discriminator base channels")
	f.IntVar(&c.Blocks, "blocks", 9, "residual blocks")
	f.IntVar(&c.Queries, "queries", 256, "queries (num_patches)")
	f.TextVar(&c.Mode, "mode", vocab.ModeGlobal, "selection `MODE`: global, random_global, entropy_noroute, self_route_entropy, self_route_random, informer, local, local_global or cut")
	f.BoolVar(&c.AllLayers, "all-layers", false, "attention on all five layers (maps 0-2 pooled to map 3's grid)")
	f.BoolVar(&c.NoPool, "no-pool", false, "with --all-layers: attention on maps 0-2 at full size")
	f.IntVar(&c.Iters, "iters", 8, "timed iterations")
	f.IntVar(&c.Warmup, "warmup", 2, "untimed iterations first")
	return func([]string) error { return bench(c) }
}

func bench(c perf.Config) error {
	r, err := perf.Run(c, os.Stderr)
	if err != nil {
		return err
	}
	ms := float64(r.Median().Microseconds()) / 1e3
	fmt.Fprintf(os.Stderr, "matrix kernel %s, %s: %.1f GFLOP of products per iteration, %.1f GFLOP/s, %.0f%% of the %d GFLOP/s peak\n",
		linalg.KernelVersion(), loops(), r.GFlop, r.GFlop/(ms/1e3), 100*r.GFlop/(ms/1e3)/perf.PeakGFlops, perf.PeakGFlops)
	printSections(r)
	perf.WriteOpTable(os.Stderr, r)
	fmt.Printf("ms_per_iter=%.1f peak_rss_mb=%.0f\n", ms, r.PeakRSSMB)
	return nil
}

// printSections writes the mean time per iteration of each model section, largest first.
func printSections(r perf.Result) {
	names := make([]string, 0, len(r.Sections))
	for n := range r.Sections {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return r.Sections[names[i]] > r.Sections[names[j]] })
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-14s %8.1f ms\n", n, float64(r.Sections[n].Microseconds())/1e3/float64(len(r.Times)))
	}
}
