package core

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sweep/internal/tensortest"
	"testing"

	"sweep/safetensors"
)

func TestCheckpointRoundTripAndRefusals(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	o := benchOptions(4, 8, ModeGlobal)
	o.NBlocks, o.NetFNC = 5, 8
	m := NewModel(o, rng)
	a, b := tensortest.RandVar(rng, 1, 3, 20, 20), tensortest.RandVar(rng, 1, 3, 20, 20)
	m.Iteration(a, b, RandomPicker{rng}, RandomPicker{rng}, 2e-4)
	path := filepath.Join(t.TempDir(), "ck.safetensors")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteCheckpoint(out, map[string]string{"iter": "1"}); err != nil {
		t.Fatal(err)
	}
	out.Close()
	m2 := NewModel(o, nil)
	meta, err := m2.LoadCheckpoint(path)
	if err != nil || meta["iter"] != "1" {
		t.Fatalf("LoadCheckpoint: %v %v", meta, err)
	}
	for name, n := range m.Nets() {
		for i, p := range n.Params {
			q := m2.Nets()[name].Params[i]
			if tensortest.RelErr(p.Data, q.Data) != 0 || tensortest.RelErr(p.m, q.m) != 0 || tensortest.RelErr(p.v, q.v) != 0 {
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
	_, err = NewModel(o, nil).LoadCheckpoint(bad)
	if err == nil || !strings.Contains(err.Error(), "missing G.model.1.weight") || !strings.Contains(err.Error(), "D.model.0.bias has shape [3], want [4]") {
		t.Errorf("LoadCheckpoint(bad) = %v", err)
	}
}
