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

// setupTranslate is sweep translate: it checks the flags, then loads the generator and
// translates the folder, showing progress on stderr.
func setupTranslate(f *flags) func([]string) error {
	f.describe("", `Applies a generator (the official latest_net_G.pth, a DataParallel file of it, or a sweep
checkpoint) to a folder of images and writes the translated PNGs.`)
	f.require("checkpoint", "in", "out")
	ckpt := f.String("checkpoint", "", "generator checkpoint `F`: official latest_net_G.pth or a sweep checkpoint")
	in := f.String("in", "", "folder `DIR` of input images (PNG, JPEG)")
	out := f.String("out", "", "folder `DIR` for the translated PNGs")
	size := f.Int("size", 256, fmt.Sprintf("test size: inputs are resized to size x size (bicubic); a multiple of 4 from %d to %d", translate.MinSize, translate.MaxSize))
	return func([]string) error {
		if err := translate.CheckSize(*size); err != nil {
			return f.usageErr("--size: %v", err)
		}
		g, err := checkpoint.LoadGenerator(*ckpt)
		if err != nil {
			return err
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
