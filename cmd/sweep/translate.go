package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"sweep/translate"
)

func init() {
	register("translate", "translate a folder of images with a generator checkpoint (.pth or ours)", runTranslate)
}

func runTranslate(args []string) error {
	fs := flag.NewFlagSet("sweep translate", flag.ContinueOnError)
	ckpt := fs.String("checkpoint", "", "generator checkpoint: official latest_net_G.pth or a sweep checkpoint")
	in := fs.String("in", "", "folder of input images (PNG, JPEG)")
	out := fs.String("out", "", "folder for the translated PNGs")
	size := fs.Int("size", 256, "test size: inputs are resized to size x size (bicubic)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ckpt == "" || *in == "" || *out == "" {
		fs.Usage()
		return errors.New("--checkpoint, --in and --out are required")
	}
	g, err := translate.LoadGenerator(*ckpt)
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
