package drn

import (
	"image"
	"image/color"
	"testing"
)

// The protocol resizes any image to 256x128, keeps one of that size as it is, and keeps a
// flat colour flat.
func TestProtocolImage(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 300, 300))
	for i := range src.Pix {
		src.Pix[i] = []uint8{200, 40, 90, 255}[i%4]
	}
	got := ProtocolImage(src)
	if b := got.Bounds(); b.Dx() != ProtocolWidth || b.Dy() != ProtocolHeight {
		t.Fatalf("resized to %v", b)
	}
	for _, p := range []image.Point{{0, 0}, {128, 64}, {255, 127}} {
		if c := color.NRGBAModel.Convert(got.At(p.X, p.Y)).(color.NRGBA); c != (color.NRGBA{200, 40, 90, 255}) {
			t.Errorf("pixel %v = %v, want the flat colour", p, c)
		}
	}
	same := image.NewNRGBA(image.Rect(0, 0, ProtocolWidth, ProtocolHeight))
	if ProtocolImage(same) != image.Image(same) {
		t.Error("an image of the protocol's size was resized")
	}
}
