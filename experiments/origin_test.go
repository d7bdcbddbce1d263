package experiments

import (
	"fmt"
	"testing"
)

// originSrc sets keys in every kind of table; the comments give the line numbers.
const originSrc = `[sweep]
name = "o"
repeats = 2

[base]
crop_size = 32
load_size = 36
queries = 16
metrics = ["swd"]
checkpoint = "base.pt"

[variants.A]
mode = "global"
[variants.B]
mode = "cut"
checkpoint = "b.pt"

[grid]
variant = ["A", "B"]
ngf = [8, 16]

[[zip]]
ndf = [8, 16]
netf_nc = [32, 64]

[[include]]
variant = "A"
checkpoint = "inc.pt"
metrics = ["swd", "fid"]
`

func TestOrigin(t *testing.T) {
	s := mustParse(t, originSrc)
	// Grid: variant (A, B) x ngf (8, 16) x zip (ndf, netf_nc) = 8 points, then the include; twice.
	if len(s.Runs) != 18 {
		t.Fatalf("%d runs, want 18", len(s.Runs))
	}
	tests := []struct {
		run  int
		key  string
		want Origin
	}{
		{0, "crop_size", Origin{6, "base.crop_size"}},
		{0, "mode", Origin{13, "variants.A.mode"}},
		{4, "mode", Origin{15, "variants.B.mode"}},
		{0, "checkpoint", Origin{10, "base.checkpoint"}},
		{4, "checkpoint", Origin{16, "variants.B.checkpoint"}}, // the variant overrides [base]
		{8, "checkpoint", Origin{28, "include[0].checkpoint"}}, // the include overrides both
		{8, "metrics", Origin{29, "include[0].metrics"}},
		{4, "variant", Origin{19, "grid.variant[1]"}},
		{2, "ngf", Origin{20, "grid.ngf[1]"}},
		{1, "netf_nc", Origin{24, "zip[0].netf_nc[1]"}},
		{0, "ndf", Origin{23, "zip[0].ndf[0]"}},
		{0, "nce_t", Origin{5, ""}},                                // a default: the line of [base]
		{9 + 8, "checkpoint", Origin{28, "include[0].checkpoint"}}, // repeat 1
		{9 + 2, "ngf", Origin{20, "grid.ngf[1]"}},
		{-1, "ngf", Origin{5, ""}},
		{18, "ngf", Origin{5, ""}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("run%d/%s", tt.run, tt.key), func(t *testing.T) {
			got := s.Origin(tt.run, tt.key)
			if got != tt.want {
				t.Errorf("Origin = %+v, want %+v", got, tt.want)
			}
			if got.Default() != (tt.want.Path == "") {
				t.Errorf("Default() = %v", got.Default())
			}
		})
	}
}

func TestOriginWithoutBase(t *testing.T) {
	// Run 0 is the one grid point of a file without axes (all defaults), run 1 the include.
	s := mustParse(t, "[sweep]\nname = \"n\"\n\n[[include]]\nqueries = 16\ncrop_size = 32\nload_size = 36\n")
	if got := s.Origin(1, "crop_size"); got != (Origin{6, "include[0].crop_size"}) {
		t.Errorf("crop_size: %+v", got)
	}
	if got := s.Origin(0, "dataset"); got != (Origin{}) || !got.Default() {
		t.Errorf("dataset: %+v, want a default at line 0", got)
	}
	if got := (&Sweep{}).Origin(0, "dataset"); got != (Origin{}) {
		t.Errorf("a Sweep not made by Parse: %+v", got)
	}
}
