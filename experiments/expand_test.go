package experiments

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sweep/config"
	"sweep/vocab"
)

// small is a [base] that validates at a tiny scale.
const small = `
[base]
crop_size = 32
load_size = 36
queries = 16
`

func mustParse(t *testing.T, src string) *Sweep {
	t.Helper()
	s, err := Parse("t.toml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

// column formats the chosen fields of every run, one string per run.
func column(runs []config.Run, f func(config.Run) string) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = f(r)
	}
	return out
}

func TestProductOrder(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "p"
`+small+`
[grid]
queries = [16, 32]
ngf = [8, 16, 24]
`)
	got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("q%d/g%d", r.Queries, r.NGF) })
	want := []string{"q16/g8", "q16/g16", "q16/g24", "q32/g8", "q32/g16", "q32/g24"}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v (first axis slowest)", got, want)
	}
	if s.Name != "p" || s.File != "t.toml" {
		t.Errorf("name %q file %q", s.Name, s.File)
	}
}

func TestAxesFollowFileOrder(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "z"
`+small+`
[[zip]]
dataset = ["builtin:zebra", "builtin:cityscapes"]
metrics = [["swd", "gt"], ["seg"]]

[grid]
ngf = [8, 16]
`)
	got := column(s.Runs, func(r config.Run) string {
		return fmt.Sprintf("%s/%s/g%d", r.Dataset, vocab.Join(r.Metrics, "+"), r.NGF)
	})
	want := []string{
		"builtin:zebra/swd+gt/g8", "builtin:zebra/swd+gt/g16",
		"builtin:cityscapes/seg/g8", "builtin:cityscapes/seg/g16",
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v (zip before grid in the file, so outermost; zip keys paired)", got, want)
	}
}

// A zip key may repeat a value as long as the rows differ.
func TestZipRowsMayShareValues(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "z"
`+small+`
[[zip]]
ngf = [8, 8, 16]
ndf = [8, 16, 16]
`)
	got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("g%d/d%d", r.NGF, r.NDF) })
	if want := []string{"g8/d8", "g8/d16", "g16/d16"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
}

func TestVariants(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "v"
`+small+`
mode = "local"
[variants.A]
mode = "global"
[variants.CUT]
mode = "cut"
nce_idt = false
[grid]
variant = ["A", "CUT"]
ngf = [8, 16]
`)
	got := column(s.Runs, func(r config.Run) string {
		return fmt.Sprintf("%s/%s/%v/g%d", r.Variant, r.Mode, r.NCEIdt, r.NGF)
	})
	want := []string{"A/global/true/g8", "A/global/true/g16", "CUT/cut/false/g8", "CUT/cut/false/g16"}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
}

func TestExcludeAndInclude(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "e"
[base]
crop_size = 48
load_size = 52
[variants.QS]
mode = "global"
[variants.CUT]
mode = "cut"
[grid]
variant = ["QS", "CUT"]
queries = [64, 128]

[[exclude]] # matches the resolved mode, set by the variant
mode = "cut"
queries = 128

[[include]]
variant = "CUT"
queries = 32
mode = "global" # an include may override its variant

[[include]]
ngf = 8
queries = 16
`)
	got := column(s.Runs, func(r config.Run) string {
		return fmt.Sprintf("%s/%s/q%d/g%d", r.Variant, r.Mode, r.Queries, r.NGF)
	})
	want := []string{"QS/global/q64/g64", "QS/global/q128/g64", "CUT/cut/q64/g64",
		"CUT/global/q32/g64", "/global/q16/g8"}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
}

// Exclude rules compare lists and booleans too, and drop only runs matching every key.
func TestExcludeComparesListsAndBooleans(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "l"
`+small+`
[grid]
no_flip = [false, true]
[[zip]]
metrics = [["swd"], ["swd", "gt"], ["gt"]]
ngf = [8, 16, 24] # metrics alone do not make another run
[[exclude]]
metrics = ["swd", "gt"]
no_flip = true
`)
	got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("%s/%v", vocab.Join(r.Metrics, "+"), r.NoFlip) })
	want := []string{"swd/false", "swd+gt/false", "gt/false", "swd/true", "gt/true"}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
}

func TestBaseVariantAppliesToIncludes(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "b"
`+small+`
variant = "L"
[variants.L]
mode = "local"
[[include]]
ngf = 8
`)
	got := column(s.Runs, func(r config.Run) string { return fmt.Sprintf("%s/%s/g%d", r.Variant, r.Mode, r.NGF) })
	want := []string{"L/local/g64", "L/local/g8"}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v (no axes: the base is the one grid point)", got, want)
	}
}

func TestRepeatsDeriveSeeds(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "r"
repeats = 3
`+small+`
seed = 7
[grid]
ngf = [8, 16]
[[include]]
ndf = 8
`)
	got := column(s.Runs, func(r config.Run) string {
		return fmt.Sprintf("g%d/d%d/r%d/s%d", r.NGF, r.NDF, r.Repeat, r.Seed)
	})
	want := []string{
		"g8/d64/r0/s7", "g16/d64/r0/s7", "g64/d8/r0/s7",
		"g8/d64/r1/s8", "g16/d64/r1/s8", "g64/d8/r1/s8",
		"g8/d64/r2/s9", "g16/d64/r2/s9", "g64/d8/r2/s9",
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v (repeat outermost, seed = base seed + repeat)", got, want)
	}
	for _, r := range s.Runs {
		if r.DataSeed != 1 {
			t.Errorf("data_seed %d changed with the repeat", r.DataSeed)
		}
	}
}

func TestDefaultsAndConversions(t *testing.T) {
	s := mustParse(t, `[sweep]
name = "d"
description = "defaults"
`+small+`
lr = 1 # an integer is a valid float
no_flip = true
metrics = []
`)
	if len(s.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(s.Runs))
	}
	want := config.Default()
	want.CropSize, want.LoadSize, want.Queries = 32, 36, 16
	want.LR, want.NoFlip, want.Metrics = 1, true, []vocab.Metric{}
	if got := s.Runs[0]; string(got.Canonical()) != string(want.Canonical()) {
		t.Errorf("run\n%s\nwant\n%s", got.Canonical(), want.Canonical())
	}
	if s.Description != "defaults" {
		t.Errorf("description %q", s.Description)
	}
}

// The same grid written differently (key order, inline arrays of tables, zip of one key)
// gives the same runs with the same IDs, and two parses agree.
func TestExpansionIsStable(t *testing.T) {
	a := `[sweep]
name = "s"
repeats = 2
[base]
crop_size = 32
load_size = 36
queries = 16
[variants.A]
mode = "global"
[grid]
variant = ["A"]
ngf = [8, 16]
[[exclude]]
ngf = 16
[[include]]
variant = "A"
ngf = 24
`
	b := `exclude = [{ngf = 16}]
include = [{variant = "A", ngf = 24}]
[sweep]
repeats = 2
name = "s"
[variants]
A = { mode = "global" }
[base]
queries = 16
load_size = 36
crop_size = 32
[grid]
variant = ["A"]
[[zip]]
ngf = [8, 16]
`
	ids := func(src string) []string {
		return column(mustParse(t, src).Runs, func(r config.Run) string { return config.NewKey(r, "").ID() })
	}
	first, again, other := ids(a), ids(a), ids(b)
	if len(first) != 4 {
		t.Fatalf("%d runs, want 4", len(first))
	}
	if !slices.Equal(first, again) {
		t.Errorf("two parses differ: %v vs %v", first, again)
	}
	if !slices.Equal(first, other) {
		t.Errorf("the same grid written differently gives %v, want %v", other, first)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.toml")
	if err := os.WriteFile(path, []byte("[sweep]\nname = \"x\"\n"+small), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.File != path || len(s.Runs) != 1 {
		t.Errorf("file %q, %d runs", s.File, len(s.Runs))
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml")); err == nil || !strings.Contains(err.Error(), "missing.toml") {
		t.Errorf("missing file: %v", err)
	}
}
