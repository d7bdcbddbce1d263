package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// patternRGB is a deterministic noise-like image; the Pillow reference values below were made
// from the same pattern with Pillow 9.4 (Image.resize with BICUBIC, and NEAREST on channel 0).
func patternRGB(w, h int) *rgb {
	m := newRGB(w, h)
	for i := range m.Pix {
		m.Pix[i] = uint8((i*i*7 + i*13 + 5) % 256)
	}
	return m
}

func shortHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])[:16]
}

func TestResizeMatchesPillow(t *testing.T) {
	cases := []struct {
		w, h, ow, oh     int
		bicubic, nearest string
	}{
		{64, 64, 64, 64, "54c2dc36d353f411", "4b778553cdb86b30"},
		{286, 286, 256, 256, "2dbd94fac9747d14", "20e3f30629b654f1"},
		{256, 256, 286, 286, "452c8bea603b108a", "40665fa51b9981a7"},
		{100, 60, 64, 64, "cfff1f396ef7b0e8", "b515fbd075489a76"},
		{7, 5, 20, 13, "a7d70b6e9aca7f23", "a71ef09cff018355"},
		{300, 200, 256, 256, "8c8ae14e6630e82a", "f5ed1b6d96330b2e"},
		{64, 64, 32, 48, "51e5e3ad5a32fc2c", "49696d36486029ac"},
		{33, 257, 256, 256, "332443288135984f", "03dc0245c0304741"},
		{1, 1, 16, 16, "c69741a54e989375", "d85944090257d11d"},
		{512, 512, 256, 256, "5b1f100c67280b1d", "868603b15123cad6"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dx%d-%dx%d", c.w, c.h, c.ow, c.oh), func(t *testing.T) {
			m := patternRGB(c.w, c.h)
			if got := shortHash(resizeBicubic(m, c.ow, c.oh).Pix); got != c.bicubic {
				t.Errorf("bicubic hash %s, Pillow %s", got, c.bicubic)
			}
			ch0 := make([]uint8, c.w*c.h)
			for i := range ch0 {
				ch0[i] = m.Pix[3*i]
			}
			if got := shortHash(resizeNearest(ch0, c.w, c.h, c.ow, c.oh)); got != c.nearest {
				t.Errorf("nearest hash %s, Pillow %s", got, c.nearest)
			}
		})
	}
}
