// Package translate applies a trained generator (see checkpoint.LoadGenerator) to a folder
// of images and writes the translations as PNGs.
package translate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sweep/core"
	"sweep/data"
	"sweep/internal/imagefile"
	"sweep/tensor"
)

// Bounds on the test size: the generator downsamples twice by 2 and reflection-pads the
// result by 1, which needs at least 2 pixels, and upsampling only restores the input size
// when it is a multiple of 4. MaxSize is the configuration's largest crop_size.
const (
	MinSize = 8
	MaxSize = 4096
)

// CheckSize refuses a test size the generator cannot translate, saying what is allowed.
func CheckSize(size int) error {
	if size < MinSize || size > MaxSize || size%4 != 0 {
		return fmt.Errorf("size %d is not supported: allowed sizes are multiples of 4 from %d to %d", size, MinSize, MaxSize)
	}
	return nil
}

// Dir translates every PNG/JPEG image of in (sorted) at size×size and writes
// out/<name>.png with the reference quantization. size must pass CheckSize. progress gets (done, total).
func Dir(g *core.Generator, in, out string, size int, progress func(done, total int)) error {
	if err := CheckSize(size); err != nil {
		return err
	}
	files, err := imagefile.List(in)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for i, path := range files {
		name := filepath.Base(path)
		img, err := data.ReadTestImage(path, size)
		if err != nil {
			return err
		}
		y, _ := g.Forward(nil, tensor.NewVar(img.Pix, 3, size, size), false)
		fake := data.Image{C: 3, H: size, W: size, Pix: y.Data}
		if err := data.WritePNG(filepath.Join(out, strings.TrimSuffix(name, filepath.Ext(name))+".png"), fake); err != nil {
			return err
		}
		progress(i+1, len(files))
	}
	return nil
}
