// Package command is the "command" executor: it runs a run's shell command template with
// the run's config values substituted, collects the images the command wrote and scores
// them, so external implementations take part in a sweep like the built-in one.
package command

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"sweep/config"
	"sweep/internal/childproc"
	"sweep/internal/imagefile"
	"sweep/internal/shellquote"
	"sweep/rundir"
	"sweep/runner"
)

// Evaluate scores the translated images in fakeDir for run (against its dataset's real
// test images of the target domain).
type Evaluate func(ctx context.Context, run config.Run, fakeDir string) ([]rundir.Metric, error)

// Executor runs config.Run.Command. Without Evaluate it records no metrics.
type Executor struct {
	Evaluate  Evaluate
	StopGrace time.Duration // how long an interrupted command may take to exit before it is killed; 0: a minute
}

// Execute runs the command of the run in dir through "sh -c" and, when it succeeds, copies
// the images in command_out to images/fake, scores them and writes result.json.
func (e Executor) Execute(ctx context.Context, dir string, progress func(rundir.Progress)) error {
	start := time.Now()
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		return err
	}
	vars, err := Vars(cfg, dir, os.Getenv("SWEEP_GPU"))
	if err != nil {
		return err
	}
	line, err := Expand(cfg.Command, vars, ShellQuote)
	if err != nil {
		return fmt.Errorf("command: %w", err)
	}
	out, err := Expand(cfg.CommandOut, vars, nil)
	if err != nil {
		return fmt.Errorf("command_out: %w", err)
	}
	grace := e.StopGrace
	if grace == 0 {
		grace = time.Minute
	}
	if err := run(ctx, line, grace); err != nil {
		return err
	}
	res := rundir.Result{}
	if out != "" {
		fake := filepath.Join(dir, rundir.FakeImagesDir)
		if err := collect(out, fake); err != nil {
			return err
		}
		if e.Evaluate != nil {
			progress(rundir.Progress{Phase: "metrics"})
			if res.Metrics, err = e.Evaluate(ctx, cfg, fake); err != nil {
				return fmt.Errorf("metrics of %s: %w", out, err)
			}
		}
	}
	res.Duration = time.Since(start)
	return rundir.WriteJSON(filepath.Join(dir, rundir.ResultFile), res)
}

// run runs line through sh -c with this process's stdout and stderr. An interrupt reaches
// the command through the process group it shares with this process (and the runner kills
// that group's remains when this process exits, or this process does when the runner dies);
// a command still running grace after ctx ended is killed; the shell dies with this
// process (childproc.Run).
func run(ctx context.Context, line string, grace time.Duration) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return nil }
	cmd.WaitDelay = grace
	err := childproc.Run(cmd)
	if ctx.Err() != nil {
		return fmt.Errorf("command stopped: %w", ctx.Err())
	}
	if childproc.Interrupted(err) {
		// The interrupt reached the command's process group before this process's own
		// handler ended ctx: it is the same interrupt.
		return fmt.Errorf("command stopped: %w", context.Canceled)
	}
	if err != nil {
		return fmt.Errorf("command %q: %w", line, err)
	}
	return nil
}

// Vars are the values a template may name: every config key, plus id, run_dir (absolute),
// gpu_index (gpuIndex: the slot's physical GPU index, empty on CPU slots) and gpu (the
// device ordinal the program must use: "0" on a GPU slot, since the slot's
// CUDA_VISIBLE_DEVICES shows the child only its own GPU, as device 0; empty on CPU slots).
func Vars(cfg config.Run, dir, gpuIndex string) (map[string]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	vars := runner.Values(cfg)
	vars["id"] = filepath.Base(abs) // the run directory is named by the run's ID
	vars["run_dir"] = abs
	vars["gpu_index"] = gpuIndex
	vars["gpu"] = ""
	if gpuIndex != "" {
		vars["gpu"] = "0"
	}
	return vars, nil
}

// placeholder is {name}; "${name}" is left to the shell.
var placeholder = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Expand replaces each {name} in tmpl with vars[name], passed through quote when not nil.
// A name not in vars is an error that names it and the known ones. A placeholder inside
// single or double quotes (as a POSIX shell reads tmpl) is an error naming it: the shell
// would run a value's $(...) or `...` inside double quotes, and ShellQuote already makes
// each value one word, so a template never needs quotes around a placeholder.
func Expand(tmpl string, vars map[string]string, quote func(string) string) (string, error) {
	var sb strings.Builder
	last := 0
	quotes := quoting(tmpl)
	for _, m := range placeholder.FindAllStringSubmatchIndex(tmpl, -1) {
		if m[0] > 0 && tmpl[m[0]-1] == '$' {
			continue
		}
		name := tmpl[m[2]:m[3]]
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("unknown placeholder {%s} in %q; known: %s", name, tmpl, known(vars))
		}
		if q := quotes[m[0]]; q != 0 {
			return "", fmt.Errorf("placeholder {%s} stands inside %s quotes in %q: values are substituted as quoted shell words, so remove the quotes around it", name, quoteName[q], tmpl)
		}
		if quote != nil {
			v = quote(v)
		}
		sb.WriteString(tmpl[last:m[0]])
		sb.WriteString(v)
		last = m[1]
	}
	sb.WriteString(tmpl[last:])
	return sb.String(), nil
}

var quoteName = map[byte]string{'\'': "single", '"': "double"}

// quoting returns, for each byte of a shell command line, the quote character it stands
// in, or 0 outside quotes. A backslash outside single quotes escapes the next byte.
func quoting(line string) []byte {
	in := make([]byte, len(line))
	var q byte
	for i := 0; i < len(line); i++ {
		in[i] = q
		switch c := line[i]; {
		case c == '\\' && q != '\'' && i+1 < len(line):
			i++
			in[i] = q
		case q == 0 && (c == '\'' || c == '"'):
			q = c
		case c == q:
			q = 0
		}
	}
	return in
}

func known(vars map[string]string) string {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, "{"+k+"}")
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

// ShellQuote returns s as one shell word: unchanged when it is plain, else single-quoted
// (shellquote.Quote).
func ShellQuote(s string) string { return shellquote.Quote(s) }

// collect copies the images in src to dst, replacing what dst held; none is an error.
func collect(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("command_out: %w", err)
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() && imagefile.IsImage(e.Name()) {
			if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("command_out %s holds no %s images", src, strings.Join(imagefile.Exts(), "/"))
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
