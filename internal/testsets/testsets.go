// Package testsets writes realistic dataset folders for tests: the CycleGAN layout with
// JPEG files (as the public sets ship), mixed image sizes and unequal splits.
package testsets

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Splits gives the number of images of each folder.
type Splits struct{ TrainA, TrainB, TestA, TestB int }

// Realistic are the counts of a small but real-shaped set: every split a different size.
var Realistic = Splits{TrainA: 12, TrainB: 15, TestA: 5, TestB: 7}

// CycleGAN writes trainA, trainB, testA and testB under root. Images are JPEG, except every
// fifth, which is PNG; sizes vary between about 0.75 and 1.5 times side, and some are not
// square. Domain A is smooth blobs on a light background, domain B the same with stripes,
// so the two domains differ the way translation data does. seed fixes every byte.
func CycleGAN(root string, side int, n Splits, seed uint64) error {
	for _, s := range []struct {
		dir     string
		count   int
		striped bool
	}{{"trainA", n.TrainA, false}, {"trainB", n.TrainB, true}, {"testA", n.TestA, false}, {"testB", n.TestB, true}} {
		for i := range s.count {
			r := rand.New(rand.NewPCG(seed, uint64(len(s.dir))<<32|uint64(i)<<1|b2u(s.striped)))
			w, h := side*3/4+r.IntN(side*3/4+1), side*3/4+r.IntN(side*3/4+1)
			ext := ".jpg"
			if i%5 == 4 {
				ext = ".png"
			}
			path := filepath.Join(root, s.dir, fmt.Sprintf("%s_%03d%s", s.dir, i, ext))
			if err := write(path, scene(r, w, h, s.striped)); err != nil {
				return err
			}
		}
	}
	return nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// scene draws a few soft discs of random colours, striped in domain B.
func scene(r *rand.Rand, w, h int, striped bool) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := color.RGBA{uint8(180 + r.IntN(60)), uint8(180 + r.IntN(60)), uint8(160 + r.IntN(60)), 255}
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = bg.R, bg.G, bg.B, 255
	}
	for range 1 + r.IntN(3) {
		cx, cy, rad := r.IntN(w), r.IntN(h), 4+r.IntN(max(1, min(w, h)/3))
		c := color.RGBA{uint8(r.IntN(200)), uint8(r.IntN(200)), uint8(r.IntN(200)), 255}
		for y := max(0, cy-rad); y < min(h, cy+rad); y++ {
			for x := max(0, cx-rad); x < min(w, cx+rad); x++ {
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) > rad*rad {
					continue
				}
				if striped && (x+y)/3%2 == 0 {
					m.SetRGBA(x, y, color.RGBA{20, 20, 20, 255})
				} else {
					m.SetRGBA(x, y, c)
				}
			}
		}
	}
	return m
}

func write(path string, m image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	var err error
	if filepath.Ext(path) == ".png" {
		err = png.Encode(&buf, m)
	} else {
		err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
