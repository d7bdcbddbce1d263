// Package data provides the training and test images of a run: built-in procedural datasets
// with known ideal translations, folder datasets in the CycleGAN layout, the reference
// preprocessing (PIL bicubic resize, random crop, horizontal flip) and ground-truth scores.
package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"path/filepath"
	"strings"

	"sweep/internal/atomicfile"
	"sweep/internal/imagefile"
)

// Image is a CHW float image with values in [-1, 1], as ToTensor + Normalize(0.5, 0.5) makes it.
type Image struct {
	C, H, W int
	Pix     []float32
}

// rgb is an 8-bit RGB image, rows of interleaved R, G, B: the form PIL works on.
type rgb struct {
	w, h int
	pix  []uint8
}

func newRGB(w, h int) *rgb { return &rgb{w: w, h: h, pix: make([]uint8, 3*w*h)} }

// tensor converts to CHW floats exactly as torchvision does in float32: (v/255 - 0.5) / 0.5.
func (m *rgb) tensor() Image {
	img := Image{C: 3, H: m.h, W: m.w, Pix: make([]float32, 3*m.w*m.h)}
	n := m.w * m.h
	for i := range n {
		for c := range 3 {
			v := float32(m.pix[3*i+c]) / 255
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
			m.pix[3*i+c] = uint8(min(max(math.Round(v), 0), 255))
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
			m.pix[3*i+c] = uint8(v)
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

func writeRGB(path string, m *rgb) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, m.nrgba()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write(path, buf.Bytes())
}

// nrgba is the image.Image form of m (opaque).
func (m *rgb) nrgba() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.w, m.h))
	for i := range m.w * m.h {
		copy(out.Pix[4*i:4*i+3], m.pix[3*i:3*i+3])
		out.Pix[4*i+3] = 255
	}
	return out
}

// ReadImage reads a PNG or JPEG file as a CHW image in [-1, 1] at its own size, converted to
// RGB like PIL's convert('RGB') (see readRGB).
func ReadImage(path string) (Image, error) {
	m, err := readRGB(path)
	if err != nil {
		return Image{}, err
	}
	return m.tensor(), nil
}

// imageExts are the file types a folder dataset may hold; otherExts are image types that are
// refused with a clear error rather than silently skipped.
var (
	imageExts = []string{".png", ".jpg", ".jpeg"}
	otherExts = []string{".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".webp", ".gif"}
)

func hasExt(name string, exts []string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}

// readRGB decodes a PNG or JPEG file and converts it to 8-bit RGB. Gray and paletted images
// are expanded, an alpha channel is dropped without compositing (as PIL's convert('RGB')),
// and 16-bit samples keep their high byte. Its size is checked against imagefile's limits
// before decoding. Every error names the file.
func readRGB(path string) (*rgb, error) {
	img, _, err := imagefile.Read(path)
	if err != nil {
		return nil, err
	}
	return toRGB(img), nil
}

func toRGB(img image.Image) *rgb {
	b := img.Bounds()
	m := newRGB(b.Dx(), b.Dy())
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl := pixelRGB(img, x, y)
			m.pix[i], m.pix[i+1], m.pix[i+2] = r, g, bl
			i += 3
		}
	}
	return m
}

// pixelRGB reads one pixel's colour channels without alpha premultiplication.
func pixelRGB(img image.Image, x, y int) (r, g, b uint8) {
	switch im := img.(type) {
	case *image.NRGBA:
		p := im.Pix[im.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.RGBA:
		p := im.Pix[im.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.Gray:
		v := im.Pix[im.PixOffset(x, y)]
		return v, v, v
	case *image.YCbCr:
		yi, ci := im.YOffset(x, y), im.COffset(x, y)
		return color.YCbCrToRGB(im.Y[yi], im.Cb[ci], im.Cr[ci])
	}
	c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
	return uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)
}
