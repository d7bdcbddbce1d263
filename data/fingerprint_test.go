package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fingerprint(t *testing.T, root string) string {
	t.Helper()
	fp, err := Fingerprint(folderCfg(root))
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// TestFingerprintIsPathAndContent: a folder's fingerprint changes with any image's content,
// name or presence and with the folder's location, and with nothing else.
func TestFingerprintIsPathAndContent(t *testing.T) {
	t.Setenv("SWEEP_CACHE", t.TempDir())
	root := smallFolder(t)
	ref := fingerprint(t, root)
	if !strings.Contains(ref, root) {
		t.Errorf("fingerprint %q does not name the folder", ref)
	}
	if again := fingerprint(t, root); again != ref {
		t.Errorf("same folder twice: %s, then %s", ref, again)
	}
	os.WriteFile(filepath.Join(root, "trainA", "notes.txt"), []byte("other notes"), 0o644)
	if got := fingerprint(t, root); got != ref {
		t.Error("a file that is not an image changed the fingerprint")
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(root, "testB", "u0.png"), later, later)
	if got := fingerprint(t, root); got != ref {
		t.Error("a new modification time without new content changed the fingerprint")
	}

	changes := map[string]func(t *testing.T, dir string){
		"content": func(t *testing.T, dir string) { writeTestImage(t, dir, "trainB/b1.png", noiseImage(40, 50, 50)) },
		"added":   func(t *testing.T, dir string) { writeTestImage(t, dir, "testA/t2.png", noiseImage(41, 40, 40)) },
		"removed": func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "trainA", "a1.jpg")) },
		"renamed": func(t *testing.T, dir string) {
			os.Rename(filepath.Join(dir, "testB", "u1.png"), filepath.Join(dir, "testB", "u2.png"))
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			dir := smallFolder(t)
			before := fingerprint(t, dir)
			change(t, dir)
			if fingerprint(t, dir) == before {
				t.Errorf("%s image: same fingerprint", name)
			}
		})
	}
	t.Run("another folder with the same files", func(t *testing.T) {
		if other := fingerprint(t, smallFolder(t)); other == ref {
			t.Error("two folders got one fingerprint")
		}
	})
}

// TestFingerprintCacheIsUsed: an image whose size and mtime are unchanged is not read again,
// so a corrupted cache entry shows in the fingerprint (which is how the test sees the cache).
func TestFingerprintCacheIsUsed(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("SWEEP_CACHE", cache)
	root := smallFolder(t)
	ref := fingerprint(t, root)
	files, _ := filepath.Glob(filepath.Join(cache, "manifests", "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	b, _ := os.ReadFile(files[0])
	forged := strings.Replace(string(b), `"sha256":"`, `"sha256":"0`, 1)
	os.WriteFile(files[0], []byte(forged), 0o644)
	if fingerprint(t, root) == ref {
		t.Error("the cached hash was not used")
	}
	os.WriteFile(files[0], []byte("not json"), 0o644)
	if got := fingerprint(t, root); got != ref {
		t.Errorf("an unreadable cache was not rebuilt: %s, want %s", got, ref)
	}
}

func TestFingerprintOfBuiltinsAndMissingFolders(t *testing.T) {
	zebra := folderCfg("builtin:zebra")
	if fp, err := Fingerprint(zebra); err != nil || fp != "builtin:zebra gen=1" {
		t.Errorf("builtin:zebra: %q, %v", fp, err)
	}
	for _, ds := range []string{"builtin:horses", filepath.Join(t.TempDir(), "absent")} {
		if _, err := Fingerprint(folderCfg(ds)); err == nil {
			t.Errorf("%s: no error", ds)
		}
	}
}
