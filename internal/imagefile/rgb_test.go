package imagefile

import (
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestToRGB: the one alpha rule (the stored, non-premultiplied colour, alpha dropped) and
// the expansions, for the image types the decoders give and for in-memory ones.
func TestToRGB(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	nrgba.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 10})
	rgba := image.NewRGBA(image.Rect(0, 0, 1, 1))
	rgba.SetRGBA(0, 0, color.RGBA{100, 50, 25, 128}) // premultiplied
	opaque := image.NewRGBA(image.Rect(0, 0, 1, 1))
	opaque.SetRGBA(0, 0, color.RGBA{1, 2, 3, 255})
	gray := image.NewGray(image.Rect(0, 0, 1, 1))
	gray.SetGray(0, 0, color.Gray{77})
	gray16 := image.NewGray16(image.Rect(0, 0, 1, 1))
	gray16.SetGray16(0, 0, color.Gray16{Y: 0xABCD})
	nrgba64 := image.NewNRGBA64(image.Rect(0, 0, 1, 1))
	nrgba64.SetNRGBA64(0, 0, color.NRGBA64{0x1234, 0x5678, 0x9ABC, 0x0101})
	pal := image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.NRGBA{9, 8, 7, 255}, color.NRGBA{4, 5, 6, 3}})
	pal.SetColorIndex(0, 0, 1)
	offset := image.NewNRGBA(image.Rect(5, 5, 6, 6))
	offset.SetNRGBA(5, 5, color.NRGBA{11, 12, 13, 255})
	ycc := image.NewYCbCr(image.Rect(0, 0, 1, 1), image.YCbCrSubsampleRatio420)
	ycc.Y[0], ycc.Cb[0], ycc.Cr[0] = 120, 90, 200
	r, g, b := color.YCbCrToRGB(120, 90, 200)
	for _, tt := range []struct {
		name string
		img  image.Image
		want [3]uint8
	}{
		{"nrgba keeps colour, drops alpha", nrgba, [3]uint8{200, 100, 50}},
		{"premultiplied rgba", rgba, [3]uint8{199, 99, 49}},
		{"opaque rgba", opaque, [3]uint8{1, 2, 3}},
		{"gray", gray, [3]uint8{77, 77, 77}},
		{"gray16 high byte", gray16, [3]uint8{0xAB, 0xAB, 0xAB}},
		{"nrgba64 high byte, alpha dropped", nrgba64, [3]uint8{0x12, 0x56, 0x9A}},
		{"paletted with alpha keeps the entry's colour", pal, [3]uint8{4, 5, 6}},
		{"offset bounds", offset, [3]uint8{11, 12, 13}},
		{"ycbcr", ycc, [3]uint8{r, g, b}},
	} {
		got := ToRGB(tt.img)
		if got.W != 1 || got.H != 1 || [3]uint8(got.Pix) != tt.want {
			t.Errorf("%s: %dx%d %v, want %v", tt.name, got.W, got.H, got.Pix, tt.want)
		}
	}
}

// TestListAndRGBRoundTrip: List takes PNG and JPEG files of any case in byte order, skips
// other files and folders, and refuses images it cannot read; an RGB written as PNG reads back.
func TestListAndRGBRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := &RGB{W: 2, H: 1, Pix: []uint8{1, 2, 3, 250, 251, 252}}
	if err := WritePNG(filepath.Join(dir, "img.png"), m.NRGBA()); err != nil {
		t.Fatal(err)
	}
	if err := WritePNG(filepath.Join(dir, "B.PNG"), m); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(filepath.Join(dir, "a.jpg"))
	jpeg.Encode(f, image.NewGray(image.Rect(0, 0, 4, 3)), nil)
	f.Close()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub.png"), 0o755)
	paths, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	if want := []string{"B.PNG", "a.jpg", "img.png"}; !slices.Equal(names, want) {
		t.Errorf("List: %v, want %v", names, want)
	}
	for _, name := range []string{"img.png", "B.PNG"} {
		back, err := ReadRGB(filepath.Join(dir, name))
		if err != nil || back.W != 2 || back.H != 1 || !slices.Equal(back.Pix, m.Pix) {
			t.Errorf("%s read back %+v, %v", name, back, err)
		}
	}
	os.WriteFile(filepath.Join(dir, "c.gif"), nil, 0o644)
	if _, err := List(dir); err == nil {
		t.Error("a folder with a GIF was listed")
	}
	if _, err := List(t.TempDir()); err == nil {
		t.Error("an empty folder was listed")
	}
}
