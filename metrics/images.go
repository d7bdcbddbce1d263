package metrics

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sweep/internal/imagefile"
)

// Image is an 8-bit RGB image with interleaved, row-major pixels: Pix[(y*W+x)*3+c].
type Image struct {
	W, H int
	Pix  []uint8
}

// decodable are the extensions the standard library decodes. The reference tools also read
// bmp, pgm, ppm, tif, tiff and webp; such files are reported, never skipped silently, because
// skipping them would change the image count.
var decodable = []string{".png", ".jpg", ".jpeg"}

var undecodable = []string{".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}

// ListImages returns the PNG and JPEG files of dir (not recursive, extensions in any case),
// sorted by name. An empty folder, or one holding image files that cannot be decoded, is an error.
func ListImages(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ext := strings.ToLower(filepath.Ext(e.Name()))
		switch {
		case slices.Contains(decodable, ext):
			paths = append(paths, filepath.Join(dir, e.Name()))
		case slices.Contains(undecodable, ext):
			return nil, fmt.Errorf("%s: %s images cannot be read; convert them to PNG", filepath.Join(dir, e.Name()), ext)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no PNG or JPEG images", dir)
	}
	slices.Sort(paths)
	return paths, nil
}

// ReadImage decodes a PNG or JPEG file to 8-bit RGB, refusing one whose header declares more
// than imagefile's limits.
func ReadImage(path string) (*Image, error) {
	img, _, err := imagefile.Read(path)
	if err != nil {
		return nil, err
	}
	return ToRGB(img), nil
}

// ToRGB converts any image to 8-bit RGB. Like PIL's convert('RGB'), an alpha channel is
// dropped without compositing: the stored (non-premultiplied) colour is kept.
func ToRGB(img image.Image) *Image {
	b := img.Bounds()
	out := &Image{W: b.Dx(), H: b.Dy(), Pix: make([]uint8, 3*b.Dx()*b.Dy())}
	switch src := img.(type) {
	case *image.NRGBA:
		copyRGBA(out, src.Pix, src.Stride)
	case *image.RGBA:
		if !src.Opaque() {
			convertGeneric(out, img) // premultiplied colours must be un-premultiplied
			break
		}
		copyRGBA(out, src.Pix, src.Stride)
	case *image.Gray:
		for y := 0; y < out.H; y++ {
			for x := 0; x < out.W; x++ {
				v := src.Pix[y*src.Stride+x]
				i := 3 * (y*out.W + x)
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = v, v, v
			}
		}
	case *image.YCbCr:
		rgba := image.NewRGBA(image.Rect(0, 0, out.W, out.H))
		draw.Draw(rgba, rgba.Bounds(), src, b.Min, draw.Src)
		copyRGBA(out, rgba.Pix, rgba.Stride)
	default:
		convertGeneric(out, img)
	}
	return out
}

func convertGeneric(out *Image, img image.Image) {
	b := img.Bounds()
	for y := 0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			i := 3 * (y*out.W + x)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = c.R, c.G, c.B
		}
	}
}

func copyRGBA(out *Image, pix []uint8, stride int) {
	for y := 0; y < out.H; y++ {
		row := pix[y*stride:]
		for x := 0; x < out.W; x++ {
			i := 3 * (y*out.W + x)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = row[4*x], row[4*x+1], row[4*x+2]
		}
	}
}

// ColorModel, Bounds and At make an Image an image.Image.
func (m *Image) ColorModel() color.Model { return color.RGBAModel }

// Bounds is the rectangle (0,0)-(W,H).
func (m *Image) Bounds() image.Rectangle { return image.Rect(0, 0, m.W, m.H) }

// At returns the opaque colour of pixel (x, y).
func (m *Image) At(x, y int) color.Color {
	if !(image.Point{x, y}.In(m.Bounds())) {
		return color.RGBA{}
	}
	i := 3 * (y*m.W + x)
	return color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], 255}
}

// errSize reports an image whose size differs from the first image of its set.
func errSize(path string, img *Image, w, h int, first string) error {
	return fmt.Errorf("%s: image is %dx%d, but %s is %dx%d; all images must have one size", path, img.W, img.H, first, w, h)
}

// eachImage reads paths one at a time, checks they all have the first one's size and calls fn.
func eachImage(paths []string, fn func(path string, img *Image) error) error {
	if len(paths) == 0 {
		return errors.New("no images")
	}
	var w, h int
	for i, p := range paths {
		img, err := ReadImage(p)
		if err != nil {
			return err
		}
		if i == 0 {
			w, h = img.W, img.H
		} else if img.W != w || img.H != h {
			return errSize(p, img, w, h, paths[0])
		}
		if err := fn(p, img); err != nil {
			return err
		}
	}
	return nil
}

// CHW returns the image as float32 channel planes scaled to [0,1], like torchvision's ToTensor.
func (m *Image) CHW() []float32 {
	n := m.W * m.H
	out := make([]float32, 3*n)
	for i := 0; i < n; i++ {
		for c := 0; c < 3; c++ {
			out[c*n+i] = float32(m.Pix[3*i+c]) / 255
		}
	}
	return out
}

// listPair lists the images of the real and the fake folder.
func listPair(realDir, fakeDir string) (real, fake []string, err error) {
	if real, err = ListImages(realDir); err != nil {
		return nil, nil, err
	}
	fake, err = ListImages(fakeDir)
	return real, fake, err
}
