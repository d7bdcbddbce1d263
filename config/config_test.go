package config

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sweep/vocab"
)

func TestValidateRefusesWhatCannotWork(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Run)
		want   string // the option and what is allowed
	}{
		{"crop not divisible by 4", func(r *Run) { r.CropSize = 66 }, "crop_size 66 must be a multiple of 4"},
		{"more queries than positions", func(r *Run) { r.CropSize, r.LoadSize, r.Queries = 64, 64, 257 }, "queries 257 exceeds the 256 positions"},
		{"unknown mode", func(r *Run) { r.Mode = "globl" }, `mode "globl" is unknown; allowed: global, random_global`},
		{"unknown layers", func(r *Run) { r.AttnLayers = "last3" }, "attn_layers \"last3\" is unknown; allowed: last2, all, all_unpooled"},
		{"load below crop", func(r *Run) { r.LoadSize = 128 }, "load_size 128 must be at least crop_size 256"},
		{"batch", func(r *Run) { r.BatchSize = 4 }, "batch_size 4 is not supported"},
		{"too few blocks", func(r *Run) { r.NBlocks = 4 }, "n_blocks 4 is out of range; allowed: 5..64"},
		{"huge ngf", func(r *Run) { r.NGF = 1e9 }, "ngf 1000000000 is out of range; allowed: 1..1024"},
		{"huge test split", func(r *Run) { r.TestSize = 1e9 }, "test_size 1000000000 is out of range"},
		{"huge load size", func(r *Run) { r.LoadSize = 1e9 }, "load_size 1000000000 is out of range; allowed: 1..4096"},
		{"negative eval_every", func(r *Run) { r.EvalEvery = -1 }, "eval_every -1 is out of range"},
		{"metric", func(r *Run) { r.Metrics = []vocab.Metric{"lpips"} }, `metric "lpips" is unknown; allowed: swd, fid, seg, gt`},
		{"executor", func(r *Run) { r.Executor = "slurm" }, `executor "slurm" is unknown`},
		{"command without template", func(r *Run) { r.Executor = "command" }, "needs a command template"},
		{"temperature", func(r *Run) { r.NCETemp = 0 }, "nce_t 0 is out of range; allowed: a finite number in [1e-06, 1000]"},
		{"nan lr", func(r *Run) { r.LR = math.NaN() }, "lr NaN is out of range"},
		{"infinite lr", func(r *Run) { r.LR = math.Inf(1) }, "lr +Inf is out of range"},
		{"nan beta1", func(r *Run) { r.Beta1 = math.NaN() }, "beta1 NaN is out of range"},
		{"beta2 of 1", func(r *Run) { r.Beta2 = 1 }, "beta2 1 is out of range; allowed: a finite number in [0, 1)"},
		{"negative nan temperature", func(r *Run) { r.NCETemp = math.Copysign(math.NaN(), -1) }, "nce_t NaN is out of range"},
		{"infinite lambda", func(r *Run) { r.LambdaNCE = math.Inf(-1) }, "lambda_nce -Inf is out of range"},
		{"duplicate metric", func(r *Run) { r.Metrics = []vocab.Metric{"gt", "swd", "gt"} }, `metric "gt" is listed twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Default()
			c.change(&r)
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want it to say %q", err, c.want)
			}
		})
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("the defaults are invalid: %v", err)
	}
}

func TestIDIsWhatTheRunComputes(t *testing.T) {
	base := Default()
	id := func(r Run, dataset string) string { return NewKey(r, dataset).ID() }
	ref := id(base, "d1")
	same := map[string]func(*Run){
		"variant":      func(r *Run) { r.Variant = "Global" },
		"repeat":       func(r *Run) { r.Repeat = 3 },
		"metrics":      func(r *Run) { r.Metrics = []vocab.Metric{"swd", "fid"} },
		"eval_every":   func(r *Run) { r.EvalEvery = 2 },
		"inception":    func(r *Run) { r.Inception = "/w.pth" },
		"fid_optional": func(r *Run) { r.FIDOptional = true },
		"segmenter":    func(r *Run) { r.Segmenter = "cmd:seg" },
		"labels":       func(r *Run) { r.Labels = "/labels" },
		"drn_weights":  func(r *Run) { r.Segmenter, r.DRNWeights = "drn", "/drn.pth" },
	}
	for name, change := range same {
		r := base
		change(&r)
		if id(r, "d1") != ref {
			t.Errorf("%s changed the ID; it does not change the trained weights", name)
		}
	}
	for name, change := range map[string]func(*Run){
		"seed":    func(r *Run) { r.Seed = 2 },
		"queries": func(r *Run) { r.Queries = 128 },
		"mode":    func(r *Run) { r.Mode = "cut" },
		"lr":      func(r *Run) { r.LR = 1e-4 },
	} {
		r := base
		change(&r)
		if id(r, "d1") == ref {
			t.Errorf("%s did not change the ID", name)
		}
	}
	if id(base, "d2") == ref {
		t.Error("the dataset's fingerprint does not change the ID")
	}
	k := NewKey(base, "d1")
	k.Code = "other"
	if k.ID() == ref {
		t.Error("the code version does not change the ID")
	}
	k = NewKey(base, "d1")
	k.Backend = "other"
	if k.ID() == ref {
		t.Error("the numeric backend does not change the ID")
	}
}

// TestLegacyIDIsTheFormerID pins the ID that versions before run identity gave the
// defaults, so that a database they wrote is found again.
func TestLegacyIDIsTheFormerID(t *testing.T) {
	r := Default()
	r.Variant = "A"
	h := sha256.Sum256(append(append([]byte(`{"variant":"A","repeat":0,"seed":1,"dataset":"builtin:zebra","data_seed":1,"train_size":64,"test_size":16,"direction":"AtoB","load_size":286,"crop_size":256,"no_flip":false,"serial_batches":false,"ngf":64,"ndf":64,"n_blocks":9,"netf_nc":256,"n_epochs":200,"n_epochs_decay":200,"batch_size":1,"lr":0.0002,"beta1":0.5,"beta2":0.999,"lambda_gan":1,"lambda_nce":1,"nce_t":0.07,"nce_idt":true,"mode":"global","queries":256,"attn_layers":"last2","metrics":["swd"],"checkpoint":"","executor":"builtin","command":"","command_out":""}`), 0), CodeVersion...))
	if got, want := LegacyID(r), hex.EncodeToString(h[:])[:16]; got != want {
		t.Errorf("LegacyID = %s, want %s", got, want)
	}
	r.EvalEvery = 5
	if got, want := LegacyID(r), hex.EncodeToString(h[:])[:16]; got != want {
		t.Errorf("LegacyID with eval_every = %s, want %s (evaluation settings did not exist)", got, want)
	}
}

// TestFieldsAreTheKeys: every field has one key, the same in TOML and JSON, and Fields
// gives them in declaration order.
func TestFieldsAreTheKeys(t *testing.T) {
	fs := Fields()
	rt := reflect.TypeFor[Run]()
	if len(fs) != rt.NumField() {
		t.Fatalf("%d fields, Run has %d", len(fs), rt.NumField())
	}
	for i, f := range fs {
		tag := rt.Field(i).Tag
		if toml, _, _ := strings.Cut(tag.Get("toml"), ","); f.Key == "" || f.Key != toml || f.Type != rt.Field(i).Type {
			t.Errorf("field %d: key %q type %v; toml key %q", i, f.Key, f.Type, toml)
		}
	}
}

func TestFieldText(t *testing.T) {
	r := Default()
	r.Metrics = []vocab.Metric{vocab.MetricSWD, vocab.MetricGT}
	want := map[string]string{"metrics": "swd+gt", "mode": "global", "lr": "0.0002", "nce_idt": "true", "ngf": "64", "seed": "1"}
	for _, f := range Fields() {
		if w, ok := want[f.Key]; ok && f.Text(r, "+") != w {
			t.Errorf("%s: %q, want %q", f.Key, f.Text(r, "+"), w)
		}
	}
	r.Metrics = nil
	for _, f := range Fields() {
		if f.Key == "metrics" && f.Text(r, "+") != "" {
			t.Errorf("no metrics: %q", f.Text(r, "+"))
		}
	}
}

func TestVarying(t *testing.T) {
	a, b, c := Default(), Default(), Default()
	b.Seed, b.Variant = 2, "B"
	c.Mode, c.Metrics = vocab.ModeCUT, []vocab.Metric{vocab.MetricFID}
	text := func(r Run) map[string]string {
		m := map[string]string{}
		for _, f := range Fields() {
			m[f.Key] = f.Text(r, ",")
		}
		return m
	}
	if got := Varying([]Run{a, b, c}, text, "variant"); !slices.Equal(got, []string{"seed", "mode", "metrics"}) {
		t.Errorf("varying %v, want seed, mode, metrics in field order", got)
	}
	if got := Varying([]Run{a, a}, text); got != nil {
		t.Errorf("equal runs vary in %v", got)
	}
	if got := Varying([]Run{b}, text); got != nil {
		t.Errorf("one run varies in %v", got)
	}
}

// Segmenter drn takes its weights from drn_weights, else $SWEEP_DRN, and without either is
// refused saying how to give them.
func TestDRNSegmenterNeedsWeights(t *testing.T) {
	r := Default()
	r.Dataset, r.Segmenter = "/data/cityscapes", SegmenterDRN
	t.Setenv("SWEEP_DRN", "")
	if _, _, err := r.SegmenterSpec(); err == nil || !strings.Contains(err.Error(), "drn_weights") {
		t.Errorf("no weights: %v", err)
	}
	t.Setenv("SWEEP_DRN", "/env/drn.pth")
	if kind, _, err := r.SegmenterSpec(); err != nil || kind != SegmenterDRN || r.DRNWeightsPath() != "/env/drn.pth" {
		t.Errorf("from $SWEEP_DRN: %q %v %q", kind, err, r.DRNWeightsPath())
	}
	r.DRNWeights = "/file/drn.pth"
	if r.DRNWeightsPath() != "/file/drn.pth" {
		t.Errorf("drn_weights loses to $SWEEP_DRN: %q", r.DRNWeightsPath())
	}
}

// The smallest crop is the smallest whose discriminator output is not empty: at crop 20 the
// PatchGAN's map is 0x0 and its loss NaN.
func TestSmallestCrop(t *testing.T) {
	for crop, ok := range map[int]bool{20: false, 24: true} {
		r := Default()
		r.CropSize, r.LoadSize, r.Queries = crop, crop, 16
		if err := r.Validate(); (err == nil) != ok {
			t.Errorf("crop_size %d: %v", crop, err)
		}
	}
}
