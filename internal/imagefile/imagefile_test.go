package imagefile

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"sweep/internal/imagefile/imagetest"
)

func smallPNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 5, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadRefusesHugeHeaders: tiny files declaring huge images fail fast, naming the file, the
// declared size and the limit, without allocating the image.
func TestReadRefusesHugeHeaders(t *testing.T) {
	imagetest.CheckRefused(t, ErrTooLarge, func(path string) error {
		_, _, err := Read(path)
		if err != nil && !strings.Contains(err.Error(), "the limit is 16384 pixels a side and 64 megapixels") {
			t.Errorf("error %q does not state the limit", err)
		}
		return err
	})
}

// TestCheckSize: the limits' edges.
func TestCheckSize(t *testing.T) {
	for _, c := range []struct {
		w, h int
		ok   bool
	}{{1, 1, true}, {16384, 4096, true}, {8192, 8192, true}, {16384, 4097, false},
		{16385, 1, false}, {1, 16385, false}, {0, 5, false}, {5, -1, false}, {1 << 31, 1 << 31, false}} {
		err := CheckSize("f.png", "png", c.w, c.h)
		if (err == nil) != c.ok {
			t.Errorf("%dx%d: err = %v; want ok=%v", c.w, c.h, err, c.ok)
		}
	}
	if err := CheckSize("f.png", "png", 100000, 100000); err == nil ||
		err.Error() != "f.png: image too large: its header declares 100000x100000 pixels; the limit is 16384 pixels a side and 64 megapixels" {
		t.Errorf("error text: %v", err)
	}
}

// TestDecodeValid: small PNG and JPEG images decode; other bytes name the file.
func TestDecodeValid(t *testing.T) {
	for _, c := range []struct {
		b      []byte
		format string
		w, h   int
	}{{smallPNG(t), "png", 5, 3}, {imagetest.SmallJPEG(7, 4), "jpeg", 7, 4}} {
		img, format, err := Decode(bytes.NewReader(c.b), "x")
		if err != nil || format != c.format || img.Bounds().Dx() != c.w || img.Bounds().Dy() != c.h {
			t.Errorf("%s: %v %q %v", c.format, img.Bounds(), format, err)
		}
	}
	_, _, err := Decode(strings.NewReader("BM not an image"), "x.bmp")
	if !errors.Is(err, image.ErrFormat) || !strings.Contains(err.Error(), "x.bmp: not a PNG or JPEG image") {
		t.Errorf("bmp: %v", err)
	}
	if _, _, err := Decode(bytes.NewReader(smallPNG(t)[:40]), "cut.png"); err == nil || !strings.HasPrefix(err.Error(), "cut.png: ") {
		t.Errorf("truncated: %v", err)
	}
}

// FuzzDecode: any bytes either decode to an image within the limits or fail; never a panic,
// never more memory than the declared (limited) size accounts for. go test runs the seeds.
func FuzzDecode(f *testing.F) {
	f.Add(smallPNG(f))
	f.Add(imagetest.SmallJPEG(9, 6))
	f.Add(imagetest.HugePNG(100000, 100000))
	f.Add(imagetest.HugePNG(3, 2))
	f.Add(imagetest.HugeJPEG(60000, 60000))
	f.Fuzz(func(t *testing.T, b []byte) {
		var img image.Image
		var err error
		n := imagetest.Allocated(func() { img, _, err = Decode(bytes.NewReader(b), "fuzz") })
		budget := uint64(imagetest.MaxAlloc)
		if cfg, _, cerr := image.DecodeConfig(bytes.NewReader(b)); cerr == nil && CheckSize("", "", cfg.Width, cfg.Height) == nil {
			budget += 40 * uint64(cfg.Width) * uint64(cfg.Height) // image, rows, JPEG coefficients
		}
		if n > budget {
			t.Fatalf("allocated %d bytes; budget %d", n, budget)
		}
		if err != nil {
			return
		}
		if b := img.Bounds(); CheckSize("", "", b.Dx(), b.Dy()) != nil {
			t.Fatalf("decoded %v beyond the limits", b)
		}
	})
}
