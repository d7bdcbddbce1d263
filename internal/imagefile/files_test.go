package imagefile

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/internal/imagefile/imagetest"
)

// TestList: PNG and JPEG files in any case, in byte order like Python's sorted(); folders,
// other files skipped; an unreadable image format refused; an empty folder refused.
func TestList(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"img_000.png", "B.PNG"} {
		if err := WritePNG(filepath.Join(dir, name), image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
			t.Fatal(err)
		}
	}
	imagetest.WriteFile(t, dir, "a.jpg", imagetest.SmallJPEG(4, 3))
	imagetest.WriteFile(t, dir, "notes.txt", []byte("x"))
	if err := os.Mkdir(filepath.Join(dir, "sub.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"B.PNG", "a.jpg", "img_000.png"}
	if len(paths) != len(want) {
		t.Fatalf("paths %v", paths)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("path %d = %s, want %s", i, p, want[i])
		}
		if img, err := ReadRGB(p); err != nil || img.W != 4 || img.H != 3 {
			t.Errorf("%s: %v", p, err)
		}
	}
	imagetest.WriteFile(t, dir, "c.WEBP", []byte("x"))
	if _, err := List(dir); err == nil || !strings.Contains(err.Error(), "c.WEBP: .webp images cannot be read") {
		t.Errorf("webp: %v", err)
	}
	if _, err := List(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no PNG or JPEG images") {
		t.Errorf("empty: %v", err)
	}
}
