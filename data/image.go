// Package data provides the training and test images of a run: built-in procedural datasets
// with known ideal translations, folder datasets in the CycleGAN layout, the reference
// preprocessing (PIL bicubic resize, random crop, horizontal flip) and ground-truth scores.
package data

import (
	"fmt"
	"image"
	"math"

	"sweep/internal/imagefile"
)

// Image is a CHW float image with values in [-1, 1], as ToTensor + Normalize(0.5, 0.5) makes it.
type Image struct {
	C, H, W int
	Pix     []float32
}

// rgb is an 8-bit RGB image, rows of interleaved R, G, B: the form PIL works on.
type rgb imagefile.RGB

func newRGB(w, h int) *rgb { return &rgb{W: w, H: h, Pix: make([]uint8, 3*w*h)} }

// tensor converts to CHW floats exactly as torchvision does in float32: (v/255 - 0.5) / 0.5.
func (m *rgb) tensor() Image {
	img := Image{C: 3, H: m.H, W: m.W, Pix: make([]float32, 3*m.W*m.H)}
	n := m.W * m.H
	for i := range n {
		for c := range 3 {
			v := float32(m.Pix[3*i+c]) / 255
			img.Pix[c*n+i] = (v - 0.5) / 0.5
		}
	}
	return img
}

// fromTensor is the exact inverse of tensor for images that came from 8 bits: it rounds
// ((x+1)/2)*255 to the nearest level (quantize, the reference's output rule, truncates and can
// lose a level). A 1-channel image is replicated to RGB.
func fromTensor(img Image) *rgb {
	n := img.H * img.W
	m := newRGB(img.W, img.H)
	for i := range n {
		for c := range 3 {
			x := img.Pix[min(c, img.C-1)*n+i]
			v := float64(x+1) / 2 * 255
			m.Pix[3*i+c] = uint8(min(max(math.Round(v), 0), 255))
		}
	}
	return m
}

// quantize converts back to 8 bits with the reference rule uint8(((clamp(x,-1,1)+1)/2)*255),
// truncating, in float32 like numpy does.
func quantize(img Image) (*rgb, error) {
	if img.C != 3 && img.C != 1 {
		return nil, fmt.Errorf("image has %d channels; want 1 or 3", img.C)
	}
	n := img.H * img.W
	if len(img.Pix) != img.C*n || n == 0 {
		return nil, fmt.Errorf("image of %dx%dx%d has %d values", img.C, img.H, img.W, len(img.Pix))
	}
	m := newRGB(img.W, img.H)
	for i := range n {
		for c := range 3 {
			x := img.Pix[min(c, img.C-1)*n+i]
			if x != x {
				x = -1 // NaN (a diverged generator) becomes black instead of an undefined conversion
			}
			x = min(max(x, -1), 1)
			v := float32(float32(x+1)/2) * 255
			m.Pix[3*i+c] = uint8(v)
		}
	}
	return m, nil
}

// WritePNG writes img as an 8-bit RGB PNG (a 1-channel image as gray replicated to RGB),
// quantized like the reference's tensor2im, atomically.
func WritePNG(path string, img Image) error {
	m, err := quantize(img)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writeRGB(path, m)
}

func writeRGB(path string, m *rgb) error { return imagefile.WritePNG(path, m.nrgba()) }

// nrgba is the image.Image form of m (opaque).
func (m *rgb) nrgba() *image.NRGBA { return (*imagefile.RGB)(m).NRGBA() }

// ReadImage reads a PNG or JPEG file as a CHW image in [-1, 1] at its own size, converted to
// RGB like PIL's convert('RGB') (see imagefile.ToRGB).
func ReadImage(path string) (Image, error) {
	m, err := readRGB(path)
	if err != nil {
		return Image{}, err
	}
	return m.tensor(), nil
}

// readRGB decodes a PNG or JPEG file and converts it to 8-bit RGB by imagefile's one rule
// (imagefile.ToRGB, PIL's convert('RGB')), after checking its size against imagefile's
// limits. Every error names the file.
func readRGB(path string) (*rgb, error) {
	m, err := imagefile.ReadRGB(path)
	return (*rgb)(m), err
}
