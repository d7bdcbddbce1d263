package torchpt

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxDeflateRatio is the most a deflate stream can expand; a compressed entry that
// claims more is corrupt. (torch.save itself stores entries uncompressed.)
const maxDeflateRatio = 1032

// zipSource reads storages from <prefix>/data/<key> entries.
type zipSource struct {
	files  map[string]*zip.File
	prefix string
	size   int64
}

// parseZip reads the zip format of torch.save (PyTorch >= 1.6): <prefix>/data.pkl,
// <prefix>/data/<key> raw storages, <prefix>/version and maybe <prefix>/byteorder.
func parseZip(r io.ReaderAt, size int64) ([]Tensor, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("bad zip archive: %w", err)
	}
	src := &zipSource{files: map[string]*zip.File{}, size: size}
	for _, f := range zr.File {
		src.files[f.Name] = f
	}
	pkl, err := src.findPickle()
	if err != nil {
		return nil, err
	}
	l := newLoader(size)
	if l.bigEndian, err = src.byteOrder(); err != nil {
		return nil, err
	}
	data, err := src.read(pkl, int64(pkl.UncompressedSize64))
	if err != nil {
		return nil, err
	}
	obj, err := l.unpickle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	return l.collect(obj, src)
}

// unpickle runs a whole in-memory pickle that may refer to storages.
func (l *loader) unpickle(data []byte) (any, error) {
	u := newUnpickler(bufio.NewReader(bytes.NewReader(data)), int64(len(data)))
	u.persistentLoad, u.reduce = l.persistentLoad, l.reduce
	return u.load()
}

// findPickle locates the single <prefix>/data.pkl of the archive.
func (s *zipSource) findPickle() (*zip.File, error) {
	var found *zip.File
	for name, f := range s.files {
		dir, ok := strings.CutSuffix(name, "/data.pkl")
		if !ok || dir == "" || strings.Contains(dir, "/") {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("zip archive has two pickles: %s and %s", found.Name, name)
		}
		found = f
		s.prefix = dir + "/"
	}
	if found == nil {
		return nil, errors.New("zip archive has no <name>/data.pkl: not a torch.save checkpoint")
	}
	return found, nil
}

func (s *zipSource) byteOrder() (big bool, err error) {
	f, ok := s.files[s.prefix+"byteorder"]
	if !ok {
		return false, nil
	}
	if f.UncompressedSize64 > 16 {
		return false, fmt.Errorf("%s: bad byte order record", f.Name)
	}
	b, err := s.read(f, int64(f.UncompressedSize64))
	if err != nil {
		return false, err
	}
	switch string(b) {
	case "little":
		return false, nil
	case "big":
		return true, nil
	}
	return false, fmt.Errorf("%s: unknown byte order %s", f.Name, printable(string(b)))
}

// storage reads and size-checks the entry of a root storage.
func (s *zipSource) storage(root *storageRef) ([]byte, error) {
	name := s.prefix + "data/" + root.key
	f, ok := s.files[name]
	if !ok {
		return nil, fmt.Errorf("storage %q: no entry %s in the archive", root.key, name)
	}
	want := root.numel * int64(root.dt.size)
	if f.UncompressedSize64 != uint64(want) {
		return nil, fmt.Errorf("storage %q: pickle says %d %s elements (%d bytes), but %s has %d bytes",
			root.key, root.numel, root.dt.name, want, name, f.UncompressedSize64)
	}
	return s.read(f, want)
}

// read returns the n bytes of entry f, refusing sizes the archive cannot hold.
func (s *zipSource) read(f *zip.File, n int64) ([]byte, error) {
	if f.UncompressedSize64 > 1<<62 || n < 0 {
		return nil, fmt.Errorf("%s: entry sizes do not fit the archive", f.Name)
	}
	switch f.Method {
	case zip.Store:
		if f.CompressedSize64 != f.UncompressedSize64 || f.CompressedSize64 > uint64(s.size) {
			return nil, fmt.Errorf("%s: entry sizes do not fit the archive", f.Name)
		}
	case zip.Deflate:
		if f.CompressedSize64 > uint64(s.size) || f.UncompressedSize64/maxDeflateRatio > f.CompressedSize64 {
			return nil, fmt.Errorf("%s: entry sizes do not fit the archive", f.Name)
		}
	default:
		return nil, fmt.Errorf("%s: unsupported zip compression method %d", f.Name, f.Method)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if f.Method == zip.Store {
		buf.Grow(int(n))
	}
	if _, err := io.Copy(&buf, io.LimitReader(rc, n+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if int64(buf.Len()) != n {
		return nil, fmt.Errorf("%s: has %d bytes, want %d", f.Name, buf.Len(), n)
	}
	return buf.Bytes(), nil
}
