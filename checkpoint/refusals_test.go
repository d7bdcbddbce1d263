package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/safetensors"
	"sweep/torchpt"
)

// fixtureTensors returns the fixture's tensors with the given prefix, renamed without it.
func fixtureTensors(t *testing.T, prefix string) []torchpt.Tensor {
	f, err := safetensors.ReadFile(filepath.Join(fixtureDir(t), "global.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var ts []torchpt.Tensor
	for name, ten := range f.Tensors {
		if strings.HasPrefix(name, prefix) {
			v, _ := ten.Float32s()
			ts = append(ts, torchpt.Tensor{Name: strings.TrimPrefix(name, prefix), DType: "F32", Shape: ten.Shape, Float32: v})
		}
	}
	return ts
}

func TestBadCheckpointsAreRefusedWithWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, ts []torchpt.Tensor) string {
		p := filepath.Join(dir, name)
		if err := torchpt.Save(p, ts); err != nil {
			t.Fatal(err)
		}
		return p
	}
	junk := filepath.Join(dir, "junk.pth")
	os.WriteFile(junk, []byte("not a checkpoint"), 0o644)
	g := fixtureTensors(t, "G.")
	var edited []torchpt.Tensor
	for _, ten := range g {
		switch ten.Name {
		case "model.4.bias":
		case "model.8.bias":
			ten.Shape, ten.Float32 = []int{2}, []float32{1, 2}
			edited = append(edited, ten)
		default:
			edited = append(edited, ten)
		}
	}
	edited = append(edited, torchpt.Tensor{Name: "model.99.weight", DType: "F32", Shape: []int{1}, Float32: []float32{0}})
	for _, c := range []struct {
		name, path string
		want       []string
	}{
		{"not a checkpoint", junk, []string{"is neither a safetensors checkpoint (safetensors: not a safetensors file", "nor a PyTorch state_dict (torchpt: not a PyTorch checkpoint"}},
		{"discriminator", save("D.pth", fixtureTensors(t, "D.")), []string{"looks like a discriminator"}},
		{"missing, extra and mis-shaped", save("edited.pth", edited), []string{"edited.pth: generator of ngf 8 with 9 blocks: 1 missing: model.4.bias; 1 unexpected: model.99.weight; 1 mis-shaped: model.8.bias has shape [2], want [32]"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadGenerator(c.path)
			for _, w := range c.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("LoadGenerator = %v, want it to say %q", err, w)
				}
			}
		})
	}
	shape := fixtureTensors(t, "G.")
	for i := range shape {
		if shape[i].Name == "model.8.bias" {
			shape[i].Shape, shape[i].Float32 = []int{2}, []float32{1, 2}
		}
	}
	if _, err := LoadGenerator(save("shape.pth", shape)); err == nil || !strings.Contains(err.Error(), "model.8.bias has shape [2], want [32]") {
		t.Errorf("mis-shaped bias: %v", err)
	}
}
