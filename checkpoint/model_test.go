package checkpoint

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/core"
	"sweep/internal/fixtures"
	"sweep/internal/tensortest"
	"sweep/safetensors"
	"sweep/vocab"
)

func TestCheckpointRoundTripAndRefusals(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	o := smallOptions(4, 8, vocab.ModeGlobal)
	o.NBlocks, o.NetFNC = 5, 8
	m := core.NewModel(o, rng)
	a, b := tensortest.RandVar(rng, 1, 3, 20, 20), tensortest.RandVar(rng, 1, 3, 20, 20)
	m.Iteration(a, b, core.RandomPicker{Rng: rng}, core.RandomPicker{Rng: rng}, 2e-4)
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(out, m, map[string]string{"iter": "1"}); err != nil {
		t.Fatal(err)
	}
	out.Close()
	m2 := core.NewModel(o, nil)
	meta, err := Load(path, m2)
	if err != nil || meta["iter"] != "1" {
		t.Fatalf("Load: %v %v", meta, err)
	}
	for name, n := range m.Nets() {
		for i, p := range n.Params {
			q := m2.Nets()[name].Params[i]
			if tensortest.RelErr(p.Data, q.Data) != 0 || tensortest.RelErr(p.M, q.M) != 0 || tensortest.RelErr(p.V, q.V) != 0 {
				t.Errorf("%s.%s changed in the round trip", name, p.Name)
			}
		}
	}
	if m2.AdamG.Step != 1 || m2.AdamD.Step != 1 || m2.AdamF.Step != 1 {
		t.Errorf("Adam steps %d %d %d, want 1", m2.AdamG.Step, m2.AdamD.Step, m2.AdamF.Step)
	}

	// A checkpoint that lacks a weight and has a mis-shaped one names both.
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w := safetensors.NewWriter()
	for name, ten := range f.Tensors {
		switch name {
		case "G.model.1.weight":
		case "D.model.0.bias":
			w.AddFloat32(name, []int{3}, []float32{1, 2, 3})
		default:
			v, _ := ten.Float32s()
			w.AddFloat32(name, ten.Shape, v)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	badFile, _ := os.Create(bad)
	w.WriteTo(badFile)
	badFile.Close()
	_, err = Load(bad, core.NewModel(o, nil))
	if err == nil || !strings.Contains(err.Error(), "missing G.model.1.weight") || !strings.Contains(err.Error(), "D.model.0.bias has shape [3], want [4]") {
		t.Errorf("Load(bad) = %v", err)
	}
}

func fixtureDir(t testing.TB) string { return fixtures.Dir(t) }

// smallOptions is a small QS-Attn model of ngf channels and the given queries and mode.
func smallOptions(ngf, queries int, mode vocab.Mode) core.Options {
	return core.Options{NGF: ngf, NDF: ngf, NBlocks: 9, NetFNC: 256,
		NCE:       core.NCEOptions{Mode: mode, NumPatches: queries, Temp: 0.07, Lambda: 1},
		LambdaGAN: 1, NCEIdt: true, Beta1: 0.5, Beta2: 0.999}
}
