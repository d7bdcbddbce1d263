package main

import (
	"path/filepath"
	"testing"
)

// TestTranslateRefusesBadSize: sweep translate checks --size before it reads the checkpoint
// (sizes 1 to 3 once looped forever in the reflection pad, negative ones panicked).
func TestTranslateRefusesBadSize(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []string{"1", "3", "4", "-5", "30", "8192"} {
		err := runCommand("translate", "--checkpoint", filepath.Join(dir, "absent.pth"), "--in", dir, "--out", filepath.Join(dir, "out"), "--size", size)
		want := "--size: size " + size + " is not supported: allowed sizes are multiples of 4 from 8 to 4096"
		if err == nil || err.Error() != want {
			t.Errorf("--size %s: %v, want %q", size, err, want)
		}
	}
}
