package torchpt

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pk builds test pickles opcode by opcode.
type pk struct{ pickleWriter }

func newPK() *pk {
	p := &pk{}
	p.op(opPROTO, 2)
	return p
}

func (p *pk) done() []byte {
	p.op(opSTOP)
	return p.Bytes()
}

func (p *pk) raw(b ...byte) *pk {
	p.Write(b)
	return p
}

func (p *pk) rawS(s string) *pk {
	p.WriteString(s)
	return p
}

func (p *pk) orderedDict() *pk {
	p.global(gOrderedDict)
	p.op(opEMPTY_TUPLE, opREDUCE)
	return p
}

// storageID pushes the persistent id ('storage', torch.<cls>, key, 'cpu', numel).
func (p *pk) storageID(cls, key string, numel int64) *pk {
	p.op(opMARK)
	p.str("storage")
	p.global(pyGlobal{"torch", cls})
	p.str(key)
	p.str("cpu")
	p.int(numel)
	p.op(opTUPLE)
	return p
}

// tensor pushes _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()).
func (p *pk) tensor(cls, key string, numel, offset int64, size, stride []int) *pk {
	p.global(gRebuildTensorV2)
	p.op(opMARK)
	p.storageID(cls, key, numel)
	p.op(opBINPERSID)
	p.int(offset)
	p.ints(size)
	p.ints(stride)
	p.op(opNEWFALSE)
	p.orderedDict()
	p.op(opTUPLE, opREDUCE)
	return p
}

// f32Tensor pushes a contiguous float tensor of n elements in storage key.
func (p *pk) f32Tensor(key string, n int) *pk {
	return p.tensor("FloatStorage", key, int64(n), 0, []int{n}, []int{1})
}

func f32Bytes(n int) []byte {
	b := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(i)))
	}
	return b
}

// pth wraps a pickle and storages into a torch.save zip archive (folder "m").
func pth(t testing.TB, pkl []byte, storages map[string][]byte) []byte {
	entries := map[string][]byte{"m/version": []byte("3\n")}
	if pkl != nil {
		entries["m/data.pkl"] = pkl
	}
	for k, v := range storages {
		entries["m/data/"+k] = v
	}
	return zipOf(t, entries)
}

func zipOf(t testing.TB, entries map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parseBytes(b []byte) ([]Tensor, error) { return Parse(bytes.NewReader(b), int64(len(b))) }

// nestedLists pushes depth lists, each the only item of the one above, with a
// tensor at the bottom.
func nestedLists(depth int) []byte {
	p := newPK()
	for range depth {
		p.op(opEMPTY_LIST)
	}
	p.f32Tensor("0", 2)
	for range depth {
		p.op(opAPPEND)
	}
	return p.done()
}

// repeatedTensor lists one tensor of n elements times times, by memo reference.
func repeatedTensor(n, times int) []byte {
	p := newPK()
	p.op(opEMPTY_LIST, opMARK)
	p.f32Tensor("0", n)
	p.op(opBINPUT, 1)
	for range times - 1 {
		p.op(opBINGET, 1)
	}
	p.op(opAPPENDS)
	return p.done()
}

func TestRefusals(t *testing.T) {
	four := map[string][]byte{"0": f32Bytes(4)}
	fixture, err := os.ReadFile(filepath.Join(fixturesPath(t), "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := os.ReadFile("testdata/legacy_little.pth")
	if err != nil {
		t.Fatal(err)
	}
	state := newPK().orderedDict()
	state.str("w")
	state.f32Tensor("0", 4)
	state.op(opSETITEM)
	statePkl := state.done()
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	tw.WriteHeader(&tar.Header{Name: "storages", Size: 1, Mode: 0o644})
	tw.Write([]byte{0})
	tw.Close()

	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"os.system", pth(t, newPK().rawS("cos\nsystem\n").raw(opSHORT_BINUNI, 4).rawS("echo").raw(opTUPLE1, opREDUCE).done(), nil),
			"refusing global os.system"},
		{"stack global eval", pth(t, newPK().raw(opSHORT_BINUNI, 8).rawS("builtins").raw(opSHORT_BINUNI, 4).rawS("eval").raw(opSTACK_GLOBAL).done(), nil),
			"refusing global builtins.eval"},
		{"torch global", pth(t, newPK().rawS("ctorch\nload\n").done(), nil), "refusing global torch.load"},
		{"unknown opcode", pth(t, newPK().raw(0xff).done(), nil), "refusing unknown opcode 0xff"},
		{"NEWOBJ", pth(t, newPK().orderedDict().raw(opEMPTY_TUPLE, 0x81).done(), nil), "refusing opcode NEWOBJ (0x81)"},
		{"INST", pth(t, newPK().rawS("icollections\nOrderedDict\n").done(), nil), "refusing opcode INST"},
		{"call storage class", pth(t, newPK().rawS("ctorch\nFloatStorage\n").raw(opEMPTY_TUPLE, opREDUCE).done(), nil),
			"torch.FloatStorage: refusing to call it"},
		{"call a string", pth(t, newPK().raw(opSHORT_BINUNI, 1, 'x', opEMPTY_TUPLE, opREDUCE).done(), nil), "cannot call a str"},
		{"OrderedDict with args", pth(t, newPK().rawS("ccollections\nOrderedDict\n").raw(opEMPTY_LIST, opTUPLE1, opREDUCE).done(), nil),
			"only OrderedDict() without arguments"},
		{"BUILD on a list", pth(t, newPK().raw(opEMPTY_LIST, opEMPTY_DICT, opBUILD).done(), nil), "refusing BUILD on a list"},
		{"BUILD with None", pth(t, newPK().orderedDict().raw(opNONE, opBUILD).done(), nil), "refusing BUILD of an OrderedDict with a None state"},
		{"module persistent id", pth(t, newPK().raw(opSHORT_BINUNI, 6).rawS("module").raw(opNONE, opNONE, opNONE, opNONE, opMARK).raw(opTUPLE, opBINPERSID).done(), nil),
			"refusing persistent id"},
		{"memo miss", pth(t, newPK().raw(opBINGET, 5).done(), nil), "memo key 5 not found"},
		{"empty stack", pth(t, newPK().done(), nil), "stack underflow"},
		{"truncated pickle", pth(t, statePkl[:len(statePkl)/2], four), "truncated pickle"},
		{"long LONG4", pth(t, newPK().raw(opLONG4, 0, 0, 1, 0).done(), nil), "LONG4 of 65536 bytes is too long"},
		{"tuple dict key", pth(t, newPK().raw(opEMPTY_DICT, opEMPTY_TUPLE, opNONE, opSETITEM).done(), nil), "unsupported dict key type tuple"},
		{"shape beyond storage", pth(t, newPK().tensor("FloatStorage", "0", 4, 0, []int{10}, []int{1}).done(), four),
			`reaches element 9, but storage "0" has 4 elements`},
		{"offset beyond storage", pth(t, newPK().tensor("FloatStorage", "0", 4, 3, []int{2, 2}, []int{2, 1}).done(), four),
			`reaches element 6, but storage "0" has 4 elements`},
		{"negative size", pth(t, newPK().tensor("FloatStorage", "0", 4, 0, []int{-1}, []int{1}).done(), four), "bad tensor size"},
		{"huge size", pth(t, newPK().tensor("FloatStorage", "0", 4, 0, []int{1 << 31, 1 << 31, 1 << 31}, []int{0, 0, 0}).done(), four),
			"overflows"},
		{"huge stride", pth(t, newPK().tensor("FloatStorage", "0", 4, 0, []int{3}, []int{1 << 62}).done(), four), "overflows"},
		{"stride past storage", pth(t, newPK().tensor("FloatStorage", "0", 4, 0, []int{2}, []int{1 << 40}).done(), four), "reaches element 1099511627776"},
		{"huge offset", pth(t, newPK().tensor("FloatStorage", "0", 4, math.MaxInt64, []int{2}, []int{1}).done(), four), "overflows"},
		{"huge storage", pth(t, newPK().tensor("FloatStorage", "0", 1<<61, 0, []int{4}, []int{1}).done(), four), "bad element count 2305843009213693952"},
		{"storage bytes beyond entry", pth(t, newPK().tensor("FloatStorage", "0", 1<<59, 0, []int{4}, []int{1}).done(), four), "pickle says 576460752303423488 F32 elements"},
		{"storage size", pth(t, newPK().f32Tensor("0", 4).done(), map[string][]byte{"0": f32Bytes(3)}),
			"pickle says 4 F32 elements (16 bytes), but m/data/0 has 12 bytes"},
		{"missing storage", pth(t, newPK().f32Tensor("0", 4).done(), nil), `storage "0": no entry m/data/0`},
		{"storage dtype conflict", pth(t, newPK().raw(opMARK).f32Tensor("0", 4).tensor("LongStorage", "0", 4, 0, []int{4}, []int{1}).raw(opLIST).done(), four),
			`storage "0" is declared both as 4 F32 and 4 I64`},
		{"deep nesting", pth(t, nestedLists(150), map[string][]byte{"0": f32Bytes(2)}), "nested deeper than 100"},
		{"repeated big tensor", pth(t, repeatedTensor(1000, 5000), map[string][]byte{"0": f32Bytes(1000)}), "the tensors would hold more data than the file can"},
		{"duplicate names", pth(t, newPK().raw(opEMPTY_DICT, opSHORT_BINUNI, 3).rawS("a.b").f32Tensor("0", 4).raw(opSETITEM).
			raw(opSHORT_BINUNI, 1, 'a', opEMPTY_DICT, opSHORT_BINUNI, 1, 'b').f32Tensor("0", 4).raw(opSETITEM, opSETITEM).done(), four),
			`two tensors are named "a.b"`},
		{"no data.pkl", pth(t, nil, four), "has no <name>/data.pkl"},
		{"two pickles", zipOf(t, map[string][]byte{"a/data.pkl": statePkl, "b/data.pkl": statePkl}), "two pickles"},
		{"bad byteorder", zipOf(t, map[string][]byte{"m/data.pkl": statePkl, "m/byteorder": []byte("middle"), "m/data/0": f32Bytes(4)}),
			"unknown byte order middle"},
		{"truncated zip", fixture[:len(fixture)/2], "bad zip archive"},
		{"corrupt storage", corrupt(fixture, len(fixture)/2), "checksum error"},
		{"empty file", nil, "not a PyTorch checkpoint"},
		{"text file", []byte("model.1.weight = 3\n"), "not a PyTorch checkpoint"},
		{"tar format", tarBuf.Bytes(), "tar-format checkpoint"},
		{"legacy truncated", legacy[:len(legacy)-20], "run past the end of the file"},
		{"legacy pickles truncated", legacy[:300], "truncated pickle"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, err := parseBytes(c.file)
			if err == nil {
				t.Fatalf("no error; got %d tensors", len(ts))
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func corrupt(b []byte, at int) []byte {
	c := append([]byte(nil), b...)
	c[at] ^= 0x55
	return c
}

func TestAcceptedOddities(t *testing.T) {
	four := map[string][]byte{"0": f32Bytes(4)}
	cases := []struct {
		name  string
		pkl   []byte
		names []string
	}{
		// A list holding itself and a tensor: the walk must terminate.
		{"cycle", newPK().raw(opEMPTY_LIST, opBINPUT, 0, opBINGET, 0, opAPPEND).f32Tensor("0", 4).raw(opAPPEND).done(), []string{"1"}},
		// A single saved tensor is named "".
		{"bare tensor", newPK().f32Tensor("0", 4).done(), []string{""}},
		{"no tensors", newPK().raw(opEMPTY_DICT, opSHORT_BINUNI, 1, 'e', opBININT1, 3, opSETITEM).done(), nil},
		{"frame and memoize", newPK().raw(opFRAME, 0, 0, 0, 0, 0, 0, 0, 0, opEMPTY_DICT, opMEMOIZE, opSHORT_BINUNI, 1, 'w').
			f32Tensor("0", 4).raw(opSETITEM).done(), []string{"w"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, err := parseBytes(pth(t, c.pkl, four))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, x := range ts {
				names = append(names, x.Name)
				if len(x.Float32) != 4 || x.Float32[3] != 3 {
					t.Errorf("%q = %v, want [0 1 2 3]", x.Name, x.Float32)
				}
			}
			if strings.Join(names, ",") != strings.Join(c.names, ",") || len(names) != len(c.names) {
				t.Errorf("names %q, want %q", names, c.names)
			}
		})
	}
}

func TestLoadErrorNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "evil.pth")
	pkl := newPK().rawS("cos\nsystem\n").raw(opSHORT_BINUNI, 2, 'l', 's', opTUPLE1, opREDUCE).done()
	if err := os.WriteFile(path, pth(t, pkl, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path+": m/data.pkl: pickle offset 2: refusing global os.system") {
		t.Errorf("error %v does not name the file, entry, offset and global", err)
	}
	if _, err := LoadMap(filepath.Join(t.TempDir(), "missing.pth")); err == nil {
		t.Error("LoadMap of a missing file succeeded")
	}
}

func fuzzSeeds(f *testing.F) {
	for _, p := range []string{
		filepath.Join(fixturesPath(f), "pretrained", "global_latest_net_G.pth"),
		"testdata/zip_little.pth", "testdata/zip_big.pth", "testdata/legacy_little.pth",
		"testdata/legacy_behost.pth", "testdata/legacy_view.pth", "testdata/torch_zip.pth",
		"testdata/torch_legacy.pth", "testdata/torch_param.pth", "testdata/go_written.pth",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkParsed asserts the invariants of a successful parse.
func checkParsed(t *testing.T, ts []Tensor) {
	for _, x := range ts {
		if len(x.Float32)+len(x.Int64) != x.Len() {
			t.Fatalf("%q: shape %v but %d+%d values", x.Name, x.Shape, len(x.Float32), len(x.Int64))
		}
	}
}

// FuzzParse feeds whole files to Parse. The zip checksums stop most mutations of the
// zip files early; the legacy seeds reach the unpickler directly.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := parseBytes(data)
		if err == nil {
			checkParsed(t, ts)
		}
	})
}

// memSource serves storages from memory, checked like zipSource.
type memSource map[string][]byte

func (m memSource) storage(root *storageRef) ([]byte, error) {
	b, ok := m[root.key]
	if !ok || int64(len(b)) != root.numel*int64(root.dt.size) {
		return nil, errTruncated
	}
	return b, nil
}

// FuzzPickle feeds pickles straight to the unpickler, with the storages of
// testdata/zip_little.pth available, so mutations are not stopped by zip checksums.
func FuzzPickle(f *testing.F) {
	zr, err := zip.OpenReader("testdata/zip_little.pth")
	if err != nil {
		f.Fatal(err)
	}
	defer zr.Close()
	src := memSource{}
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(rc)
		rc.Close()
		if key, ok := strings.CutPrefix(e.Name, "zip_little/data/"); ok {
			src[key] = buf.Bytes()
		} else if strings.HasSuffix(e.Name, "data.pkl") {
			f.Add(buf.Bytes())
		}
	}
	f.Add(nestedLists(5))
	f.Add(repeatedTensor(4, 3))
	f.Add(newPK().raw(opEMPTY_LIST, opBINPUT, 0, opBINGET, 0, opAPPEND).f32Tensor("0", 4).raw(opAPPEND).done())
	f.Fuzz(func(t *testing.T, data []byte) {
		l := newLoader(int64(len(data)) + 4096)
		obj, err := l.unpickle(data)
		if err != nil {
			return
		}
		if ts, err := l.collect(obj, src); err == nil {
			checkParsed(t, ts)
		}
	})
}
