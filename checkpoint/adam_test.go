package checkpoint

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/core"
	"sweep/internal/tensortest"
	"sweep/safetensors"
	"sweep/vocab"
)

// trainedCheckpoint writes the checkpoint of a small model after one iteration and returns
// its options and path.
func trainedCheckpoint(t *testing.T) (core.Options, string) {
	rng := rand.New(rand.NewPCG(4, 5))
	o := smallOptions(4, 8, vocab.ModeGlobal)
	o.NBlocks, o.NetFNC = 5, 8
	m := core.NewModel(o, rng)
	m.Iteration(tensortest.RandVar(rng, 1, 3, 20, 20), tensortest.RandVar(rng, 1, 3, 20, 20), core.RandomPicker{Rng: rng}, core.RandomPicker{Rng: rng}, 2e-4)
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := Write(out, m, map[string]string{"iter": "1"}); err != nil {
		t.Fatal(err)
	}
	return o, path
}

// rewrite copies the checkpoint at path to a new file, letting edit change the metadata and
// replace (or, returning nil, drop) each tensor's values and shape.
func rewrite(t *testing.T, path string, meta func(map[string]string), edit func(name string, shape []int, v []float32) ([]int, []float32)) string {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w := safetensors.NewWriter()
	for k, v := range f.Metadata {
		w.Metadata[k] = v
	}
	meta(w.Metadata)
	for name, ten := range f.Tensors {
		v, _ := ten.Float32s()
		if shape, v := edit(name, ten.Shape, v); v != nil {
			w.AddFloat32(name, shape, v)
		}
	}
	out := filepath.Join(t.TempDir(), "edited.safetensors")
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if _, err := w.WriteTo(o); err != nil {
		t.Fatal(err)
	}
	return out
}

func keepTensors(_ string, shape []int, v []float32) ([]int, []float32) { return shape, v }

// TestCheckpointAdamStepIsRequired: a missing or malformed Adam step count would reset the
// bias correction and break exact resume, so it is an error naming the file and key.
func TestCheckpointAdamStepIsRequired(t *testing.T) {
	o, path := trainedCheckpoint(t)
	for _, c := range []struct {
		name string
		meta func(map[string]string)
		want string
	}{
		{"missing", func(m map[string]string) { delete(m, "adam_step.G") }, "metadata key adam_step.G (the Adam step count) is missing"},
		{"malformed", func(m map[string]string) { m["adam_step.D"] = "one" }, `metadata key adam_step.D is "one", not a step count`},
		{"negative", func(m map[string]string) { m["adam_step.F"] = "-1" }, `adam_step.F is "-1"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := rewrite(t, path, c.meta, keepTensors)
			m := core.NewModel(o, nil)
			_, err := Load(bad, m)
			if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load = %v, want the file and %q", err, c.want)
			}
			if m.AdamG.Step != 0 || m.G.Params[0].M != nil {
				t.Error("a refused checkpoint changed the optimizer state")
			}
		})
	}
}

// TestCheckpointAdamMomentsAreChecked: moments must have their parameter's shape and be
// present for every parameter of a net that has taken steps.
func TestCheckpointAdamMomentsAreChecked(t *testing.T) {
	o, path := trainedCheckpoint(t)
	keepMeta := func(map[string]string) {}
	for _, c := range []struct {
		name string
		edit func(string, []int, []float32) ([]int, []float32)
		meta func(map[string]string)
		want string
	}{
		{"mis-shaped", func(n string, s []int, v []float32) ([]int, []float32) {
			if n == "adam.G.model.1.bias.m" {
				return []int{2}, v[:2]
			}
			return s, v
		}, keepMeta, "adam.G.model.1.bias.m has shape [2], want [4]"},
		{"missing", func(n string, s []int, v []float32) ([]int, []float32) {
			if n == "adam.D.model.0.weight.v" {
				return nil, nil
			}
			return s, v
		}, keepMeta, "missing adam.D.model.0.weight.v (adam_step.D is 1)"},
		{"moments at step 0", keepTensors, func(m map[string]string) { m["adam_step.F"] = "0" }, "unexpected adam.F."},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := rewrite(t, path, c.meta, c.edit)
			_, err := Load(bad, core.NewModel(o, nil))
			if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load = %v, want the file and %q", err, c.want)
			}
		})
	}
	if _, err := Load(rewrite(t, path, keepMeta, keepTensors), core.NewModel(o, nil)); err != nil {
		t.Errorf("unedited copy: %v", err)
	}
}
