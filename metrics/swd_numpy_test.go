package metrics

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sweep/internal/imagefile"
)

// numpyPython returns a python3 that imports NumPy: python3 on PATH, else /usr/bin/python3
// (where Debian's python3-numpy installs, e.g. under pyenv). Without one the test is skipped,
// or fails when SWEEP_REQUIRE_NUMPY=1.
func numpyPython(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		out, err := exec.Command(py, "-c", "import numpy").CombinedOutput()
		if err == nil {
			return py
		}
		tried = append(tried, strings.TrimSpace(fmt.Sprintf("%s: %v %s", py, err, out)))
	}
	msg := "NumPy is not importable (install python3-numpy, e.g. make deps): " + strings.Join(tried, "; ")
	if os.Getenv("SWEEP_REQUIRE_NUMPY") == "1" {
		t.Fatal(msg + " (SWEEP_REQUIRE_NUMPY=1)")
	}
	t.Skip(msg)
	return ""
}

// writeNPY writes a little-endian C-order .npy file (format 1.0); descr is its dtype, e.g.
// "<f8", and data the values (uint8, int64 or float64).
func writeNPY(t *testing.T, path, descr string, shape []int, data any) {
	t.Helper()
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	header += strings.Repeat(" ", 63-(10+len(header))%64) + "\n" // pad to a multiple of 64
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("\x93NUMPY\x01\x00")
	binary.Write(f, binary.LittleEndian, uint16(len(header)))
	f.WriteString(header)
	if err := binary.Write(f, binary.LittleEndian, data); err != nil {
		t.Fatal(err)
	}
}

// numpySWD is the output of testdata/swd_numpy.py.
type numpySWD struct {
	Levels  []float64   `json:"levels"`
	Repeats [][]float64 `json:"repeats"`
	Avg     float64     `json:"avg"`
}

// exportSWDDraws writes to dir what testdata/swd_numpy.py reads: the images of both folders
// and the seeded draws SWD uses with opt, the centres of the descriptors kept at each level
// (image i's first k_i, k_i from the accumulator's spread) and every repeat's directions.
func exportSWDDraws(t *testing.T, dir, realDir, fakeDir string, opt SWDOptions) {
	t.Helper()
	s := NewSWDSampler(opt.Seed)
	accs := map[SetKind]*SWDAccumulator{}
	for set, folder := range map[SetKind]string{SetReal: realDir, SetFake: fakeDir} {
		acc := NewSWDAccumulator(set, opt)
		paths, err := imagefile.List(folder)
		if err != nil {
			t.Fatal(err)
		}
		var pix []uint8
		for _, p := range paths {
			img, err := imagefile.ReadRGB(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := acc.Add(img); err != nil {
				t.Fatal(err)
			}
			pix = append(pix, img.Pix...)
		}
		writeNPY(t, filepath.Join(dir, "images_"+set.String()+".npy"), "|u1", []int{len(paths), acc.h, acc.w, 3}, pix)
		accs[set] = acc
	}
	opt = accs[SetFake].opt
	total := min(accs[SetReal].images, accs[SetFake].images) * opt.NhoodsPerImage
	for set, acc := range accs {
		for l, shape := range acc.shapes {
			var c []int64
			for i, k := range acc.counts(l, total) {
				xs, ys, _ := s.Centers(set, l, i, k, shape[1], shape[0])
				for j := range xs {
					c = append(c, int64(i), int64(xs[j]), int64(ys[j]))
				}
			}
			writeNPY(t, filepath.Join(dir, fmt.Sprintf("centres_%s_l%d.npy", set, l)), "<i8", []int{len(c) / 3, 3}, c)
		}
	}
	for l := range accs[SetFake].shapes {
		var d []float64
		for r := 0; r < opt.DirRepeats; r++ {
			v, _ := s.Directions(l, r, descDim, opt.DirsPerRepeat)
			d = append(d, v...)
		}
		writeNPY(t, filepath.Join(dir, fmt.Sprintf("dirs_l%d.npy", l)), "<f8", []int{opt.DirRepeats, descDim, opt.DirsPerRepeat}, d)
	}
	meta, _ := json.Marshal(map[string]int{"levels": len(accs[SetFake].shapes), "repeats": opt.DirRepeats, "dirs": opt.DirsPerRepeat})
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), meta, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runNumPySWD runs testdata/swd_numpy.py on an exported folder.
func runNumPySWD(t *testing.T, py, dir string) numpySWD {
	t.Helper()
	cmd := exec.Command(py, filepath.Join("testdata", "swd_numpy.py"), dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("swd_numpy.py: %v", err)
	}
	var r numpySWD
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("swd_numpy.py output %q: %v", out, err)
	}
	return r
}

// maxRelSWD is the largest relative difference between a Go result and a NumPy one, over
// repeats, levels and the average; +Inf when their shapes differ.
func maxRelSWD(got *SWDResult, want numpySWD) float64 {
	if len(got.Levels) != len(want.Levels) || len(got.Repeats) != len(want.Repeats) {
		return math.Inf(1)
	}
	worst := relErr(got.Avg, want.Avg)
	for l, v := range got.Levels {
		worst = max(worst, relErr(v, want.Levels[l]))
		if len(got.Repeats[l]) != len(want.Repeats[l]) {
			return math.Inf(1)
		}
		for r, v := range got.Repeats[l] {
			worst = max(worst, relErr(v, want.Repeats[l][r]))
		}
	}
	return worst
}
