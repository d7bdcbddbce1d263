package torchpt

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestTrimDataParallel(t *testing.T) {
	names := func(ts []Tensor) string {
		var s []string
		for _, t := range ts {
			s = append(s, t.Name)
		}
		return strings.Join(s, " ")
	}
	mk := func(ns ...string) []Tensor {
		ts := make([]Tensor, len(ns))
		for i, n := range ns {
			ts[i] = Tensor{Name: n, DType: "F32", Shape: []int{1}, Float32: []float32{float32(i)}}
		}
		return ts
	}
	for _, tt := range []struct{ in, want, wantErr string }{
		{in: "module.a.weight module.b", want: "a.weight b"},
		{in: "a.weight b", want: "a.weight b"},
		{in: "module.a a.module.b", wantErr: `some keys have the DataParallel prefix "module." (module.a) and some do not (a.module.b)`},
	} {
		got, err := TrimDataParallel(mk(strings.Fields(tt.in)...))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || names(got) != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.in, names(got), err, tt.want)
		}
	}
	// LoadMap, the state_dict reader of the Inception weights, trims the prefix too.
	path := filepath.Join(t.TempDir(), "w.pth")
	if err := Save(path, mk("module.conv.weight")); err != nil {
		t.Fatal(err)
	}
	m, err := LoadMap(path)
	if _, ok := m["conv.weight"]; err != nil || !ok || len(m) != 1 {
		t.Errorf("LoadMap: %v, %v", m, err)
	}
}
