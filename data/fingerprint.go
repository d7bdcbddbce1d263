package data

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sweep/config"
	"sweep/internal/atomicfile"
)

// Fingerprint names the data a run trains on, for its ID. A built-in dataset is named by
// the generator version and the settings that decide its images (all in cfg). A folder is
// its absolute path and a manifest of its four splits: every image's relative name, size and
// SHA-256, so the same folder with other files, or another folder at the same relative path,
// is another dataset. Hashes are cached by size and modification time (FingerprintCache).
func Fingerprint(cfg config.Run) (string, error) {
	if name, ok := strings.CutPrefix(cfg.Dataset, "builtin:"); ok {
		if _, known := builtins[name]; !known {
			return "", fmt.Errorf("dataset %q is unknown; allowed: builtin:zebra, builtin:cityscapes, or a folder", cfg.Dataset)
		}
		return fmt.Sprintf("%s gen=%d", cfg.Dataset, GenVersion), nil
	}
	root, err := filepath.Abs(cfg.Dataset)
	if err != nil {
		return "", err
	}
	files, err := folderImages(root)
	if err != nil {
		return "", err
	}
	cache, err := openHashCache(root)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "folder %s\n", root)
	for _, f := range files {
		e, err := cache.entry(root, f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\t%d\t%s\n", e.Name, e.Size, e.SHA256)
	}
	if err := cache.save(); err != nil {
		return "", err
	}
	return fmt.Sprintf("folder %s sha256=%s", root, hex.EncodeToString(h.Sum(nil))[:32]), nil
}

// folderImages lists the images of a folder dataset's four splits, sorted by path.
func folderImages(root string) ([]string, error) {
	dirs, err := findSplits(root)
	if err != nil {
		return nil, err
	}
	var all []string
	for _, d := range []string{dirs.trainA, dirs.trainB, dirs.testA, dirs.testB} {
		files, err := ListImages(d)
		if err != nil {
			return nil, err
		}
		all = append(all, files...)
	}
	return all, nil
}

// FingerprintCache is the folder of the cached content hashes: $SWEEP_CACHE/manifests, or the
// user cache folder's sweep/manifests.
func FingerprintCache() (string, error) {
	data, err := DefaultCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(data), "manifests"), nil
}

// fileHash is one cached file hash, valid while the file keeps its size and mtime.
type fileHash struct {
	Name    string `json:"name"` // relative to the dataset root, slash-separated
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

// hashCache holds a dataset folder's cached hashes in one JSON file named by the folder's path.
type hashCache struct {
	path    string
	old     map[string]fileHash
	entries []fileHash
	changed bool
}

func openHashCache(root string) (*hashCache, error) {
	dir, err := FingerprintCache()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(root))
	c := &hashCache{path: filepath.Join(dir, hex.EncodeToString(sum[:8])+".json"), old: map[string]fileHash{}}
	var stored []fileHash
	b, err := os.ReadFile(c.path)
	if err == nil {
		err = json.Unmarshal(b, &stored)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.changed = true // unreadable: rebuilt from the files
	}
	for _, e := range stored {
		c.old[e.Name] = e
	}
	return c, nil
}

// entry returns path's hash, from the cache when its size and mtime are unchanged.
func (c *hashCache) entry(root, path string) (fileHash, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileHash{}, err
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return fileHash{}, err
	}
	e := fileHash{Name: filepath.ToSlash(rel), Size: st.Size(), ModTime: st.ModTime().UnixNano()}
	if o, ok := c.old[e.Name]; ok && o.Size == e.Size && o.ModTime == e.ModTime {
		c.entries = append(c.entries, o)
		return o, nil
	}
	if e.SHA256, err = hashFile(path); err != nil {
		return fileHash{}, err
	}
	c.entries = append(c.entries, e)
	c.changed = true
	return e, nil
}

// save writes the cache when it changed. A cache that cannot be written only costs speed.
func (c *hashCache) save() error {
	if !c.changed && len(c.entries) == len(c.old) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return nil
	}
	b, err := json.Marshal(c.entries)
	if err != nil {
		return err
	}
	atomicfile.Write(c.path, b)
	return nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
