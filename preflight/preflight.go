// Package preflight checks, before a sweep writes anything, that everything its runs will
// need is there: the dataset's folders and images, FID's Inception weights, the segmenter
// program and label maps, checkpoint files, and the placeholders of command templates. A run
// that would fail on one of these after hours of training is refused at the start, with an
// error at the line of the sweep file that asked for the missing thing. The checks are
// listed in docs/preflight.md.
package preflight

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sweep/config"
	"sweep/experiments"
	"sweep/runner"
)

// Options configure Check.
type Options struct {
	Download bool      // fetch missing Inception weights, as "sweep metrics fid" does
	Log      io.Writer // where a download is announced; nil: nowhere
}

// Check is the check of "sweep run" (runner.Args.Check): Options{Download: true, Log:
// os.Stderr}.Check.
func Check(sw *experiments.Sweep, plan []runner.Planned) error {
	return Options{Download: true, Log: os.Stderr}.Check(sw, plan)
}

// Check vets every planned run and returns all the problems found, joined, each an
// *experiments.Error at the line of the key that asked for the missing thing; a problem that
// several runs share is reported once and names them. With plan nil (planning failed) it
// checks every run of the sweep, named by its position (#1 first) since it has no ID. Check
// writes nothing, except the Inception weights it downloads.
func (o Options) Check(sw *experiments.Sweep, plan []runner.Planned) error {
	c := &checker{opt: o, folders: map[string]*folder{}, weights: map[string]error{}, drn: map[string]error{}}
	var f findings
	for _, t := range targets(sw, plan) {
		for _, p := range c.run(t) {
			f.add(sw.Origin(t.index, p.key), p, t)
		}
	}
	return f.err(sw.File)
}

// target is one run to check.
type target struct {
	index int        // in the sweep's runs
	name  string     // "3f2a0c1d9e8b7a65 A seed=1", or "#3 (variant "A", seed 1)" unplanned
	cfg   config.Run // the dataset's path absolute
	dir   string     // its run directory
}

func targets(sw *experiments.Sweep, plan []runner.Planned) []target {
	var out []target
	if plan != nil {
		for _, p := range plan {
			out = append(out, target{index: p.Index, name: p.ID + " " + p.Label, cfg: p.Config, dir: p.Dir})
		}
		return out
	}
	for i, r := range sw.Runs {
		name := fmt.Sprintf("#%d (variant %q, seed %d)", i+1, r.Variant, r.Seed)
		out = append(out, target{index: i, name: name, cfg: absDataset(r), dir: filepath.Join("runs", "unplanned")})
	}
	return out
}

// absDataset makes a folder dataset's path absolute, as runner.Plan does.
func absDataset(r config.Run) config.Run {
	if !isBuiltin(r.Dataset) {
		if abs, err := filepath.Abs(r.Dataset); err == nil {
			r.Dataset = abs
		}
	}
	return r
}

// problem is one thing a run needs that is missing: the config key that asks for it and
// what is wrong.
type problem struct {
	key string
	msg string
}

// checker runs the checks, remembering within one Check what many runs share.
type checker struct {
	opt     Options
	folders map[string]*folder // by absolute dataset path
	weights map[string]error   // by inception setting
	drn     map[string]error   // whether each DRN checkpoint loads, by path
}

func (c *checker) run(t target) []problem {
	var ps []problem
	ps = append(ps, c.dataset(t.cfg)...)
	ps = append(ps, c.fid(t.cfg)...)
	ps = append(ps, c.seg(t.cfg)...)
	ps = append(ps, checkpoint(t.cfg)...)
	ps = append(ps, templates(t.cfg, t.dir)...)
	ps = append(ps, officialRun(t.cfg)...)
	return ps
}
