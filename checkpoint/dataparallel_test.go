package checkpoint

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/data"
	"sweep/torchpt"
	"sweep/translate"
)

// prefixed writes a copy of the fixture generator whose keys named by which get
// "module.", as DataParallel saves them, and returns its path.
func prefixed(t *testing.T, which func(name string) bool) string {
	t.Helper()
	ts, err := torchpt.Load(filepath.Join(fixtureDir(t), "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ts {
		if which(ts[i].Name) {
			ts[i].Name = "module." + ts[i].Name
		}
	}
	path := filepath.Join(t.TempDir(), "latest_net_G.pth")
	if err := torchpt.Save(path, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

// translated translates one fixed noisy image with the checkpoint at path and returns
// the PNG written.
func translated(t *testing.T, path string) []byte {
	t.Helper()
	g, err := LoadGenerator(path)
	if err != nil {
		t.Fatal(err)
	}
	in, out := t.TempDir(), t.TempDir()
	img := data.Image{C: 3, H: 32, W: 32, Pix: make([]float32, 3*32*32)}
	for i := range img.Pix {
		img.Pix[i] = float32(i*7919%255)/127.5 - 1
	}
	if err := data.WritePNG(filepath.Join(in, "a.png"), img); err != nil {
		t.Fatal(err)
	}
	if err := translate.Dir(g, in, out, 32, func(int, int) {}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "a.png"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDataParallelCheckpointTranslatesTheSame: a generator saved wrapped in DataParallel
// (every key "module.model...", as the official code saves with --gpu_ids -1) loads and
// translates exactly as the unwrapped file.
func TestDataParallelCheckpointTranslatesTheSame(t *testing.T) {
	plain := translated(t, filepath.Join(fixtureDir(t), "pretrained", "global_latest_net_G.pth"))
	wrapped := translated(t, prefixed(t, func(string) bool { return true }))
	if !bytes.Equal(plain, wrapped) {
		t.Error("the module.-prefixed checkpoint translates differently")
	}
}

func TestMixedDataParallelPrefixIsRefused(t *testing.T) {
	path := prefixed(t, func(name string) bool { return name == "model.1.weight" })
	_, err := LoadGenerator(path)
	if err == nil || !strings.Contains(err.Error(), "module.model.1.weight") || !strings.Contains(err.Error(), "and some do not (model.") {
		t.Fatalf("err = %v, want one naming a key with the prefix and one without", err)
	}
}
