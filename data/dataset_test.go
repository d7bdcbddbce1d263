package data

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/config"
)

// writeTestImage writes img under dir/rel as PNG, or JPEG for a .jpg name.
func writeTestImage(t *testing.T, dir, rel string, img image.Image) {
	t.Helper()
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var err error
	if strings.HasSuffix(rel, ".jpg") {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// noiseImage is a w x h RGB image with seeded random pixels.
func noiseImage(seed uint64, w, h int) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 0))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(r.Uint32())
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	return m
}

// smallFolder makes a valid CycleGAN-layout dataset: 3 A and 2 B training images (one JPEG,
// one odd-sized, one gray), 2 test images each.
func smallFolder(t *testing.T) string {
	dir := t.TempDir()
	gray := image.NewGray(image.Rect(0, 0, 40, 40))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 7)
	}
	writeTestImage(t, dir, "trainA/a0.png", noiseImage(1, 40, 40))
	writeTestImage(t, dir, "trainA/a1.jpg", noiseImage(2, 40, 40))
	writeTestImage(t, dir, "trainA/a2.png", noiseImage(3, 37, 23))
	writeTestImage(t, dir, "trainB/b0.png", gray)
	writeTestImage(t, dir, "trainB/b1.png", noiseImage(4, 50, 50))
	writeTestImage(t, dir, "testA/t1.png", noiseImage(5, 40, 40))
	writeTestImage(t, dir, "testA/t0.png", noiseImage(6, 40, 40))
	writeTestImage(t, dir, "testB/u0.png", noiseImage(7, 40, 40))
	writeTestImage(t, dir, "testB/u1.png", noiseImage(8, 40, 40))
	os.WriteFile(filepath.Join(dir, "trainA", "notes.txt"), []byte("not an image"), 0o644)
	writeTestImage(t, dir, "trainA/.hidden/x.png", noiseImage(9, 8, 8))
	return dir
}

func folderCfg(root string) config.Run {
	cfg := config.Default()
	cfg.Dataset = root
	cfg.LoadSize, cfg.CropSize = 36, 32
	cfg.Epochs, cfg.EpochsDecay = 2, 2
	return cfg
}

func openFolder(t *testing.T, cfg config.Run) *Dataset {
	t.Helper()
	root, err := Prepare(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Open(cfg, root)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFolderDataset(t *testing.T) {
	cfg := folderCfg(smallFolder(t))
	d := openFolder(t, cfg)
	if d.Len() != 3 {
		t.Errorf("Len %d, want max(3, 2) = 3", d.Len())
	}
	if d.HasGroundTruth() {
		t.Error("a folder dataset has no ground truth")
	}
	if got := filepath.Base(d.RealTestBDir()); got != "testB" {
		t.Errorf("RealTestBDir %s", d.RealTestBDir())
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 6 {
		a, b, err := d.TrainPair(i, 1, rng)
		if err != nil {
			t.Fatal(err)
		}
		for _, img := range []Image{a, b} {
			if img.C != 3 || img.H != 32 || img.W != 32 || len(img.Pix) != 3*32*32 {
				t.Fatalf("train image %dx%dx%d", img.C, img.H, img.W)
			}
			if lo, hi := slices.Min(img.Pix), slices.Max(img.Pix); lo < -1 || hi > 1 {
				t.Fatalf("values in [%g, %g]", lo, hi)
			}
		}
	}
	samples, err := d.Test()
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 2 || samples[0].Name != "t0" || samples[1].Name != "t1" {
		t.Errorf("test samples %v", sampleNames(samples))
	}
}

func sampleNames(s []Sample) []string {
	var n []string
	for _, x := range s {
		n = append(n, x.Name)
	}
	return n
}

// The transform is the reference's: bicubic resize to load size, crop at (top, left) drawn in
// that order, flip; with no_flip and serial_batches every draw is visible.
func TestTrainTransformMatchesReference(t *testing.T) {
	root := smallFolder(t)
	cfg := folderCfg(root)
	cfg.NoFlip, cfg.SerialData = true, true
	d := openFolder(t, cfg)
	rng := rand.New(rand.NewPCG(3, 4))
	ref := rand.New(rand.NewPCG(3, 4))
	for i := range 4 {
		a, b, err := d.TrainPair(i, 1, rng)
		if err != nil {
			t.Fatal(err)
		}
		for k, got := range []Image{a, b} {
			file := []string{"trainA/a0.png", "trainA/a1.jpg", "trainA/a2.png"}[i%3]
			if k == 1 {
				file = []string{"trainB/b0.png", "trainB/b1.png"}[i%2]
			}
			src, err := readRGB(filepath.Join(root, file))
			if err != nil {
				t.Fatal(err)
			}
			top, left := intn(ref, 5), intn(ref, 5)
			want := resizeBicubic(src, 36, 36).crop(left, top, 32, 32).tensor()
			if !slices.Equal(got.Pix, want.Pix) {
				t.Errorf("pair %d image %d (%s) differs from resize+crop(%d,%d)", i, k, file, top, left)
			}
		}
	}
}

// After n_epochs the load size becomes the crop size: no crop draws, the whole image resized.
func TestLoadSizeSwitchOff(t *testing.T) {
	root := smallFolder(t)
	cfg := folderCfg(root)
	cfg.NoFlip, cfg.SerialData = true, true
	d := openFolder(t, cfg)
	rng := rand.New(rand.NewPCG(5, 6))
	a, _, err := d.TrainPair(0, cfg.Epochs+1, rng)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := readRGB(filepath.Join(root, "trainA/a0.png"))
	if want := resizeBicubic(src, 32, 32).tensor(); !slices.Equal(a.Pix, want.Pix) {
		t.Error("epoch n_epochs+1 image is not the plain resize to crop size")
	}
	if rng.Uint64() != rand.New(rand.NewPCG(5, 6)).Uint64() {
		t.Error("the switched-off transform drew random numbers")
	}
}

func TestFlipAndRandomB(t *testing.T) {
	cfg := folderCfg(smallFolder(t))
	cfg.LoadSize = 32 // no crop: only flips and B draws are random
	d := openFolder(t, cfg)
	rng := rand.New(rand.NewPCG(7, 8))
	plain, err := d.a.get(0)
	if err != nil {
		t.Fatal(err)
	}
	unflipped := resizeBicubic(plain, 32, 32)
	flips := 0
	for range 40 {
		a, _, err := d.TrainPair(0, 1, rng)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case slices.Equal(a.Pix, unflipped.tensor().Pix):
		case slices.Equal(a.Pix, unflipped.flip().tensor().Pix):
			flips++
		default:
			t.Fatal("image is neither the resize nor its mirror")
		}
	}
	if flips == 0 || flips == 40 {
		t.Errorf("%d of 40 images flipped", flips)
	}
	// The same seed gives the same pairs.
	r1, r2 := rand.New(rand.NewPCG(9, 9)), rand.New(rand.NewPCG(9, 9))
	for i := range 5 {
		a1, b1, _ := d.TrainPair(i, 1, r1)
		a2, b2, _ := d.TrainPair(i, 1, r2)
		if !slices.Equal(a1.Pix, a2.Pix) || !slices.Equal(b1.Pix, b2.Pix) {
			t.Fatalf("pair %d differs under the same seed", i)
		}
	}
}

func TestOrder(t *testing.T) {
	cfg := folderCfg(smallFolder(t))
	d := openFolder(t, cfg)
	o := d.Order(1, rand.New(rand.NewPCG(1, 1)))
	sorted := slices.Sorted(slices.Values(o))
	if !slices.Equal(sorted, []int{0, 1, 2}) {
		t.Errorf("order %v is not a permutation of 0..2", o)
	}
	seen := map[string]bool{}
	rng := rand.New(rand.NewPCG(2, 2))
	for range 30 {
		seen[fmtInts(d.Order(1, rng))] = true
	}
	if len(seen) < 4 {
		t.Errorf("30 shuffles gave only %d orders", len(seen))
	}
	cfg.SerialData = true
	if o := openFolder(t, cfg).Order(1, rng); !slices.Equal(o, []int{0, 1, 2}) {
		t.Errorf("serial order %v", o)
	}
}

func fmtInts(v []int) string {
	var b strings.Builder
	for _, x := range v {
		b.WriteByte(byte('0' + x))
	}
	return b.String()
}

func TestDirectionSwapsDomains(t *testing.T) {
	cfg := folderCfg(smallFolder(t))
	cfg.Direction = "BtoA"
	d := openFolder(t, cfg)
	if d.Len() != 3 || len(d.a.files) != 2 {
		t.Errorf("BtoA: A has %d images, want the 2 of trainB", len(d.a.files))
	}
	samples, _ := d.Test()
	if len(samples) != 2 || samples[0].Name != "u0" {
		t.Errorf("BtoA test inputs %v, want u0, u1", sampleNames(samples))
	}
	if filepath.Base(d.RealTestBDir()) != "testA" {
		t.Errorf("BtoA RealTestBDir %s", d.RealTestBDir())
	}
	real, err := d.RealTestB()
	if err != nil || len(real) != 2 || real[1].Name != "t1" || real[1].A.W != 32 {
		t.Errorf("BtoA RealTestB %v %v", sampleNames(real), err)
	}
}

func TestTestSizeLimitsFolderTests(t *testing.T) {
	cfg := folderCfg(smallFolder(t))
	cfg.TestSize = 1
	samples, err := openFolder(t, cfg).Test()
	if err != nil || len(samples) != 1 || samples[0].Name != "t0" {
		t.Errorf("test_size 1: %v %v", sampleNames(samples), err)
	}
}

// Each bad input gets an error naming the file or folder at Prepare or Open time.
func TestBadFolders(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(t *testing.T, dir string)
		want  []string
	}{
		{"missing folder", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, "trainB")) }, []string{"trainB"}},
		{"missing test folders", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "testA"))
			os.RemoveAll(filepath.Join(dir, "testB"))
		}, []string{"testA or valA", "testB or valB"}},
		{"empty folder", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "testB"))
			os.MkdirAll(filepath.Join(dir, "testB"), 0o755)
		}, []string{"testB", "no PNG or JPEG"}},
		{"corrupt png", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "trainA", "bad.png"), []byte("\x89PNG\r\n\x1a\nrubbish"), 0o644)
		}, []string{"bad.png"}},
		{"truncated png", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "trainB", "b1.png"))
			os.WriteFile(filepath.Join(dir, "trainB", "b1.png"), b[:len(b)/2], 0o644)
		}, []string{"b1.png"}},
		{"text named jpg", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "testA", "t2.jpg"), []byte("hello"), 0o644)
		}, []string{"t2.jpg", "not a PNG or JPEG"}},
		{"unreadable (dangling link)", func(t *testing.T, dir string) {
			os.Symlink(filepath.Join(dir, "gone.png"), filepath.Join(dir, "testA", "t3.png"))
		}, []string{"t3.png"}},
		{"bmp", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "trainA", "old.bmp"), []byte("BM"), 0o644)
		}, []string{"old.bmp", "convert to PNG or JPEG"}},
		{"duplicate test names", func(t *testing.T, dir string) {
			writeTestImage(t, dir, "testA/t0.jpg", noiseImage(11, 10, 10))
		}, []string{"t0.jpg", "t0.png", "same name"}},
		{"not a folder", func(t *testing.T, dir string) {
			os.RemoveAll(dir)
			os.WriteFile(dir, []byte("x"), 0o644)
		}, []string{"not a folder"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := smallFolder(t)
			c.spoil(t, dir)
			cfg := folderCfg(dir)
			root, err := Prepare(cfg, "")
			if err == nil {
				_, err = Open(cfg, root)
			}
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestConversions(t *testing.T) {
	dir := t.TempDir()
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix = []uint8{10, 200}
	gray16 := image.NewGray16(image.Rect(0, 0, 1, 1))
	gray16.SetGray16(0, 0, color.Gray16{Y: 0xABCD})
	alpha := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	alpha.Pix = []uint8{100, 150, 200, 7} // PIL's convert('RGB') drops alpha
	pal := image.NewPaletted(image.Rect(0, 0, 1, 1), color.Palette{color.RGBA{1, 2, 3, 255}, color.RGBA{40, 50, 60, 255}})
	pal.Pix[0] = 1
	cases := []struct {
		name string
		img  image.Image
		want []uint8
	}{
		{"gray.png", gray, []uint8{10, 10, 10, 200, 200, 200}},
		{"gray16.png", gray16, []uint8{0xAB, 0xAB, 0xAB}},
		{"alpha.png", alpha, []uint8{100, 150, 200}},
		{"palette.png", pal, []uint8{40, 50, 60}},
	}
	for _, c := range cases {
		writeTestImage(t, dir, c.name, c.img)
		m, err := readRGB(filepath.Join(dir, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.Pix, c.want) {
			t.Errorf("%s: RGB %v, want %v", c.name, m.Pix, c.want)
		}
	}
}

func TestReadWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := noiseImage(3, 5, 4)
	writeTestImage(t, dir, "x.png", src)
	img, err := ReadImage(filepath.Join(dir, "x.png"))
	if err != nil {
		t.Fatal(err)
	}
	if img.C != 3 || img.H != 4 || img.W != 5 {
		t.Fatalf("shape %dx%dx%d", img.C, img.H, img.W)
	}
	if err := WritePNG(filepath.Join(dir, "y.png"), img); err != nil {
		t.Fatal(err)
	}
	a, _ := readRGB(filepath.Join(dir, "x.png"))
	b, _ := readRGB(filepath.Join(dir, "y.png"))
	// (v/255-0.5)/0.5 then ((x+1)/2)*255 truncated in float32 loses at most one level.
	for i := range a.Pix {
		if d := int(a.Pix[i]) - int(b.Pix[i]); d < 0 || d > 1 {
			t.Fatalf("value %d came back as %d", a.Pix[i], b.Pix[i])
		}
	}
}

func TestQuantizeTruncates(t *testing.T) {
	cases := []struct {
		x    float32
		want uint8
	}{{-2, 0}, {-1, 0}, {0, 127}, {1, 255}, {3, 255}, {0.999, 254}, {-0.9999, 0},
		{float32(math.NaN()), 0}, {float32(math.Inf(1)), 255}}
	for _, c := range cases {
		m, err := quantize(Image{C: 1, H: 1, W: 1, Pix: []float32{c.x}})
		if err != nil {
			t.Fatal(err)
		}
		if m.Pix[0] != c.want || m.Pix[2] != c.want {
			t.Errorf("quantize(%g) = %d, want %d", c.x, m.Pix[0], c.want)
		}
	}
	if _, err := quantize(Image{C: 3, H: 2, W: 2, Pix: make([]float32, 5)}); err == nil {
		t.Error("a short Pix was accepted")
	}
}

func TestFromTensorInvertsTensor(t *testing.T) {
	m := newRGB(256, 1)
	for i := range m.Pix {
		m.Pix[i] = uint8(i / 3)
	}
	if back := fromTensor(m.tensor()); !slices.Equal(back.Pix, m.Pix) {
		t.Error("fromTensor(tensor(m)) != m")
	}
}
