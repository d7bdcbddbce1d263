package data

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Generated datasets are shared: lab-mates on one server read each other's caches. So their
// folders are made 0o777 and their files 0o666, and the umask (typically 022 or 002) decides,
// rather than os.MkdirTemp's 0o700 or os.CreateTemp's 0o600.
const (
	dirMode  = 0o777
	fileMode = 0o666
)

// mkdirShared makes a new uniquely named folder in parent, like os.MkdirTemp but with the
// umask's permissions.
func mkdirShared(parent, prefix string) (string, error) {
	for range 100 {
		dir := filepath.Join(parent, prefix+rand.Text()[:12])
		err := os.Mkdir(dir, dirMode)
		if !errors.Is(err, fs.ErrExist) {
			return dir, err
		}
	}
	return "", fmt.Errorf("%s: cannot make a new folder %s*", parent, prefix)
}

// writeJSONShared writes v as indented JSON to path with the umask's permissions, through a
// temporary file renamed into place, so a reader never sees part of it.
func writeJSONShared(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), fileMode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
