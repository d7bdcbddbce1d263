package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteHonoursUmask: written files get 0666 less the umask, so lab-mates on a shared
// machine can read results under the usual umask 022, and a private umask keeps them
// private; the content replaces the old one and no temporary file is left behind.
func TestWriteHonoursUmask(t *testing.T) {
	for _, tt := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o002, 0o664}, {0o077, 0o600}} {
		dir := t.TempDir()
		path := filepath.Join(dir, "result.json")
		old := syscall.Umask(tt.umask)
		err := Write(path, []byte("old"))
		if err == nil {
			err = Write(path, []byte("{}\n"))
		}
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != tt.want {
			t.Errorf("umask %03o: mode %03o, want %03o", tt.umask, st.Mode().Perm(), tt.want)
		}
		if b, _ := os.ReadFile(path); string(b) != "{}\n" {
			t.Errorf("content %q", b)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("umask %03o: %d files in the directory, want 1", tt.umask, len(entries))
		}
	}
}
