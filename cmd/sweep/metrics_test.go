package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/internal/fixtures"
)

func writeGrayPNGs(t *testing.T, dir string, n int) {
	t.Helper()
	os.MkdirAll(dir, 0o755)
	for i := 0; i < n; i++ {
		img := image.NewGray(image.Rect(0, 0, 16, 16))
		for j := range img.Pix {
			img.Pix[j] = uint8(j*7 + i*31)
		}
		f, err := os.Create(filepath.Join(dir, string(rune('a'+i))+".png"))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, img)
		f.Close()
	}
}

func TestRunMetrics(t *testing.T) {
	dir := t.TempDir()
	real, fake := filepath.Join(dir, "real"), filepath.Join(dir, "fake")
	writeGrayPNGs(t, real, 2)
	writeGrayPNGs(t, fake, 2)
	t.Setenv("SWEEP_INCEPTION", filepath.Join(dir, "missing.pth"))
	drnWeights := filepath.Join(fixtures.Dir(t), "drn", "drn_d_22_small.pth")
	tests := []struct {
		name     string
		args     []string
		exit     int
		contains string
	}{
		{"swd", []string{"swd", "--real", real, "--fake", fake, "--json"}, 0, ""},
		{"fid absent", []string{"fid", "--real", real, "--fake", fake, "--no-download"}, 3, "missing.pth"},
		{"no kind", []string{"--real", real, "--fake", fake}, 2, "want 1 argument"},
		{"unknown kind", []string{"lpips", "--real", real, "--fake", fake}, 2, "swd, fid, seg"},
		{"no folders", []string{"swd"}, 2, "--real is required"},
		{"unknown segmenter", []string{"seg", "--real", real, "--fake", fake, "--segmenter", "nope"}, 1, "unknown"},
		{"drn", []string{"seg", "--real", real, "--fake", fake, "--segmenter", "drn", "--drn-weights", drnWeights, "--json"}, 0, ""},
		{"drn weights missing", []string{"seg", "--real", real, "--fake", fake, "--segmenter", "drn", "--drn-weights", filepath.Join(dir, "nope.pth")}, 1, "nope.pth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runCommand("metrics", tt.args...)
			if code := map[bool]int{true: 0, false: exitCode(err)}[err == nil]; code != tt.exit {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.exit)
			}
			if err != nil && !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q lacks %q", err, tt.contains)
			}
		})
	}
}
