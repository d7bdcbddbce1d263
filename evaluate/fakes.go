package evaluate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"sweep/checkpoint"
	"sweep/core"
	"sweep/data"
	"sweep/internal/imagefile"
	"sweep/rundir"
	"sweep/tensor"
)

// Fakes makes sure ck's translations of the test set are in ck.Fakes. A complete folder is
// kept: it is the deterministic translation of that checkpoint, left by the run or an earlier
// evaluation. Otherwise ck's generator translates the test set into a temporary folder that
// is then renamed into place, so ck.Fakes is never partial; translating the final checkpoint
// also writes the test inputs (images/real_A, for image grids). A checkpoint without weights
// (an external trainer's images) must have its images already.
func (e *Evaluator) Fakes(ctx context.Context, ck Checkpoint) error {
	if ck.Weights == "" {
		_, err := imagefile.List(ck.Fakes)
		if err != nil {
			return fmt.Errorf("no translations to score and no generator to make them: %w", err)
		}
		return nil
	}
	samples, err := e.ds.Test()
	if err != nil {
		return err
	}
	if complete(ck.Fakes, samples) {
		return nil
	}
	g, err := checkpoint.LoadGenerator(ck.Weights)
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(ck.Fakes), "."+filepath.Base(ck.Fakes)+".partial")
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := writeFakes(ctx, g, samples, tmp); err != nil {
		return err
	}
	if ck.Final {
		if err := writeInputs(samples, filepath.Join(e.dir, rundir.InputImagesDir)); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(ck.Fakes); err != nil {
		return err
	}
	return os.Rename(tmp, ck.Fakes)
}

// complete reports whether dir holds the translation of every sample.
func complete(dir string, samples []data.Sample) bool {
	for _, s := range samples {
		if _, err := os.Stat(filepath.Join(dir, s.Name+".png")); err != nil {
			return false
		}
	}
	return true
}

// writeFakes writes g's output for every sample as dir/<name>.png, stopping when ctx ends.
func writeFakes(ctx context.Context, g *core.Generator, samples []data.Sample, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range samples {
		if err := ctx.Err(); err != nil {
			return err
		}
		out, _ := g.Forward(nil, tensor.NewVar(s.A.Pix, s.A.C, s.A.H, s.A.W), false)
		fake := data.Image{C: 3, H: out.Shape[1], W: out.Shape[2], Pix: out.Data}
		if err := data.WritePNG(filepath.Join(dir, s.Name+".png"), fake); err != nil {
			return err
		}
	}
	return nil
}

// writeInputs writes the test inputs as dir/<name>.png.
func writeInputs(samples []data.Sample, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range samples {
		if err := data.WritePNG(filepath.Join(dir, s.Name+".png"), s.A); err != nil {
			return err
		}
	}
	return nil
}
