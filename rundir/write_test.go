package rundir

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteJSONHonoursUmask: run files get 0666 less the umask, so lab-mates on a shared
// machine can read results under the usual umask 022, and a private umask keeps them
// private; no temporary file is left behind.
func TestWriteJSONHonoursUmask(t *testing.T) {
	for _, tt := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o002, 0o664}, {0o077, 0o600}} {
		dir := t.TempDir()
		old := syscall.Umask(tt.umask)
		err := WriteJSON(filepath.Join(dir, ResultFile), Result{})
		jerr := WriteJSON(filepath.Join(dir, ConfigFile), map[string]int{"a": 1})
		syscall.Umask(old)
		if err != nil || jerr != nil {
			t.Fatal(err, jerr)
		}
		for _, name := range []string{ResultFile, ConfigFile} {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != tt.want {
				t.Errorf("umask %03o: %s has mode %03o, want %03o", tt.umask, name, st.Mode().Perm(), tt.want)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 2 {
			t.Errorf("umask %03o: %d files in the directory, want 2", tt.umask, len(entries))
		}
	}
}
