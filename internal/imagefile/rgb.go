package imagefile

import (
	"image"
	"image/color"
)

// RGB is an 8-bit RGB image with interleaved, row-major pixels: Pix[(y*W+x)*3+c].
type RGB struct {
	W, H int
	Pix  []uint8
}

// ReadRGB decodes the PNG or JPEG file at path (see Read) and converts it with ToRGB.
func ReadRGB(path string) (*RGB, error) {
	img, _, err := Read(path)
	if err != nil {
		return nil, err
	}
	return ToRGB(img), nil
}

// ToRGB converts any image to 8-bit RGB, as PIL's convert('RGB') does: gray and paletted
// images are expanded, and an alpha channel is dropped without compositing, keeping the
// stored, non-premultiplied colour (a premultiplied image.RGBA pixel is un-premultiplied
// first). 16-bit samples keep their high byte.
func ToRGB(img image.Image) *RGB {
	b := img.Bounds()
	out := &RGB{W: b.Dx(), H: b.Dy(), Pix: make([]uint8, 3*b.Dx()*b.Dy())}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = pixelRGB(img, x, y)
			i += 3
		}
	}
	return out
}

// pixelRGB is one pixel's stored colour without its alpha.
func pixelRGB(img image.Image, x, y int) (r, g, b uint8) {
	switch im := img.(type) {
	case *RGB:
		p := im.Pix[3*(y*im.W+x):]
		return p[0], p[1], p[2]
	case *image.NRGBA:
		p := im.Pix[im.PixOffset(x, y):]
		return p[0], p[1], p[2]
	case *image.RGBA:
		p := im.Pix[im.PixOffset(x, y):]
		if p[3] == 0xff {
			return p[0], p[1], p[2]
		}
	case *image.Gray:
		v := im.Pix[im.PixOffset(x, y)]
		return v, v, v
	case *image.YCbCr:
		yi, ci := im.YOffset(x, y), im.COffset(x, y)
		return color.YCbCrToRGB(im.Y[yi], im.Cb[ci], im.Cr[ci])
	case *image.Paletted:
		if c, ok := im.Palette[im.ColorIndexAt(x, y)].(color.NRGBA); ok {
			return c.R, c.G, c.B
		}
	}
	c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
	return uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)
}

// NRGBA is m as an opaque image.NRGBA, the form the PNG encoder writes fastest.
func (m *RGB) NRGBA() *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, m.W, m.H))
	for i := range m.W * m.H {
		copy(out.Pix[4*i:4*i+3], m.Pix[3*i:3*i+3])
		out.Pix[4*i+3] = 0xff
	}
	return out
}

// ColorModel, Bounds and At make an RGB an image.Image.
func (m *RGB) ColorModel() color.Model { return color.RGBAModel }

// Bounds is the rectangle (0,0)-(W,H).
func (m *RGB) Bounds() image.Rectangle { return image.Rect(0, 0, m.W, m.H) }

// At returns the opaque colour of pixel (x, y).
func (m *RGB) At(x, y int) color.Color {
	if !(image.Point{x, y}.In(m.Bounds())) {
		return color.RGBA{}
	}
	i := 3 * (y*m.W + x)
	return color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], 0xff}
}
