package config

import (
	"strings"
	"testing"
)

func TestValidateRefusesWhatCannotWork(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Run)
		want   string // the option and what is allowed
	}{
		{"crop not divisible by 4", func(r *Run) { r.CropSize = 66 }, "crop_size 66 must be a multiple of 4"},
		{"more queries than positions", func(r *Run) { r.CropSize, r.LoadSize, r.Queries = 64, 64, 257 }, "queries 257 exceeds the 256 positions"},
		{"unknown mode", func(r *Run) { r.Mode = "globl" }, `mode "globl" is unknown; allowed: global, random_global`},
		{"unknown layers", func(r *Run) { r.AttnLayers = "last3" }, "attn_layers \"last3\" is unknown; allowed: last2, all, all_unpooled"},
		{"load below crop", func(r *Run) { r.LoadSize = 128 }, "load_size 128 must be at least crop_size 256"},
		{"batch", func(r *Run) { r.BatchSize = 4 }, "batch_size 4 is not supported"},
		{"too few blocks", func(r *Run) { r.NBlocks = 4 }, "n_blocks 4 must be at least 5"},
		{"metric", func(r *Run) { r.Metrics = []string{"lpips"} }, `metric "lpips" is unknown; allowed: swd, fid, seg, gt`},
		{"executor", func(r *Run) { r.Executor = "slurm" }, `executor "slurm" is unknown`},
		{"command without template", func(r *Run) { r.Executor = "command" }, "needs a command template"},
		{"temperature", func(r *Run) { r.NCETemp = 0 }, "nce_t 0 must be positive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Default()
			c.change(&r)
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want it to say %q", err, c.want)
			}
		})
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("the defaults are invalid: %v", err)
	}
}

func TestIDDependsOnContentAndCodeVersion(t *testing.T) {
	a, b := Default(), Default()
	if ID(a, "v1") != ID(b, "v1") {
		t.Error("equal configs got different IDs")
	}
	b.Queries = 128
	if ID(a, "v1") == ID(b, "v1") {
		t.Error("different configs got the same ID")
	}
	if ID(a, "v1") == ID(a, "v2") {
		t.Error("the code version does not change the ID")
	}
}
