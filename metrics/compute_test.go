package metrics

import (
	"errors"
	"image"
	"path/filepath"
	"strings"
	"testing"

	"sweep/vocab"
)

func TestCompute(t *testing.T) {
	dir := t.TempDir()
	real, fake := filepath.Join(dir, "real"), filepath.Join(dir, "fake")
	writePNGs(t, real, 2, 16, 16, 1)
	writePNGs(t, fake, 2, 16, 16, 2)
	root := segFixture(t)
	t.Setenv(InceptionEnv, filepath.Join(dir, "absent.pth"))
	opt := Options{SWD: SWDOptions{Seed: 1}, Seg: SegOptions{Segmenter: redSegmenter{}, Classes: 5}}
	tests := []struct {
		kind       vocab.Metric
		real, fake string
		names      []string
		err        error
	}{
		{"swd", real, fake, []string{"swd_16", "swd_avg"}, nil},
		{"seg", filepath.Join(root, "labels"), filepath.Join(root, "fake"), []string{"seg_miou", "seg_pixacc", "seg_classacc"}, nil},
		{"fid", real, fake, nil, ErrInceptionUnavailable},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			m, err := Compute(tt.kind, tt.real, tt.fake, opt)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if len(m) != len(tt.names) {
				t.Fatalf("metrics %+v", m)
			}
			for i, name := range tt.names {
				if m[i].Name != name || m[i].Identity == "" {
					t.Errorf("metric %+v, want name %s", m[i], name)
				}
			}
		})
	}
	if _, err := Compute("gt", real, fake, opt); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestNewSegmenter(t *testing.T) {
	RegisterSegmenter("test-red", func(arg string) (Segmenter, error) {
		if arg != "" {
			return nil, errors.New("no argument expected")
		}
		return redSegmenter{}, nil
	})
	s, err := NewSegmenter("test-red")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Segment(image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	if _, err := NewSegmenter("test-red:x"); err == nil {
		t.Error("factory error lost")
	}
	c, err := NewSegmenter("cmd:run {in} {out}")
	if cs, ok := c.(CommandSegmenter); err != nil || !ok || cs.Template != "run {in} {out}" {
		t.Errorf("cmd spec gave %#v, %v", c, err)
	}
	if _, err := NewSegmenter("nope"); err == nil || !strings.Contains(err.Error(), "test-red") {
		t.Errorf("unknown segmenter error %v does not list the known ones", err)
	}
}
