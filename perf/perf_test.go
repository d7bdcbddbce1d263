package perf

import (
	"io"
	"testing"
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
