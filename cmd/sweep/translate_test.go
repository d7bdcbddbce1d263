package main

import (
	"bytes"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"sweep/checkpoint"
	"sweep/core"
	"sweep/vocab"
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

// TestTranslateSizeDefaultsToCropSize: without --size, a sweep checkpoint is applied at the
// crop_size its config metadata records; --size overrides it, and a checkpoint without one
// gets the default.
func TestTranslateSizeDefaultsToCropSize(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	writeGrayPNGs(t, in, 1)
	for _, tt := range []struct {
		name string
		meta map[string]string
		args []string
		want int
	}{
		{"recorded", map[string]string{"config": `{"crop_size": 20}`}, nil, 20},
		{"given", map[string]string{"config": `{"crop_size": 20}`}, []string{"--size", "12"}, 12},
		{"unrecorded", map[string]string{}, nil, defaultTestSize},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ckpt := filepath.Join(dir, tt.name+".safetensors")
			writeCheckpoint(t, ckpt, tt.meta)
			out := filepath.Join(dir, "out-"+tt.name)
			args := append([]string{"--checkpoint", ckpt, "--in", in, "--out", out}, tt.args...)
			if err := runCommand("translate", args...); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(out, "a.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			c, err := png.DecodeConfig(f)
			if err != nil || c.Width != tt.want || c.Height != tt.want {
				t.Errorf("output %dx%d (%v), want %dx%d", c.Width, c.Height, err, tt.want, tt.want)
			}
		})
	}
}

// writeCheckpoint writes an untrained small model's sweep checkpoint with metadata meta.
func writeCheckpoint(t *testing.T, path string, meta map[string]string) {
	t.Helper()
	o := core.Options{NGF: 2, NDF: 2, NBlocks: 1, NetFNC: 4,
		NCE:       core.NCEOptions{Mode: vocab.ModeGlobal, NumPatches: 4, Temp: 0.07, Lambda: 1},
		LambdaGAN: 1, Beta1: 0.5, Beta2: 0.999}
	m := core.NewModel(o, rand.New(rand.NewPCG(1, 2)))
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, m, meta); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
