package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteRealTest writes the target domain's real test images resized to crop_size (bicubic,
// kept in 8 bits as PIL does), the size the translated images have, so the metrics compare
// like with like.
func (d *Dataset) WriteRealTest(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	for i, f := range d.tgtTest.files {
		m, err := d.tgtTest.get(i)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)) + ".png"
		if err := writeRGB(filepath.Join(dir, name), resizeBicubic(m, d.cfg.CropSize, d.cfg.CropSize)); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// ReadTestImage reads an image file and applies the test transform: bicubic resize to
// size×size, no flip, values in [-1, 1].
func ReadTestImage(path string, size int) (Image, error) {
	m, err := readRGB(path)
	if err != nil {
		return Image{}, err
	}
	if m.W != size || m.H != size {
		m = resizeBicubic(m, size, size)
	}
	return m.tensor(), nil
}
