package data

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Checksum hashes a dataset folder: every file's path relative to root, and its content,
// in path order. A PNG counts by its decoded pixels (size and RGB values), so the checksum
// states what the images are, whatever zlib made of them; other files count by their bytes.
func Checksum(root string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		h.Write([]byte(filepath.ToSlash(rel)))
		h.Write([]byte{0})
		if strings.EqualFold(filepath.Ext(path), ".png") {
			m, err := readRGB(path)
			if err != nil {
				return err
			}
			h.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, uint32(m.W)), uint32(m.H)))
			h.Write(m.Pix)
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
