package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"sweep/core"
	"sweep/torchpt"
)

// savePth writes ts as a .pth file in a temporary folder.
func savePth(t *testing.T, name string, ts []torchpt.Tensor) string {
	p := filepath.Join(t.TempDir(), name)
	if err := torchpt.Save(p, ts); err != nil {
		t.Fatal(err)
	}
	return p
}

// f32 is a zero float tensor of the given shape.
func f32(name string, shape ...int) torchpt.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return torchpt.Tensor{Name: name, DType: "F32", Shape: shape, Float32: make([]float32, n)}
}

// withStem is the fixture generator with its stem replaced by a [ngf,3,7,7] one.
func withStem(t *testing.T, ngf int) []torchpt.Tensor {
	ts := fixtureTensors(t, "G.")
	for i := range ts {
		if ts[i].Name == "model.1.weight" {
			ts[i] = f32("model.1.weight", ngf, 3, 7, 7)
		}
	}
	return ts
}

// TestWideStemIsRefusedBeforeAllocating: the stem's width decides the generator's size,
// so every shape is checked against it before the generator is built. A small file with a
// 128-wide stem once made LoadGenerator allocate a 170 MB generator (12 GB for 4096).
func TestWideStemIsRefusedBeforeAllocating(t *testing.T) {
	path := savePth(t, "wide.pth", withStem(t, 128))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := LoadGenerator(path)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "wide.pth: generator of ngf 128 with 9 blocks: ") ||
		!strings.Contains(err.Error(), "mis-shaped: model.1.bias has shape [8], want [128]") {
		t.Errorf("LoadGenerator = %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("LoadGenerator allocated %d MB for a file it refuses", alloc>>20)
	}
}

// TestArchitectureBounds: ngf and the block count are bounded before anything is allocated.
func TestArchitectureBounds(t *testing.T) {
	blocks := []torchpt.Tensor{f32("model.1.weight", 1, 3, 7, 7)}
	for i := range 65 {
		blocks = append(blocks, f32(fmt.Sprintf("model.%d.conv_block.1.weight", 12+i), 1))
	}
	for _, c := range []struct {
		name string
		ts   []torchpt.Tensor
		want string
	}{
		{"ngf 4096", []torchpt.Tensor{f32("model.1.weight", 4096, 3, 7, 7)}, "stem convolution model.1.weight [4096 3 7 7] gives ngf 4096; allowed: 1..1024"},
		{"65 blocks", blocks, "65 residual blocks (model.N.conv_block.1.weight); allowed: 1..64"},
		{"no blocks", blocks[:1], "0 residual blocks"},
		{"5x5 stem", []torchpt.Tensor{f32("model.1.weight", 8, 3, 7, 5)}, "not a ResNet generator checkpoint: no 7x7 stem convolution"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := savePth(t, "x.pth", c.ts)
			if _, err := LoadGenerator(path); err == nil || !strings.Contains(err.Error(), path+": "+c.want) {
				t.Errorf("LoadGenerator = %v, want %q", err, c.want)
			}
		})
	}
}

// TestGeneratorShapesMatchNewGenerator keeps GeneratorShapes equal to what core.NewGenerator builds.
func TestGeneratorShapesMatchNewGenerator(t *testing.T) {
	for _, c := range [][2]int{{1, 1}, {3, 6}, {8, 9}} {
		want := map[string][]int{}
		for _, p := range core.NewGenerator(c[0], c[1]).Params {
			want[p.Name] = p.Shape
		}
		got := GeneratorShapes(c[0], c[1])
		if len(got) != len(want) {
			t.Errorf("ngf %d, %d blocks: %d shapes, want %d", c[0], c[1], len(got), len(want))
		}
		for name, s := range want {
			if !slices.Equal(got[name], s) {
				t.Errorf("ngf %d, %d blocks: %s is %v, want %v", c[0], c[1], name, got[name], s)
			}
		}
	}
}

// TestUnreadableCheckpointSaysWhatEachReaderFound: a damaged safetensors file is reported
// with the safetensors reader's reason, not only "neither ... nor ...".
func TestUnreadableCheckpointSaysWhatEachReaderFound(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir(t), "global.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.safetensors")
	os.WriteFile(path, raw[:len(raw)-100], 0o644)
	_, err = LoadGenerator(path)
	for _, want := range []string{path + " is neither", "(safetensors: tensor ", "do not fit shape", "(torchpt: not a PyTorch checkpoint"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadGenerator = %v, want it to say %q", err, want)
		}
	}
}
