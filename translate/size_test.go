package translate

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"sweep/checkpoint"
	"sweep/core"
	"sweep/data"
)

// dirWithin runs Dir with a deadline and turns a panic into an error, so sizes that once
// looped forever or panicked fail the test instead of hanging it.
func dirWithin(t *testing.T, g *core.Generator, in, out string, size int) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		done <- Dir(g, in, out, size, func(int, int) {})
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("Dir at size %d did not return", size)
		return nil
	}
}

// TestSizeIsChecked: sizes the generator cannot translate are refused with the allowed
// range; the smallest allowed size works.
func TestSizeIsChecked(t *testing.T) {
	g, err := checkpoint.LoadGenerator(filepath.Join(fixtureDir(t), "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	in := t.TempDir()
	if err := data.WritePNG(filepath.Join(in, "a.png"), data.Image{C: 3, H: 12, W: 12, Pix: make([]float32, 3*12*12)}); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 2, 3, 4, -5, 0, 6, 10, 4100} {
		err := dirWithin(t, g, in, t.TempDir(), size)
		if want := fmt.Sprintf("size %d is not supported: allowed sizes are multiples of 4 from 8 to 4096", size); err == nil || err.Error() != want {
			t.Errorf("size %d: %v, want %q", size, err, want)
		}
	}
	out := t.TempDir()
	if err := dirWithin(t, g, in, out, MinSize); err != nil {
		t.Fatalf("size %d: %v", MinSize, err)
	}
	if img, err := data.ReadImage(filepath.Join(out, "a.png")); err != nil || img.W != MinSize || img.H != MinSize {
		t.Errorf("size %d output: %v %dx%d", MinSize, err, img.W, img.H)
	}
}
