// Package pngfile reads and writes PNG files, naming the file in every error.
package pngfile

import (
	"fmt"
	"image"
	"image/png"
	"os"

	"sweep/internal/imagefile"
)

// Read decodes the PNG at path, refusing one whose header declares more than imagefile's
// limits, and any other format.
func Read(path string) (image.Image, error) {
	img, format, err := imagefile.Read(path)
	if err != nil {
		return nil, err
	}
	if format != "png" {
		return nil, fmt.Errorf("%s: a %s image, not a PNG", path, format)
	}
	return img, nil
}

// Write encodes img as a PNG at path.
func Write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
