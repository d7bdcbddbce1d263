package preflight_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sweepBin is the sweep program built for these tests: they run "sweep run" as a child.
var sweepBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "sweep-preflight-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	sweepBin = filepath.Join(tmp, "sweep")
	build := exec.Command("go", "build", "-o", sweepBin, "sweep/cmd/sweep")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build sweep: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// tiny is a [base] of one small run that trains in about a second on builtin:zebra.
const tiny = `[sweep]
name = "pre"

[base]
crop_size = 24
load_size = 26
ngf = 4
ndf = 4
n_blocks = 5
netf_nc = 8
queries = 8
n_epochs = 1
n_epochs_decay = 0
train_size = 2
test_size = 2
`

// work is one test's directory: the sweep file, data and the child's home and caches.
type work struct {
	t    *testing.T
	dir  string
	file string
}

func newWork(t *testing.T) *work {
	w := &work{t: t, dir: t.TempDir()}
	w.file = filepath.Join(w.dir, "s.toml")
	return w
}

// write writes the sweep file: tiny followed by body, {dir} standing for the work directory.
func (w *work) write(body string) string {
	w.t.Helper()
	src := strings.ReplaceAll(tiny+body, "{dir}", w.dir)
	if err := os.WriteFile(w.file, []byte(src), 0o644); err != nil {
		w.t.Fatal(err)
	}
	return src
}

func (w *work) db() string      { return filepath.Join(w.dir, "s.db") }
func (w *work) runsDir() string { return filepath.Join(w.dir, "runs") }

// sweep runs "sweep run" (with extra flags) in the work directory, with a home, caches and
// Inception path that hold nothing and a network that cannot be reached, and returns its
// output and exit status.
func (w *work) sweep(flags ...string) (string, int) {
	w.t.Helper()
	args := append([]string{"run", "--db", w.db(), "--runs-dir", w.runsDir()}, flags...)
	cmd := exec.Command(sweepBin, append(args, w.file)...)
	cmd.Dir = w.dir
	cmd.Env = childEnv(w.dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		w.t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// childEnv is this process's environment without network proxies, caches and weights,
// plus a home and caches in dir/home and a proxy that refuses every connection.
func childEnv(dir string) []string {
	drop := []string{"HOME", "XDG_CACHE_HOME", "SWEEP_CACHE", "SWEEP_INCEPTION", "SWEEP_DB",
		"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "ALL_PROXY", "all_proxy"}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			keep = keep && name != d
		}
		if keep {
			env = append(env, kv)
		}
	}
	home := filepath.Join(dir, "home")
	return append(env, "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"SWEEP_CACHE="+filepath.Join(home, "sweep"), "SWEEP_INCEPTION="+filepath.Join(home, "weights", "inception.pth"),
		"SWEEP_NO_DOWNLOAD=1", "HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9")
}

// nothingWritten fails the test when the database or the runs folder exists.
func (w *work) nothingWritten(what string) {
	w.t.Helper()
	for _, p := range []string{w.db(), w.runsDir()} {
		if _, err := os.Stat(p); err == nil {
			w.t.Errorf("%s: %s was written", what, p)
		}
	}
}

// lineOf is the 1-based line of src holding mark.
func lineOf(t *testing.T, src, mark string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, mark) {
			return i + 1
		}
	}
	t.Fatalf("no line holds %q", mark)
	return 0
}

// writePNG writes a w×h grey PNG.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.Gray{Y: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// folderData writes a dataset in dir/data with two 24×24 images in each of splits.
func folderData(t *testing.T, dir string, splits ...string) string {
	t.Helper()
	root := filepath.Join(dir, "data")
	for _, s := range splits {
		for i := range 2 {
			writePNG(t, filepath.Join(root, s, fmt.Sprintf("%d.png", i)), 24, 24)
		}
	}
	return root
}

var fourSplits = []string{"trainA", "trainB", "testA", "testB"}

// want is one error expected: on the line holding mark, naming key, with the message part msg.
type want struct{ mark, key, msg string }

// TestRefused gives "sweep run" and "sweep run --dry-run" sweeps of which each check refuses
// a run, and expects an error that names the file, the line and key that asked for the
// missing thing and the run, with nothing written.
func TestRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		body  string
		run   string // a part of the run's name
		wants []want
	}{
		{"dataset folder missing", nil, `dataset = "{dir}/nope" # M
`, "run #1 (variant \"\", seed 1)", []want{{"# M", "base.dataset", "does not exist"}}},
		{"split missing", func(t *testing.T, d string) { folderData(t, d, "trainA", "trainB", "testA") },
			`dataset = "{dir}/data" # M
`, "run #1", []want{{"# M", "base.dataset", "lacks the folder testB or valB"}}},
		{"split empty", func(t *testing.T, d string) {
			folderData(t, d, "trainA", "testA", "testB")
			os.MkdirAll(filepath.Join(d, "data", "trainB"), 0o755)
		}, `dataset = "{dir}/data" # M
`, "run ", []want{{"# M", "base.dataset", "trainB holds no PNG or JPEG images"}}},
		{"image undecodable", func(t *testing.T, d string) {
			folderData(t, d, fourSplits...)
			writeFile(t, filepath.Join(d, "data", "trainA", "bad.png"), "not a png")
		}, `dataset = "{dir}/data" # M
`, "run ", []want{{"# M", "base.dataset", "bad.png: not a readable PNG or JPEG image"}}},
		{"image too small", func(t *testing.T, d string) {
			folderData(t, d, fourSplits...)
			writePNG(t, filepath.Join(d, "data", "testB", "tiny.png"), 4, 6)
		}, `dataset = "{dir}/data" # M
`, "run ", []want{{"# M", "base.dataset", "tiny.png: png image of 4x6 pixels, smaller than 8x8"}}},
		{"image type unsupported", func(t *testing.T, d string) {
			folderData(t, d, fourSplits...)
			writeFile(t, filepath.Join(d, "data", "trainB", "x.bmp"), "BM")
		}, `dataset = "{dir}/data" # M
`, "run #1", []want{{"# M", "base.dataset", "unsupported image type"}}},
		{"test names collide", func(t *testing.T, d string) {
			folderData(t, d, fourSplits...)
			writePNG(t, filepath.Join(d, "data", "testA", "0.jpg"), 24, 24) // sorts before 0.png
		}, `dataset = "{dir}/data" # M
`, "run ", []want{{"# M", "base.dataset", `have the same name "0"`}}},
		{"fid without weights", nil, `metrics = ["swd", "fid"] # M
`, "run ", []want{{"# M", "base.metrics", "fid needs the Inception weights"}, {"# M", "base.metrics", "home/weights/inception.pth"}}},
		{"inception file missing", nil, `metrics = ["fid"]
inception = "{dir}/w.pth" # M
`, "run ", []want{{"# M", "base.inception", "Inception weights not available at " + "{dir}/w.pth"}}},
		{"segmenter program missing", nil, `dataset = "builtin:cityscapes"
metrics = ["seg"]
segmenter = "cmd:no-such-segmenter-7f3 --in {in} --out {out}" # M
`, "run ", []want{{"# M", "base.segmenter", `segmenter program "no-such-segmenter-7f3" cannot be run`}}},
		{"segmenter without {in}", nil, `dataset = "builtin:cityscapes"
metrics = ["seg"]
segmenter = "cmd:true" # M
`, "run ", []want{{"# M", "base.segmenter", "must contain {in}"}}},
		{"drn weights missing", nil, `dataset = "builtin:cityscapes"
metrics = ["seg"]
segmenter = "drn"
drn_weights = "{dir}/drn.pth" # M
`, "run ", []want{{"# M", "base.drn_weights", "segmenter drn: "}, {"# M", "base.drn_weights", "{dir}/drn.pth"}}},
		{"drn weights not a DRN", func(t *testing.T, d string) {
			if err := os.WriteFile(filepath.Join(d, "drn.pth"), []byte("not a checkpoint"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, `dataset = "builtin:cityscapes"
metrics = ["seg"]
segmenter = "drn"
drn_weights = "{dir}/drn.pth" # M
`, "run ", []want{{"# M", "base.drn_weights", "segmenter drn: "}}},
		{"labels missing", func(t *testing.T, d string) { folderData(t, d, fourSplits...) }, `dataset = "{dir}/data"
metrics = ["seg"]
segmenter = "cmd:true {in} {out}"
labels = "{dir}/labels" # M
`, "run ", []want{{"# M", "base.labels", "label maps in {dir}/labels"}}},
		{"checkpoint missing", nil, `checkpoint = "{dir}/latest_net_G.pth" # M
`, "run ", []want{{"# M", "base.checkpoint", "latest_net_G.pth: no such file"}}},
		{"checkpoint a folder", nil, `checkpoint = "{dir}" # M
`, "run ", []want{{"# M", "base.checkpoint", "is a folder, not a file"}}},
		{"command placeholder", nil, `executor = "command"
command = "train --out {run_dir} --x {nope}" # M
`, "run ", []want{{"# M", "base.command", "unknown placeholder {nope}"}}},
		{"command_out placeholder", nil, `executor = "command"
command = "true {id} {gpu}"
command_out = "{run_dir}/{nada}" # M
`, "run ", []want{{"# M", "base.command_out", "unknown placeholder {nada}"}}},
		{"grid axis", func(t *testing.T, d string) { writeFile(t, filepath.Join(d, "ok.pt"), "G") }, `
[grid]
checkpoint = ["{dir}/ok.pt",
  "{dir}/missing.pt"] # M
`, "missing.pt", []want{{"# M", "grid.checkpoint[1]", "missing.pt: no such file"}}},
		{"variant", nil, `
[variants.A]
checkpoint = "{dir}/a.pt" # M
[grid]
variant = ["A"]
`, "run ", []want{{"# M", "variants.A.checkpoint", "a.pt: no such file"}}},
		{"include", nil, `
[[include]]
ngf = 8
checkpoint = "{dir}/inc.pt" # M
`, "ngf=8", []want{{"# M", "include[0].checkpoint", "inc.pt: no such file"}}},
		{"two problems of one run", nil, `checkpoint = "{dir}/G.pth" # M1
metrics = ["fid"] # M2
`, "run ", []want{{"# M1", "base.checkpoint", "G.pth"}, {"# M2", "base.metrics", "Inception"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWork(t)
			if tt.setup != nil {
				tt.setup(t, w.dir)
			}
			src := w.write(tt.body)
			for _, flags := range [][]string{nil, {"--dry-run"}} {
				out, code := w.sweep(flags...)
				what := strings.TrimSpace("sweep run " + strings.Join(flags, " "))
				if code == 0 {
					t.Fatalf("%s: exit 0, want a refusal:\n%s", what, out)
				}
				for _, wt := range tt.wants {
					prefix := fmt.Sprintf("%s:%d: %s (", w.file, lineOf(t, src, wt.mark), wt.key)
					line := lineWith(out, prefix)
					if line == "" {
						t.Fatalf("%s: no error starting %q:\n%s", what, prefix, out)
					}
					if msg := strings.ReplaceAll(wt.msg, "{dir}", w.dir); !strings.Contains(line, msg) || !strings.Contains(line, tt.run) {
						t.Errorf("%s: error %q does not name the run (%q) and say %q", what, line, tt.run, msg)
					}
					if strings.Contains(line, "ok.pt") {
						t.Errorf("%s: error %q names a run that has what it needs", what, line)
					}
				}
				w.nothingWritten(what)
			}
		})
	}
}

// lineWith returns the line of out that contains s (after the "sweep run: " of the first).
func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestRefusalNamesEveryRun: a problem that many runs share is one error naming them.
func TestRefusalNamesEveryRun(t *testing.T) {
	w := newWork(t)
	w.write("checkpoint = \"{dir}/G.pth\"\n\n[grid]\nseed = [1, 2, 3, 4, 5]\n")
	out, code := w.sweep("--dry-run")
	if code == 0 {
		t.Fatalf("exit 0:\n%s", out)
	}
	if n := strings.Count(out, "G.pth: no such file"); n != 1 {
		t.Errorf("%d errors about G.pth, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "seed=1, ") || !strings.Contains(out, "seed=3 and 2 more)") {
		t.Errorf("the error does not name three runs and count two more:\n%s", out)
	}
	w.nothingWritten("dry run")
}

// TestAccepted: sweeps whose runs have everything they need pass the check (dry runs).
func TestAccepted(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		body  string
	}{
		{"builtin", nil, "metrics = [\"swd\", \"gt\"]\n"},
		{"folder", func(t *testing.T, d string) { folderData(t, d, fourSplits...) }, "dataset = \"{dir}/data\"\n"},
		{"folder with val splits", func(t *testing.T, d string) { folderData(t, d, "trainA", "trainB", "valA", "valB") }, "dataset = \"data\"\n"},
		{"fid optional", nil, "metrics = [\"fid\"]\nfid_optional = true\n"},
		{"seg with labels", func(t *testing.T, d string) {
			folderData(t, d, fourSplits...)
			writePNG(t, filepath.Join(d, "labels", "0.png"), 24, 24)
		}, "dataset = \"{dir}/data\"\nmetrics = [\"seg\"]\nsegmenter = \"cmd:PATH=/usr/bin:/bin sh -c 'true' {in} {out}\"\nlabels = \"labels\"\n"},
		{"checkpoint", func(t *testing.T, d string) { writeFile(t, filepath.Join(d, "G.pth"), "weights") }, "checkpoint = \"G.pth\"\n"},
		{"command", nil, "executor = \"command\"\ncommand = \"echo {id} {run_dir} {gpu} {mode} ${HOME}\"\ncommand_out = \"{run_dir}/out\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWork(t)
			if tt.setup != nil {
				tt.setup(t, w.dir)
			}
			w.write(tt.body)
			out, code := w.sweep("--dry-run")
			if code != 0 || !strings.Contains(out, "1 runs, 0 done, 1 to run") {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			w.nothingWritten("dry run")
		})
	}
}

// TestTinyRunNotRefused runs a tiny built-in sweep to completion.
func TestTinyRunNotRefused(t *testing.T) {
	w := newWork(t)
	w.write("metrics = [\"swd\"]\n")
	out, code := w.sweep()
	if code != 0 || !strings.Contains(out, "1 completed now") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(w.db()); err != nil {
		t.Errorf("no database: %v", err)
	}
}
