package metrics

import (
	"errors"
	"fmt"

	"sweep/internal/imagefile"
)

// errSize reports an image whose size differs from the first image of its set.
func errSize(path string, img *imagefile.RGB, w, h int, first string) error {
	return fmt.Errorf("%s: image is %dx%d, but %s is %dx%d; all images must have one size", path, img.W, img.H, first, w, h)
}

// eachImage reads paths one at a time, checks they all have the first one's size and calls fn.
func eachImage(paths []string, fn func(path string, img *imagefile.RGB) error) error {
	if len(paths) == 0 {
		return errors.New("no images")
	}
	var w, h int
	for i, p := range paths {
		img, err := imagefile.ReadRGB(p)
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

// chw returns the image as float32 channel planes scaled to [0,1], like torchvision's ToTensor.
func chw(m *imagefile.RGB) []float32 {
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
	if real, err = imagefile.List(realDir); err != nil {
		return nil, nil, err
	}
	fake, err = imagefile.List(fakeDir)
	return real, fake, err
}
