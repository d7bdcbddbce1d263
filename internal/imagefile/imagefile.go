// Package imagefile is sweep's one image file package: it lists the image files of a folder,
// decodes PNG and JPEG after checking the size their header declares (so that a small hostile
// file cannot make the decoder allocate gigabytes), converts any image to 8-bit RGB by one
// alpha rule (ToRGB), and writes PNGs.
package imagefile

import (
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"io"
	"os"
)

// The limits on a declared image size. The largest images a sweep reads are Cityscapes'
// 2048x1024 frames and labels (2 megapixels); datasets in the CycleGAN layout are at most a few
// thousand pixels a side. 16384 pixels a side and 64 megapixels is far above any of them, yet
// bounds a decoded image to 512 MiB at 8 bytes a pixel (16-bit RGBA), while a 1 KB header may
// declare 100000x100000 (40 GB) or, in PNG, 2^31 pixels a side.
const (
	MaxSide   = 16384
	MaxPixels = 64 << 20
)

// ErrTooLarge is wrapped by the error for an image whose header declares more than the limits.
var ErrTooLarge = errors.New("image too large")

// Read decodes the PNG or JPEG file at path and returns its format name ("png" or "jpeg").
// Every error names the file.
func Read(path string) (image.Image, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	return Decode(f, path)
}

// Decode decodes a PNG or JPEG image from r, naming it name in every error. It reads the
// header first and refuses an empty image or one over MaxSide or MaxPixels before any pixel
// memory is allocated. Errors for an unknown format wrap image.ErrFormat.
func Decode(r io.ReadSeeker, name string) (image.Image, string, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return nil, "", decodeError(name, err)
	}
	if err := CheckSize(name, format, cfg.Width, cfg.Height); err != nil {
		return nil, "", err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	img, format, err := image.Decode(r)
	if err != nil {
		return nil, "", decodeError(name, err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, "", fmt.Errorf("%s: unreadable image: decoded %dx%d, header declares %dx%d",
			name, b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}
	return img, format, nil
}

// CheckSize returns an error naming name, its declared size and the limits when a w×h image
// is empty or larger than MaxSide a side or MaxPixels in all.
func CheckSize(name, format string, w, h int) error {
	if w < 1 || h < 1 {
		return fmt.Errorf("%s: empty %s image (%dx%d)", name, format, w, h)
	}
	if w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%s: %w: its header declares %dx%d pixels; the limit is %d pixels a side and %d megapixels",
			name, ErrTooLarge, w, h, MaxSide, MaxPixels>>20)
	}
	return nil
}

// decodeError names the file and says plainly when it is neither PNG nor JPEG.
func decodeError(name string, err error) error {
	if errors.Is(err, image.ErrFormat) {
		return fmt.Errorf("%s: not a PNG or JPEG image (%w)", name, err)
	}
	return fmt.Errorf("%s: unreadable image: %w", name, err)
}
