package preflight

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sweep/config"
	"sweep/experiments"
	"sweep/runner"
)

// encode writes a w×h image as PNG or (ext .jpg) JPEG.
func encode(t testing.TB, path string, w, h int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	var buf bytes.Buffer
	var err error
	if filepath.Ext(path) == ".jpg" {
		err = jpeg.Encode(&buf, img, nil)
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dataset writes a folder dataset with n images per split (PNG and JPEG alternating).
func dataset(t testing.TB, n int, splits ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, s := range splits {
		for i := range n {
			ext := ".png"
			if i%2 == 1 {
				ext = ".jpg"
			}
			encode(t, filepath.Join(root, s, fmt.Sprintf("%04d%s", i, ext)), 16, 12)
		}
	}
	return root
}

func TestCheckFolder(t *testing.T) {
	tests := []struct {
		name  string
		setup func(root string)
		want  []string // parts of the problems, in order; none for a usable folder
	}{
		{"usable", func(string) {}, nil},
		{"val fallback", func(root string) {
			os.Rename(filepath.Join(root, "testA"), filepath.Join(root, "valA"))
			os.Rename(filepath.Join(root, "testB"), filepath.Join(root, "valB"))
		}, nil},
		{"hidden files ignored", func(root string) {
			os.WriteFile(filepath.Join(root, "trainA", ".x.png"), []byte("junk"), 0o644)
			os.MkdirAll(filepath.Join(root, "trainA", ".thumbs"), 0o755)
			os.WriteFile(filepath.Join(root, "trainA", ".thumbs", "y.png"), []byte("junk"), 0o644)
			os.WriteFile(filepath.Join(root, "trainA", "notes.txt"), []byte("text"), 0o644)
		}, nil},
		{"two splits missing", func(root string) {
			os.RemoveAll(filepath.Join(root, "trainB"))
			os.RemoveAll(filepath.Join(root, "testA"))
		}, []string{"lacks the folder trainB", "lacks the folder testA or valA"}},
		{"split empty", func(root string) {
			os.RemoveAll(filepath.Join(root, "testB"))
			os.MkdirAll(filepath.Join(root, "testB"), 0o755)
		}, []string{"testB holds no PNG or JPEG images"}},
		{"bad and small images", func(root string) {
			os.WriteFile(filepath.Join(root, "trainA", "0000.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644)
			encode(t, filepath.Join(root, "testA", "0001.jpg"), 7, 100)
		}, []string{"trainA/0000.png: not a readable PNG or JPEG image", "testA/0001.jpg: jpeg image of 7x100 pixels, smaller than 8x8"}},
		{"unsupported type", func(root string) {
			os.WriteFile(filepath.Join(root, "trainB", "x.TIF"), []byte("II*"), 0o644)
		}, []string{"unsupported image type (convert to PNG or JPEG): " + "ROOT/trainB/x.TIF"}},
		{"not a folder", func(root string) {
			os.RemoveAll(root)
			os.WriteFile(root, []byte("x"), 0o644)
		}, []string{"is not a folder"}},
		{"missing", func(root string) { os.RemoveAll(root) }, []string{"dataset folder ROOT does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := dataset(t, 2, "trainA", "trainB", "testA", "testB")
			tt.setup(root)
			got := checkFolder(root).problems
			if len(got) != len(tt.want) {
				t.Fatalf("problems %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if w = strings.ReplaceAll(w, "ROOT", root); !strings.Contains(got[i], w) {
					t.Errorf("problem %d: %q, want it to say %q", i, got[i], w)
				}
			}
		})
	}
}

func TestManyBadImagesAreCounted(t *testing.T) {
	root := dataset(t, 1, "trainA", "trainB", "testA", "testB")
	for i := range 25 {
		os.WriteFile(filepath.Join(root, "trainA", fmt.Sprintf("bad%02d.png", i)), []byte("junk"), 0o644)
	}
	got := checkFolder(root).problems
	if len(got) != maxListed+1 || !strings.Contains(got[maxListed], "15 more images of "+root+" cannot be used (25 in all)") {
		t.Errorf("problems %q", got)
	}
}

// TestHeaders2000 checks a 2000-image folder (500 per split) and reports the time: headers
// are decoded in parallel and nothing is cached between calls.
func TestHeaders2000(t *testing.T) {
	root := dataset(t, 500, "trainA", "trainB", "testA", "testB")
	start := time.Now()
	f := checkFolder(root)
	elapsed := time.Since(start)
	if len(f.problems) != 0 {
		t.Fatalf("problems %q", f.problems)
	}
	t.Logf("2000 images checked in %v", elapsed)
	if elapsed > 5*time.Second {
		t.Errorf("2000 headers took %v", elapsed)
	}
}

func TestTestNames(t *testing.T) {
	root := dataset(t, 2, "trainA", "trainB", "testA", "testB")
	encode(t, filepath.Join(root, "testB", "0000.jpg"), 16, 16) // 0000.jpg, 0000.png, 0001.jpg
	f := checkFolder(root)
	tests := []struct {
		dir     string
		size    int
		collide bool
	}{{"AtoB", 0, false}, {"BtoA", 1, false}, {"BtoA", 2, true}, {"BtoA", 0, true}}
	for _, tt := range tests {
		msg := f.testNames(config.Run{Direction: tt.dir, TestSize: tt.size})
		if (msg != "") != tt.collide {
			t.Errorf("%s test_size %d: %q, want a collision: %v", tt.dir, tt.size, msg, tt.collide)
		}
	}
}

func TestProgram(t *testing.T) {
	tests := []struct{ cmdline, want string }{
		{"segment --in {in} --out {out}", "segment"},
		{"  /opt/seg/run.sh {in} {out}", "/opt/seg/run.sh"},
		{`"./my seg" {in} {out}`, `./my`},
		{"CUDA_VISIBLE_DEVICES=0 OMP=4 python3 seg.py {in} {out}", "python3"},
		{"'python3' seg.py", "python3"},
		{"cd /opt && ./seg {in} {out}", ""},
		{"exec seg", ""},
		{"--flag=1 x", "--flag=1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := program(tt.cmdline); got != tt.want {
			t.Errorf("program(%q) = %q, want %q", tt.cmdline, got, tt.want)
		}
	}
}

func TestReadableFile(t *testing.T) {
	dir := t.TempDir()
	full, empty := filepath.Join(dir, "g.pth"), filepath.Join(dir, "e.pth")
	os.WriteFile(full, []byte("weights"), 0o644)
	os.WriteFile(empty, nil, 0o644)
	tests := []struct{ path, want string }{
		{full, ""},
		{empty, "is empty"},
		{dir, "is a folder, not a file"},
		{filepath.Join(dir, "none"), "no such file"},
	}
	for _, tt := range tests {
		got := readableFile(tt.path)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("readableFile(%s) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestDefaultsAndGrouping checks a Sweep not made by Parse: every key is a default, at line 0,
// and a problem of several runs is one error naming them.
func TestDefaultsAndGrouping(t *testing.T) {
	dir := t.TempDir()
	sw := &experiments.Sweep{File: "x.toml"}
	var plan []runner.Planned
	for i := range 5 {
		r := config.Default()
		r.Seed = int64(i)
		r.Checkpoint = filepath.Join(dir, "none.pth")
		sw.Runs = append(sw.Runs, r)
		plan = append(plan, runner.Planned{Index: i, ID: fmt.Sprintf("id%d", i), Label: fmt.Sprintf("- seed=%d", i), Config: r})
	}
	err := Options{}.Check(sw, plan[1:])
	var e *experiments.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want an *experiments.Error", err)
	}
	want := "x.toml: checkpoint (default; runs id1 - seed=1, id2 - seed=2, id3 - seed=3 and 1 more): the checkpoint to evaluate cannot be opened: open " + filepath.Join(dir, "none.pth") + ": no such file or directory"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}

func TestNothingMissing(t *testing.T) {
	t.Setenv("SWEEP_CACHE", t.TempDir()) // runner.Plan caches the folder's hashes there
	root := dataset(t, 2, "trainA", "trainB", "testA", "testB")
	sw, err := experiments.Parse("ok.toml", []byte(`[sweep]
name = "ok"
[base]
dataset = "`+root+`"
crop_size = 32
load_size = 36
queries = 16
metrics = ["swd", "gt"]
[grid]
seed = [1, 2, 3]
`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runner.Plan(sw.Runs, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]runner.Planned{plan, nil} {
		if err := (Options{}).Check(sw, p); err != nil {
			t.Errorf("plan %v: %v", p != nil, err)
		}
	}
}
