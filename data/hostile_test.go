package data

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"sweep/internal/imagefile"
	"sweep/internal/imagefile/imagetest"
)

// TestReadImageRefusesHugeHeaders: a tiny file declaring a huge image is refused from its
// header, naming the file, without allocating the image.
func TestReadImageRefusesHugeHeaders(t *testing.T) {
	imagetest.CheckRefused(t, imagefile.ErrTooLarge, func(path string) error {
		_, err := ReadImage(path)
		return err
	})
}

// TestOpenRefusesHugeImage: a folder dataset holding such a file fails at Prepare or Open,
// naming it, without allocating its declared size.
func TestOpenRefusesHugeImage(t *testing.T) {
	dir := smallFolder(t)
	path := imagetest.WriteFile(t, filepath.Join(dir, "trainA"), "huge.png", imagetest.HugePNG(100000, 100000))
	cfg := folderCfg(dir)
	var err error
	n := imagetest.Allocated(func() {
		var root string
		if root, err = Prepare(cfg, ""); err == nil {
			_, err = Open(cfg, root)
		}
	})
	if !errors.Is(err, imagefile.ErrTooLarge) || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %v; want ErrTooLarge naming %s", err, path)
	}
	if n > 64<<20 {
		t.Errorf("allocated %d bytes", n)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestSymlinkedFolders: a dataset root that is a link, split folders that are links, linked
// subfolders and image files are followed; a link cycle ends.
func TestSymlinkedFolders(t *testing.T) {
	real := smallFolder(t)
	links := t.TempDir()
	for _, d := range []string{"trainA", "trainB", "testA", "testB"} {
		symlink(t, filepath.Join(real, d), filepath.Join(links, d))
	}
	extra := t.TempDir()
	writeTestImage(t, extra, "sub/e0.png", noiseImage(20, 40, 40))
	symlink(t, filepath.Join(extra, "sub"), filepath.Join(real, "trainA", "more"))
	symlink(t, filepath.Join(extra, "sub", "e0.png"), filepath.Join(real, "trainB", "linked.png"))
	symlink(t, filepath.Join(real, "trainA"), filepath.Join(extra, "sub", "loop")) // trainA/more/loop is trainA
	root := filepath.Join(t.TempDir(), "data")
	symlink(t, links, root)

	files, err := ListImages(filepath.Join(root, "trainA"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a0.png", "a1.jpg", "a2.png", "more/e0.png"}
	var got []string
	for _, f := range files {
		rel, _ := filepath.Rel(filepath.Join(root, "trainA"), f)
		got = append(got, filepath.ToSlash(rel))
	}
	if !slices.Equal(got, want) {
		t.Errorf("trainA lists %v; want %v", got, want)
	}
	cfg := folderCfg(root)
	prep, err := Prepare(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(cfg, prep); err != nil {
		t.Fatal(err)
	}
	if b, err := ListImages(filepath.Join(root, "trainB")); err != nil || len(b) != 3 {
		t.Errorf("trainB: %v %v; want b0, b1 and linked.png", b, err)
	}
}

// TestGeneratedModesFollowUmask: a generated dataset's folders and files are readable by the
// group and others under umask 022 (0755 and 0644), not 0700 and 0600.
func TestGeneratedModesFollowUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	cache := filepath.Join(t.TempDir(), "cache")
	root, err := Prepare(builtinCfg("builtin:zebra", 16, 2, 1), cache)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(cache, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := e.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o644)
		if e.IsDir() {
			want = fs.ModeDir | 0o755
		}
		if st.Mode() != want {
			t.Errorf("%s: mode %v; want %v", path, st.Mode(), want)
		}
		n++
		return nil
	})
	if err != nil || n < 10 || !strings.HasPrefix(root, cache) {
		t.Fatalf("walked %d entries of %s: %v", n, root, err)
	}
}
