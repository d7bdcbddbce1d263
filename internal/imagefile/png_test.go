package imagefile

import (
	"image"
	"path/filepath"
	"strings"
	"testing"

	"sweep/internal/imagefile/imagetest"
)

// TestReadPNGRefusesHugeHeaders: a tiny PNG declaring a huge image is refused from its header.
func TestReadPNGRefusesHugeHeaders(t *testing.T) {
	imagetest.CheckRefused(t, ErrTooLarge, func(path string) error {
		_, err := ReadPNG(path)
		return err
	}, ".png")
}

// TestWriteReadPNG: a written PNG reads back; a JPEG is refused as not a PNG.
func TestWriteReadPNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.png")
	if err := WritePNG(path, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	if img, err := ReadPNG(path); err != nil || img.Bounds().Dx() != 3 || img.Bounds().Dy() != 2 {
		t.Errorf("read back: %v %v", img, err)
	}
	jpg := imagetest.WriteFile(t, dir, "b.png", imagetest.SmallJPEG(4, 4))
	if _, err := ReadPNG(jpg); err == nil || !strings.Contains(err.Error(), "not a PNG") {
		t.Errorf("jpeg: %v", err)
	}
}
