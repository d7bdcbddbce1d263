package torchpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Save writes tensors as a state_dict (an OrderedDict of name -> tensor) in the zip
// format of torch.save, so that torch.load(path) gives back the same dict. The
// archive's folder is named after the file, as torch.save does.
func Save(path string, ts []Tensor) error {
	var buf bytes.Buffer
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if err := Write(&buf, name, ts); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Write writes tensors as a torch.save zip archive whose entries live under folder
// name ("archive" when name is empty or holds a slash). Only F32 (from Float32) and I64
// (from Int64) tensors are written.
func Write(w io.Writer, name string, ts []Tensor) error {
	if name == "" || strings.ContainsAny(name, "/\\") {
		name = "archive"
	}
	storages := make([][]byte, len(ts))
	for i, t := range ts {
		b, err := rawData(t)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		storages[i] = b
	}
	aw := &alignedZip{cw: &countWriter{w: w}}
	aw.zw = zip.NewWriter(aw.cw)
	if err := aw.add(name+"/data.pkl", statePickle(ts)); err != nil {
		return err
	}
	if err := aw.add(name+"/byteorder", []byte("little")); err != nil {
		return err
	}
	for i, b := range storages {
		if err := aw.add(name+"/data/"+strconv.Itoa(i), b); err != nil {
			return err
		}
	}
	if err := aw.add(name+"/version", []byte("3\n")); err != nil {
		return err
	}
	return aw.zw.Close()
}

func rawData(t Tensor) ([]byte, error) {
	n := t.Len()
	switch t.DType {
	case "F32":
		if len(t.Float32) != n {
			return nil, fmt.Errorf("shape %v needs %d values, Float32 has %d", t.Shape, n, len(t.Float32))
		}
		b := make([]byte, 4*n)
		for i, x := range t.Float32 {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		return b, nil
	case "I64":
		if len(t.Int64) != n {
			return nil, fmt.Errorf("shape %v needs %d values, Int64 has %d", t.Shape, n, len(t.Int64))
		}
		b := make([]byte, 8*n)
		for i, x := range t.Int64 {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
		}
		return b, nil
	}
	return nil, fmt.Errorf("cannot write dtype %q (only F32 and I64)", t.DType)
}

// statePickle is the protocol-2 pickle of OrderedDict{name: tensor}, tensor i
// living in storage "i".
func statePickle(ts []Tensor) []byte {
	var p pickleWriter
	p.op(opPROTO, 2)
	p.global(gOrderedDict)
	p.op(opEMPTY_TUPLE, opREDUCE)
	for i, t := range ts {
		p.str(t.Name)
		p.global(gRebuildTensorV2)
		p.op(opMARK, opMARK)
		p.str("storage")
		cls := "FloatStorage"
		if t.DType == "I64" {
			cls = "LongStorage"
		}
		p.global(pyGlobal{"torch", cls})
		p.str(strconv.Itoa(i))
		p.str("cpu")
		p.int(int64(t.Len()))
		p.op(opTUPLE, opBINPERSID)
		p.int(0)
		p.ints(t.Shape)
		p.ints(contiguousStrides(t.Shape))
		p.op(opNEWFALSE)
		p.global(gOrderedDict)
		p.op(opEMPTY_TUPLE, opREDUCE, opTUPLE, opREDUCE, opSETITEM)
	}
	p.op(opSTOP)
	return p.Bytes()
}

func contiguousStrides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

type pickleWriter struct{ bytes.Buffer }

func (p *pickleWriter) op(ops ...byte) { p.Write(ops) }

func (p *pickleWriter) global(g pyGlobal) {
	p.WriteByte(opGLOBAL)
	p.WriteString(g.module + "\n" + g.name + "\n")
}

func (p *pickleWriter) str(s string) {
	p.WriteByte(opBINUNICODE)
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
}

func (p *pickleWriter) int(x int64) {
	if x >= math.MinInt32 && x <= math.MaxInt32 {
		p.WriteByte(opBININT)
		binary.Write(p, binary.LittleEndian, int32(x))
		return
	}
	p.WriteByte(opLONG1)
	p.WriteByte(8)
	binary.Write(p, binary.LittleEndian, x)
}

func (p *pickleWriter) ints(xs []int) {
	p.WriteByte(opMARK)
	for _, x := range xs {
		p.int(int64(x))
	}
	p.WriteByte(opTUPLE)
}

// alignedZip writes stored entries whose data start on 64-byte boundaries, padding
// the local header's extra field as torch.save does (so the file can be mmapped).
type alignedZip struct {
	cw *countWriter
	zw *zip.Writer
}

func (a *alignedZip) add(name string, data []byte) error {
	if err := a.zw.Flush(); err != nil {
		return err
	}
	const headerLen, extraHead, align = 30, 4, 64
	start := a.cw.n + headerLen + int64(len(name)) + extraHead
	pad := (align - start%align) % align
	extra := make([]byte, extraHead+pad)
	binary.LittleEndian.PutUint16(extra, 0x4246) // "FB", torch's padding field id
	binary.LittleEndian.PutUint16(extra[2:], uint16(pad))
	fw, err := a.zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Store, Extra: extra, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data)),
	})
	if err != nil {
		return err
	}
	_, err = fw.Write(data)
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
