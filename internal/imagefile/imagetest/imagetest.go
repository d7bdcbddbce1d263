// Package imagetest makes hostile image files for tests: tiny files whose headers declare
// huge sizes, and a measure of how much a call allocates.
package imagetest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// HugePNG returns a PNG of a few dozen bytes whose IHDR (with a correct CRC) declares a w×h
// 8-bit RGBA image, followed by a tiny IDAT holding one compressed row of zeros.
func HugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // depth 8, RGBA, deflate, filter 0, no interlace
	writeChunk(&b, "IHDR", ihdr)
	writeChunk(&b, "IDAT", []byte{0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01})
	writeChunk(&b, "IEND", nil)
	return b.Bytes()
}

func writeChunk(b *bytes.Buffer, kind string, data []byte) {
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	b.WriteString(kind)
	b.Write(data)
	b.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
}

// HugeJPEG returns a valid 8x8 baseline JPEG (a few hundred bytes) whose frame header is
// patched to declare w×h.
func HugeJPEG(w, h uint16) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		panic(err)
	}
	out := b.Bytes()
	i := bytes.Index(out, []byte{0xff, 0xc0}) // SOF0: marker, length(2), precision(1), h, w
	binary.BigEndian.PutUint16(out[i+5:], h)
	binary.BigEndian.PutUint16(out[i+7:], w)
	return out
}

// SmallJPEG returns a valid w×h colour JPEG.
func SmallJPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// WriteFile writes b to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Allocated returns the bytes the heap allocated while f ran.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// MaxAlloc is what a refused hostile file may cost: a header read, far below any image.
const MaxAlloc = 4 << 20

// Hostile are tiny files whose headers declare images over the limits: 100000x100000 and
// 20000x20000 PNGs (40 GB and 1.6 GB as RGBA), a 60000x60000 JPEG.
func Hostile() map[string][]byte {
	return map[string][]byte{
		"huge.png":  HugePNG(100000, 100000),
		"wide.png":  HugePNG(20000, 20000),
		"huge.jpg":  HugeJPEG(60000, 60000),
		"tall.jpeg": HugeJPEG(16384, 4097),
	}
}

// CheckRefused writes each Hostile file under names ending in the given extensions (all when
// none are given), calls read on it and fails t unless read returns an error wrapping tooLarge
// that names the file and its declared size, having allocated less than MaxAlloc.
func CheckRefused(t *testing.T, tooLarge error, read func(path string) error, exts ...string) {
	t.Helper()
	dir := t.TempDir()
	for name, b := range Hostile() {
		if len(exts) > 0 && !slices.Contains(exts, filepath.Ext(name)) {
			continue
		}
		path := WriteFile(t, dir, name, b)
		var err error
		if n := Allocated(func() { err = read(path) }); n > MaxAlloc {
			t.Errorf("%s: allocated %d bytes", name, n)
		}
		if !errors.Is(err, tooLarge) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "declares") {
			t.Errorf("%s: err = %v; want one naming the file, its declared size and wrapping %v", name, err, tooLarge)
		}
	}
}
