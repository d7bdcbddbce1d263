package metrics

import (
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

func TestToRGB(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	nrgba.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 10})
	rgba := image.NewRGBA(image.Rect(0, 0, 1, 1))
	rgba.SetRGBA(0, 0, color.RGBA{100, 50, 25, 128}) // premultiplied
	opaque := image.NewRGBA(image.Rect(0, 0, 1, 1))
	opaque.SetRGBA(0, 0, color.RGBA{1, 2, 3, 255})
	gray := image.NewGray(image.Rect(0, 0, 1, 1))
	gray.SetGray(0, 0, color.Gray{77})
	pal := image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.NRGBA{9, 8, 7, 255}, color.NRGBA{4, 5, 6, 255}})
	pal.SetColorIndex(0, 0, 1)
	offset := image.NewNRGBA(image.Rect(5, 5, 6, 6))
	offset.SetNRGBA(5, 5, color.NRGBA{11, 12, 13, 255})
	tests := []struct {
		name string
		img  image.Image
		want [3]uint8
	}{
		{"nrgba keeps colour, drops alpha", nrgba, [3]uint8{200, 100, 50}},
		{"premultiplied rgba", rgba, [3]uint8{199, 99, 49}},
		{"opaque rgba", opaque, [3]uint8{1, 2, 3}},
		{"gray", gray, [3]uint8{77, 77, 77}},
		{"paletted", pal, [3]uint8{4, 5, 6}},
		{"offset bounds", offset, [3]uint8{11, 12, 13}},
	}
	for _, tt := range tests {
		got := ToRGB(tt.img)
		if got.W != 1 || got.H != 1 || [3]uint8(got.Pix) != tt.want {
			t.Errorf("%s: %dx%d %v, want %v", tt.name, got.W, got.H, got.Pix, tt.want)
		}
	}
}

func TestListAndReadImages(t *testing.T) {
	dir := t.TempDir()
	writePNGs(t, dir, 2, 4, 3, 1)
	os.Rename(filepath.Join(dir, "img_001.png"), filepath.Join(dir, "B.PNG"))
	f, _ := os.Create(filepath.Join(dir, "a.jpg"))
	jpeg.Encode(f, image.NewGray(image.Rect(0, 0, 4, 3)), nil)
	f.Close()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub.png"), 0o755)
	paths, err := ListImages(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"B.PNG", "a.jpg", "img_000.png"} // byte order, like Python's sorted()
	if len(paths) != len(want) {
		t.Fatalf("paths %v", paths)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("path %d = %s, want %s", i, p, want[i])
		}
		img, err := ReadImage(p)
		if err != nil || img.W != 4 || img.H != 3 {
			t.Errorf("%s: %v", p, err)
		}
	}
	chw := (&Image{W: 1, H: 1, Pix: []uint8{0, 255, 51}}).CHW()
	if chw[0] != 0 || chw[1] != 1 || chw[2] != float32(51)/255 {
		t.Errorf("CHW %v", chw)
	}
}
