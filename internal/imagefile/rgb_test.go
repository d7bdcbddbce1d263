package imagefile

import (
	"image"
	"image/color"
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

// TestRGBRoundTrip: an RGB written as PNG, directly or as NRGBA, reads back unchanged.
func TestRGBRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := &RGB{W: 2, H: 1, Pix: []uint8{1, 2, 3, 250, 251, 252}}
	for name, img := range map[string]image.Image{"rgb.png": m, "nrgba.png": m.NRGBA()} {
		path := filepath.Join(dir, name)
		if err := WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
		back, err := ReadRGB(path)
		if err != nil || back.W != 2 || back.H != 1 || !slices.Equal(back.Pix, m.Pix) {
			t.Errorf("%s read back %+v, %v", name, back, err)
		}
	}
}
