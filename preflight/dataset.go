package preflight

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"sweep/config"
	"sweep/data"
	"sweep/internal/imagefile"
)

// minSide is the smallest width and height accepted of a dataset image: anything smaller is
// not real data (every run resizes its images to load_size, so any larger size works).
const minSide = 8

// maxListed is how many unusable images of one dataset are reported one by one.
const maxListed = 10

// folder is what the checks found in one dataset folder.
type folder struct {
	problems []string          // the same for every run on the folder
	tests    [2][]string       // the images of the test splits of domains A and B, sorted
	names    map[string]string // testNames' answer by direction and test_size
}

func isBuiltin(dataset string) bool { return strings.HasPrefix(dataset, "builtin:") }

// dataset checks the run's dataset: a built-in one is known by name, a folder is checked once
// (layout and every image's header), and the run's test inputs must have distinct names.
func (c *checker) dataset(cfg config.Run) []problem {
	if isBuiltin(cfg.Dataset) {
		if _, err := data.Fingerprint(cfg); err != nil {
			return []problem{{"dataset", err.Error()}}
		}
		return nil
	}
	f, ok := c.folders[cfg.Dataset]
	if !ok {
		f = checkFolder(cfg.Dataset)
		c.folders[cfg.Dataset] = f
	}
	var ps []problem
	for _, msg := range f.problems {
		ps = append(ps, problem{"dataset", msg})
	}
	if msg := f.testNames(cfg); msg != "" {
		ps = append(ps, problem{"dataset", msg})
	}
	return ps
}

// checkFolder checks a folder dataset: the folder, its four splits (valA and valB standing in
// for missing testA and testB), at least one image in each, and every image's header.
func checkFolder(root string) *folder {
	f := &folder{}
	if msg := rootProblem(root); msg != "" {
		f.problems = []string{msg}
		return f
	}
	var files []string
	splits := [][]string{{"trainA"}, {"trainB"}, {"testA", "valA"}, {"testB", "valB"}}
	for i, names := range splits {
		imgs, msg := splitImages(root, names)
		if msg != "" {
			f.problems = append(f.problems, msg)
		}
		files = append(files, imgs...)
		if i >= 2 {
			f.tests[i-2] = imgs
		}
	}
	f.problems = append(f.problems, capped(headers(files), root)...)
	return f
}

// rootProblem returns what keeps root from being a dataset folder, or "".
func rootProblem(root string) string {
	st, err := os.Stat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("dataset folder %s does not exist", root)
	case err != nil:
		return fmt.Sprintf("dataset folder %s cannot be read: %v", root, err)
	case !st.IsDir():
		return fmt.Sprintf("dataset %s is not a folder (give builtin:zebra, builtin:cityscapes or a folder with trainA, trainB, testA, testB)", root)
	}
	return ""
}

// splitImages lists the images of the first of names that is a folder of root.
func splitImages(root string, names []string) ([]string, string) {
	for _, n := range names {
		dir := filepath.Join(root, n)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		files, err := data.ListImages(dir)
		switch {
		case err != nil:
			return nil, err.Error()
		case len(files) == 0:
			return nil, fmt.Sprintf("%s holds no PNG or JPEG images", dir)
		}
		return files, ""
	}
	return nil, fmt.Sprintf("dataset %s lacks the folder %s (CycleGAN layout: trainA, trainB, testA, testB; valA and valB stand in for testA and testB)",
		root, strings.Join(names, " or "))
}

// headers decodes every file's header, on all processors, and returns the problems in file
// order.
func headers(files []string) []string {
	msgs := make([]string, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(files); i = int(next.Add(1)) - 1 {
				msgs[i] = header(files[i])
			}
		})
	}
	wg.Wait()
	return slices.DeleteFunc(msgs, func(s string) bool { return s == "" })
}

// header returns what is wrong with one image file, or "".
func header(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(bufio.NewReader(f))
	switch {
	case err != nil:
		return fmt.Sprintf("%s: not a readable PNG or JPEG image: %v", path, err)
	case cfg.Width < minSide || cfg.Height < minSide:
		return fmt.Sprintf("%s: %s image of %dx%d pixels, smaller than %dx%d: not real data", path, format, cfg.Width, cfg.Height, minSide, minSide)
	}
	if err := imagefile.CheckSize(path, format, cfg.Width, cfg.Height); err != nil {
		return err.Error()
	}
	return ""
}

// capped keeps the first maxListed messages and counts the others.
func capped(msgs []string, root string) []string {
	if len(msgs) <= maxListed {
		return msgs
	}
	return append(msgs[:maxListed:maxListed], fmt.Sprintf("%d more images of %s cannot be used (%d in all)", len(msgs)-maxListed, root, len(msgs)))
}

// testNames refuses two test inputs of the run (the first test_size images of its source
// domain) with one file stem: their translations would overwrite each other. The answer is
// kept for the other runs on the folder.
func (f *folder) testNames(cfg config.Run) string {
	key := fmt.Sprint(cfg.Direction, cfg.TestSize)
	msg, ok := f.names[key]
	if !ok {
		msg = stemClash(f, cfg)
		if f.names == nil {
			f.names = map[string]string{}
		}
		f.names[key] = msg
	}
	return msg
}

func stemClash(f *folder, cfg config.Run) string {
	files := f.tests[0]
	if cfg.Direction == "BtoA" {
		files = f.tests[1]
	}
	if cfg.TestSize > 0 {
		files = files[:min(len(files), cfg.TestSize)]
	}
	seen := map[string]string{}
	for _, path := range files {
		base := filepath.Base(path)
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		if prev, dup := seen[stem]; dup {
			return fmt.Sprintf("test images %s and %s have the same name %q; their translations would overwrite each other", prev, path, stem)
		}
		seen[stem] = path
	}
	return ""
}
