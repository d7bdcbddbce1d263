package torchpt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// The legacy format (torch.save before PyTorch 1.6, or with
// _use_new_zipfile_serialization=False) is a sequence of pickles followed by raw
// storages: magic number, protocol version 1001, sys_info dict, the object, the list
// of storage keys; then, for each key in that order, an int64 element count and the
// storage's bytes. PyTorch writes those counts and bytes little-endian on every host
// (sys_info's little_endian only records the host), and reads them the same way.

var legacyMagicNumber, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

const legacyProtocol = 1001

// legacyStream reads the consecutive pickles of a legacy file.
type legacyStream struct {
	br   *bufio.Reader
	pos  int64
	size int64
}

func (s *legacyStream) next(what string, l *loader) (any, error) {
	u := newUnpickler(s.br, s.size-s.pos)
	if l != nil {
		u.persistentLoad, u.reduce = l.persistentLoad, l.reduce
	}
	v, err := u.load()
	start := s.pos
	s.pos += u.pos
	if err != nil {
		return nil, fmt.Errorf("%s pickle at byte %d: %w", what, start, err)
	}
	return v, nil
}

func parseLegacy(r io.ReaderAt, size int64) ([]Tensor, error) {
	s := &legacyStream{br: bufio.NewReader(io.NewSectionReader(r, 0, size)), size: size}
	l := newLoader(size)
	if err := s.header(); err != nil {
		return nil, err
	}
	obj, err := s.next("object", l)
	if err != nil {
		return nil, err
	}
	keysObj, err := s.next("storage keys", nil)
	if err != nil {
		return nil, err
	}
	src, err := s.locateStorages(r, l, keysObj)
	if err != nil {
		return nil, err
	}
	return l.collect(obj, src)
}

// header checks the magic number, the protocol and sys_info.
func (s *legacyStream) header() error {
	magic, err := s.next("magic number", nil)
	if err != nil {
		return err
	}
	if m, ok := magic.(*big.Int); !ok || m.Cmp(legacyMagicNumber) != 0 {
		return errors.New("bad magic number: not a torch.save file")
	}
	proto, err := s.next("protocol version", nil)
	if err != nil {
		return err
	}
	if proto != any(int64(legacyProtocol)) {
		return fmt.Errorf("unsupported legacy protocol version %s", describe(proto))
	}
	info, err := s.next("sys_info", nil)
	if err != nil {
		return err
	}
	if _, ok := info.(*pyDict); !ok {
		return fmt.Errorf("sys_info is a %s, not a dict", typeName(info))
	}
	return nil
}

// legacySource reads storages at the offsets found after the pickles.
type legacySource struct {
	r       io.ReaderAt
	offsets map[string]int64
}

// locateStorages walks the storage records that follow the pickles, in key order,
// and checks each one's element count against the pickle.
func (s *legacyStream) locateStorages(r io.ReaderAt, l *loader, keysObj any) (*legacySource, error) {
	keys, ok := keysObj.(*pyList)
	if !ok {
		return nil, fmt.Errorf("storage key list is a %s", typeName(keysObj))
	}
	src := &legacySource{r: r, offsets: map[string]int64{}}
	pos := s.pos
	for _, k := range keys.items {
		key, ok := asString(k)
		if !ok {
			return nil, fmt.Errorf("storage key is a %s", typeName(k))
		}
		root, ok := l.roots[key]
		if !ok {
			return nil, fmt.Errorf("storage %q has data but is not used by the pickle", key)
		}
		if _, dup := src.offsets[key]; dup {
			return nil, fmt.Errorf("storage %q is listed twice", key)
		}
		var head [8]byte
		if pos > s.size-8 {
			return nil, fmt.Errorf("storage %q: file ends at byte %d before its header", key, s.size)
		}
		if _, err := r.ReadAt(head[:], pos); err != nil {
			return nil, fmt.Errorf("storage %q: %w", key, err)
		}
		n := int64(binary.LittleEndian.Uint64(head[:]))
		if n != root.numel {
			return nil, fmt.Errorf("storage %q: pickle says %d elements, data header says %d", key, root.numel, n)
		}
		nbytes := n * int64(root.dt.size)
		if nbytes > s.size-pos-8 {
			return nil, fmt.Errorf("storage %q: %d bytes at byte %d run past the end of the file (%d bytes)", key, nbytes, pos+8, s.size)
		}
		src.offsets[key] = pos + 8
		pos += 8 + nbytes
	}
	return src, nil
}

func (s *legacySource) storage(root *storageRef) ([]byte, error) {
	off, ok := s.offsets[root.key]
	if !ok {
		return nil, fmt.Errorf("storage %q has no data in the file", root.key)
	}
	b := make([]byte, root.numel*int64(root.dt.size))
	if _, err := s.r.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("storage %q: %w", root.key, err)
	}
	return b, nil
}
