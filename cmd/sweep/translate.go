package main

import (
	"fmt"
	"os"
	"time"

	"sweep/checkpoint"
	"sweep/translate"
)

func init() {
	define("translate", "translate a folder of images with a generator checkpoint (.pth or ours)", setupTranslate)
}

// defaultTestSize is the test size of a checkpoint that records no crop size (the
// official code's default).
const defaultTestSize = 256

// setupTranslate is sweep translate: it checks the flags, then loads the generator and
// translates the folder, showing progress on stderr.
func setupTranslate(f *flags) func([]string) error {
	f.describe("", `Applies a generator (the official latest_net_G.pth, a DataParallel file of it, or a sweep
checkpoint) to a folder of images and writes the translated PNGs.`)
	f.require("checkpoint", "in", "out")
	ckpt := f.String("checkpoint", "", "generator checkpoint `F`: official latest_net_G.pth or a sweep checkpoint")
	in := f.String("in", "", "folder `DIR` of input images (PNG, JPEG)")
	out := f.String("out", "", "folder `DIR` for the translated PNGs")
	size := f.Int("size", defaultTestSize, fmt.Sprintf("test size: inputs are resized to size x size (bicubic); a multiple of 4 from %d to %d\n(default: the crop_size a sweep checkpoint records, else %d)", translate.MinSize, translate.MaxSize, defaultTestSize))
	return func([]string) error {
		sized := f.isSet("size")
		if sized {
			if err := translate.CheckSize(*size); err != nil {
				return f.usageErr("--size: %v", err)
			}
		}
		g, info, err := checkpoint.LoadGeneratorInfo(*ckpt)
		if err != nil {
			return err
		}
		if !sized && info.CropSize > 0 {
			*size = info.CropSize
			if err := translate.CheckSize(*size); err != nil {
				return fmt.Errorf("%s: crop_size: %w", *ckpt, err)
			}
			fmt.Fprintf(os.Stderr, "size %d, the checkpoint's crop_size\n", *size)
		}
		start := time.Now()
		return translate.Dir(g, *in, *out, *size, func(done, total int) {
			eta := time.Duration(float64(time.Since(start)) / float64(done) * float64(total-done))
			fmt.Fprintf(os.Stderr, "\rtranslated %d/%d  ETA %s   ", done, total, eta.Round(time.Second))
			if done == total {
				fmt.Fprintln(os.Stderr)
			}
		})
	}
}
