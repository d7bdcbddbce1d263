package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"sweep/checkpoint"
	"sweep/translate"
)

func init() {
	register("translate", "translate a folder of images with a generator checkpoint (.pth or ours)", runTranslate)
}

// runTranslate is sweep translate: it checks the flags, then loads the generator and
// translates the folder, showing progress on stderr.
func runTranslate(args []string) error {
	fs := flag.NewFlagSet("sweep translate", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", "", "generator checkpoint: official latest_net_G.pth or a sweep checkpoint")
	in := fs.String("in", "", "folder of input images (PNG, JPEG)")
	out := fs.String("out", "", "folder for the translated PNGs")
	size := fs.Int("size", 256, fmt.Sprintf("test size: inputs are resized to size x size (bicubic); a multiple of 4 from %d to %d", translate.MinSize, translate.MaxSize))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" || *in == "" || *out == "" {
		fs.Usage()
		return errors.New("--checkpoint, --in and --out are required")
	}
	if err := translate.CheckSize(*size); err != nil {
		return fmt.Errorf("--size: %w", err)
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
