package preflight

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"sweep/config"
	"sweep/data"
	"sweep/metrics"
	"sweep/metrics/drn"
	"sweep/vocab"
)

// fid checks that a run scoring FID has the Inception weights: found (the inception setting,
// else $SWEEP_INCEPTION, else the user cache) or downloaded. Missing weights are no problem
// with fid_optional = true (FID is then recorded as absent); a wrong file always is.
func (c *checker) fid(cfg config.Run) []problem {
	if !slices.Contains(cfg.Metrics, vocab.MetricFID) {
		return nil
	}
	err, ok := c.weights[cfg.Inception]
	if !ok {
		err = c.locateInception(cfg.Inception)
		c.weights[cfg.Inception] = err
	}
	key := "metrics"
	if cfg.Inception != "" {
		key = "inception"
	}
	switch {
	case err == nil, errors.Is(err, metrics.ErrInceptionUnavailable) && cfg.FIDOptional:
		return nil
	case errors.Is(err, metrics.ErrInceptionUnavailable):
		return []problem{{key, fmt.Sprintf(`fid needs the Inception weights: %v. In a sweep file inception = "PATH" names the file; fid_optional = true records FID as absent instead`, err)}}
	}
	return []problem{{key, fmt.Sprintf("fid needs the Inception weights: %v", err)}}
}

// locateInception finds the weights, downloading them when allowed and missing.
func (c *checker) locateInception(explicit string) error {
	_, err := metrics.LocateInception(explicit, false)
	if err == nil || !c.opt.Download || !metrics.DownloadAllowed() || !errors.Is(err, metrics.ErrInceptionUnavailable) {
		return err
	}
	if c.opt.Log != nil {
		if path, perr := metrics.InceptionPath(explicit); perr == nil {
			fmt.Fprintf(c.opt.Log, "fid: the Inception weights are not at %s; trying to download them from %s\n", path, metrics.InceptionURL)
		}
	}
	_, err = metrics.LocateInception(explicit, true)
	return err
}

// seg checks that a run scoring seg has a valid segmenter, that a segmenter command names {in},
// {out} and a program that exists, that DRN weights load, and that the labels folder it
// names holds images.
func (c *checker) seg(cfg config.Run) []problem {
	if !slices.Contains(cfg.Metrics, vocab.MetricSeg) {
		return nil
	}
	kind, cmdline, err := cfg.SegmenterSpec()
	if err != nil {
		return []problem{{"segmenter", "seg: " + err.Error()}}
	}
	var ps []problem
	switch kind {
	case config.SegmenterCommand:
		ps = append(ps, segmenterCommand(cmdline)...)
	case config.SegmenterDRN:
		ps = append(ps, c.drnWeights(cfg.DRNWeightsPath())...)
	}
	if cfg.Labels != "" { // unset, the labels are the dataset's test split, checked with it
		if msg := labels(cfg.Labels); msg != "" {
			ps = append(ps, problem{"labels", msg})
		}
	}
	return ps
}

// drnWeights loads the DRN-D-22 checkpoint at path once per plan: every key and shape is
// checked there, before any run trains.
func (c *checker) drnWeights(path string) []problem {
	err, ok := c.drn[path]
	if !ok {
		_, err = drn.Load(path)
		c.drn[path] = err
	}
	if err != nil {
		return []problem{{"drn_weights", "seg: segmenter drn: " + err.Error()}}
	}
	return nil
}

func segmenterCommand(cmdline string) []problem {
	var ps []problem
	if !strings.Contains(cmdline, "{in}") || !strings.Contains(cmdline, "{out}") {
		ps = append(ps, problem{"segmenter", fmt.Sprintf("seg: the segmenter command %q must contain {in} (a folder of images) and {out} (the folder for their label PNGs)", cmdline)})
	}
	if prog := program(cmdline); prog != "" {
		if _, err := exec.LookPath(prog); err != nil {
			ps = append(ps, problem{"segmenter", fmt.Sprintf("seg: the segmenter program %q cannot be run: %v", prog, err)})
		}
	}
	return ps
}

// shellWords are builtins and keywords of sh that can start a command line: the program
// they run, if any, is not known without a shell.
var shellWords = []string{".", ":", "!", "{", "(", "cd", "eval", "exec", "export", "set", "unset",
	"if", "for", "while", "until", "case", "command"}

// assignable is a shell variable name.
var assignable = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// program is the program a shell command line starts: its first word after any NAME=VALUE
// assignments, quotes removed; "" when that is a shell builtin or keyword.
func program(cmdline string) string {
	for _, w := range strings.Fields(cmdline) {
		if name, _, ok := strings.Cut(w, "="); ok && assignable.MatchString(name) {
			continue
		}
		w = strings.Trim(w, `'"`)
		if slices.Contains(shellWords, w) {
			return ""
		}
		return w
	}
	return ""
}

// labels returns what is wrong with a folder of label maps, or "".
func labels(dir string) string {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Sprintf("seg scores against the label maps in %s: %v", dir, err)
	case !st.IsDir():
		return fmt.Sprintf("seg scores against the label maps in %s, which is not a folder", dir)
	}
	files, err := data.ListImages(dir)
	switch {
	case err != nil:
		return fmt.Sprintf("seg label maps: %v", err)
	case len(files) == 0:
		return fmt.Sprintf("seg scores against the label maps in %s, which holds no PNG images", dir)
	}
	return ""
}
