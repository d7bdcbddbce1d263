// Package config defines the resolved configuration of one run: every value that decides
// its numbers, with the official QS-Attn defaults, validation, and a content-derived ID.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"sweep/vocab"
)

// Run is one run's complete configuration. Field names in JSON and TOML are the same
// snake_case keys, so a resolved config round-trips through both.
type Run struct {
	Variant string `json:"variant" toml:"variant"` // label shown in reports: "A".."H", "CUT", ...
	Repeat  int    `json:"repeat" toml:"repeat"`   // index of the repeat that derived Seed
	Seed    int64  `json:"seed" toml:"seed"`

	// Data.
	Dataset    string `json:"dataset" toml:"dataset"`       // "builtin:zebra", "builtin:cityscapes", or a CycleGAN-layout folder
	DataSeed   int64  `json:"data_seed" toml:"data_seed"`   // seed of a built-in dataset
	TrainSize  int    `json:"train_size" toml:"train_size"` // images per domain of a built-in dataset's train split
	TestSize   int    `json:"test_size" toml:"test_size"`   // images per domain of a built-in dataset's test split; also num_test for folders
	Direction  string `json:"direction" toml:"direction"`   // "AtoB" or "BtoA"
	LoadSize   int    `json:"load_size" toml:"load_size"`   // resize before the random crop
	CropSize   int    `json:"crop_size" toml:"crop_size"`   // training crop and test size
	NoFlip     bool   `json:"no_flip" toml:"no_flip"`       // disable random horizontal flips
	SerialData bool   `json:"serial_batches" toml:"serial_batches"`

	// Networks.
	NGF     int `json:"ngf" toml:"ngf"`
	NDF     int `json:"ndf" toml:"ndf"`
	NBlocks int `json:"n_blocks" toml:"n_blocks"`
	NetFNC  int `json:"netf_nc" toml:"netf_nc"`

	// Schedule and optimizer.
	Epochs      int     `json:"n_epochs" toml:"n_epochs"`             // epochs at constant lr
	EpochsDecay int     `json:"n_epochs_decay" toml:"n_epochs_decay"` // epochs of linear decay
	BatchSize   int     `json:"batch_size" toml:"batch_size"`
	LR          float64 `json:"lr" toml:"lr"`
	Beta1       float64 `json:"beta1" toml:"beta1"`
	Beta2       float64 `json:"beta2" toml:"beta2"`

	// Losses.
	LambdaGAN float64 `json:"lambda_gan" toml:"lambda_gan"`
	LambdaNCE float64 `json:"lambda_nce" toml:"lambda_nce"`
	NCETemp   float64 `json:"nce_t" toml:"nce_t"`
	NCEIdt    bool    `json:"nce_idt" toml:"nce_idt"`

	// QS-Attn.
	Mode       vocab.Mode   `json:"mode" toml:"mode"`
	Queries    int          `json:"queries" toml:"queries"` // num_patches: selected queries / random samples per layer
	AttnLayers vocab.Layers `json:"attn_layers" toml:"attn_layers"`

	// Evaluation.
	Metrics    []vocab.Metric `json:"metrics" toml:"metrics"`
	Checkpoint string         `json:"checkpoint" toml:"checkpoint"` // evaluate this generator instead of training
	Executor   vocab.Executor `json:"executor" toml:"executor"`
	Command    string         `json:"command" toml:"command"`         // command executor: shell template, {key} substituted
	CommandOut string         `json:"command_out" toml:"command_out"` // command executor: folder of fake images, {key} substituted
	// OfficialCode is the official executor's checkout of the official QS-Attn (or, for mode
	// cut, CUT) code. It changes the trained weights, so it is part of the run's identity.
	OfficialCode string `json:"official_code,omitempty" toml:"official_code"`

	// Evaluation only: these never change the trained weights, so they are not part of the
	// run's identity (see Identity). omitempty keeps the canonical JSON of configurations
	// that leave them unset what it was before they existed (see LegacyID).
	EvalEvery   int    `json:"eval_every,omitempty" toml:"eval_every"`     // also score the checkpoints of every Nth epoch; 0: final only
	Inception   string `json:"inception,omitempty" toml:"inception"`       // FID's Inception weights; "" looks in $SWEEP_INCEPTION and the cache
	FIDOptional bool   `json:"fid_optional,omitempty" toml:"fid_optional"` // record FID as absent when the weights are missing, instead of refusing the run
	Segmenter   string `json:"segmenter,omitempty" toml:"segmenter"`       // "synthetic" (builtin:cityscapes), "drn" or "cmd:COMMAND"; "" picks synthetic for builtin:cityscapes
	DRNWeights  string `json:"drn_weights,omitempty" toml:"drn_weights"`   // segmenter drn: drn_d_22_cityscapes.pth; "" takes $SWEEP_DRN
	Labels      string `json:"labels,omitempty" toml:"labels"`             // folder of label maps for seg; "" uses the dataset's testB
}

// Default returns the official training defaults (QS-Attn global, paper scale).
func Default() Run {
	return Run{
		Seed: 1, Dataset: "builtin:zebra", DataSeed: 1, TrainSize: 64, TestSize: 16,
		Direction: "AtoB", LoadSize: 286, CropSize: 256,
		NGF: 64, NDF: 64, NBlocks: 9, NetFNC: 256,
		Epochs: 200, EpochsDecay: 200, BatchSize: 1, LR: 2e-4, Beta1: 0.5, Beta2: 0.999,
		LambdaGAN: 1, LambdaNCE: 1, NCETemp: 0.07, NCEIdt: true,
		Mode: vocab.ModeGlobal, Queries: 256, AttnLayers: vocab.LayersLast2,
		Metrics: []vocab.Metric{vocab.MetricSWD}, Executor: vocab.ExecutorBuiltin,
	}
}

// Bounds of the size settings. They are far above any published configuration (ngf 64,
// 9 blocks, crop 256, a few thousand images) and keep a typo such as ngf = 1e9 from
// becoming a multi-gigabyte allocation that dies with an out-of-memory trace.
const (
	maxWidth  = 1024   // ngf, ndf, netf_nc
	maxBlocks = 64     // n_blocks
	maxSide   = 4096   // load_size, crop_size
	maxCount  = 100000 // epochs, images per split, eval_every
)

// Validate refuses a configuration that cannot work, naming the option and what is allowed.
func (r Run) Validate() error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if _, err := vocab.ParseMode(string(r.Mode)); err != nil {
		bad("%v", err)
	}
	if _, err := vocab.ParseLayers(string(r.AttnLayers)); err != nil {
		bad("%v", err)
	}
	if r.CropSize < 24 || r.CropSize%4 != 0 {
		bad("crop_size %d must be a multiple of 4 and at least 24 (smaller crops leave the discriminator no output)", r.CropSize)
	}
	if r.LoadSize < r.CropSize {
		bad("load_size %d must be at least crop_size %d", r.LoadSize, r.CropSize)
	}
	if r.Queries < 1 {
		bad("queries %d must be at least 1", r.Queries)
	} else if hw := (r.CropSize / 4) * (r.CropSize / 4); r.Mode.Attends() && r.Queries > hw {
		bad("queries %d exceeds the %d positions of the attention layers at crop_size %d; allowed: 1..%d", r.Queries, hw, r.CropSize, hw)
	}
	for _, p := range []struct {
		name     string
		v        int
		min, max int
	}{{"ngf", r.NGF, 1, maxWidth}, {"ndf", r.NDF, 1, maxWidth}, {"n_blocks", r.NBlocks, 5, maxBlocks},
		{"netf_nc", r.NetFNC, 1, maxWidth}, {"n_epochs", r.Epochs, 0, maxCount}, {"n_epochs_decay", r.EpochsDecay, 0, maxCount},
		{"batch_size", r.BatchSize, 1, 1 << 10}, {"load_size", r.LoadSize, 1, maxSide}, {"crop_size", r.CropSize, 1, maxSide},
		{"train_size", r.TrainSize, 0, maxCount}, {"test_size", r.TestSize, 0, maxCount}, {"eval_every", r.EvalEvery, 0, maxCount}} {
		if p.v < p.min || p.v > p.max {
			bad("%s %d is out of range; allowed: %d..%d", p.name, p.v, p.min, p.max)
		}
	}
	if r.BatchSize != 1 {
		bad("batch_size %d is not supported; allowed: 1 (the paper's setting)", r.BatchSize)
	}
	if r.Epochs+r.EpochsDecay < 1 && r.Checkpoint == "" {
		bad("n_epochs + n_epochs_decay must be at least 1")
	}
	for _, f := range []struct {
		name     string
		v        float64
		min, max float64
		open     bool // max itself is excluded
	}{{"lr", r.LR, 1e-12, 10, false}, {"beta1", r.Beta1, 0, 1, true}, {"beta2", r.Beta2, 0, 1, true},
		{"lambda_gan", r.LambdaGAN, 0, 1e6, false}, {"lambda_nce", r.LambdaNCE, 0, 1e6, false}, {"nce_t", r.NCETemp, 1e-6, 1e3, false}} {
		if !inRange(f.v, f.min, f.max, f.open) {
			bad("%s %g is out of range; allowed: %s", f.name, f.v, rangeText(f.min, f.max, f.open))
		}
	}
	for _, dup := range duplicates(r.Metrics) {
		bad("metric %q is listed twice", dup)
	}
	if r.Direction != "AtoB" && r.Direction != "BtoA" {
		bad("direction %q is unknown; allowed: AtoB, BtoA", r.Direction)
	}
	if _, err := vocab.ParseExecutor(string(r.Executor)); err != nil {
		bad("%v", err)
	}
	if r.Executor == vocab.ExecutorOfficial {
		if r.OfficialCode == "" {
			bad("executor \"official\" needs official_code, the folder of a checkout of the official QS-Attn or CUT code")
		}
		if !r.Mode.Official() {
			bad("mode %q is not in the official code; executor \"official\" has: %s", r.Mode, vocab.Join(vocab.OfficialModes(), ", "))
		}
	}
	if r.Executor == vocab.ExecutorCommand && r.Command == "" {
		bad("executor \"command\" needs a command template")
	}
	for _, m := range r.Metrics {
		if _, err := vocab.ParseMetric(string(m)); err != nil {
			bad("%v", err)
		}
	}
	if _, _, err := r.SegmenterSpec(); err != nil && slices.Contains(r.Metrics, vocab.MetricSeg) {
		bad("%v", err)
	}
	if strings.HasPrefix(r.Dataset, "builtin:") && (r.TrainSize < 1 || r.TestSize < 1) {
		bad("train_size %d and test_size %d must be at least 1 for a built-in dataset", r.TrainSize, r.TestSize)
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(errs, "; "))
	}
	return nil
}

// inRange reports whether v is a finite number in [lo, hi] (or [lo, hi) when open): NaN
// and the infinities never are.
func inRange(v, lo, hi float64, open bool) bool {
	if math.IsNaN(v) || v < lo || v > hi {
		return false
	}
	return !open || v < hi
}

func rangeText(lo, hi float64, open bool) string {
	if open {
		return fmt.Sprintf("a finite number in [%g, %g)", lo, hi)
	}
	return fmt.Sprintf("a finite number in [%g, %g]", lo, hi)
}

// duplicates lists the values that occur more than once in list, each once.
func duplicates[T comparable](list []T) []T {
	seen := map[T]int{}
	var out []T
	for _, v := range list {
		if seen[v]++; seen[v] == 2 {
			out = append(out, v)
		}
	}
	return out
}

// Scores reports whether metric kind can score the run: gt needs a built-in dataset
// (generated with its ground truth); every other kind applies to every run.
func (r Run) Scores(kind vocab.Metric) bool {
	return kind != vocab.MetricGT || strings.HasPrefix(r.Dataset, "builtin:")
}

// Segmenter kinds.
const (
	SegmenterSynthetic = "synthetic" // the built-in Cityscapes analogue's exact segmenter
	SegmenterCommand   = "cmd"       // an external program: reads a folder of images, writes label PNGs
	SegmenterDRN       = "drn"       // DRN-D-22 with the published Cityscapes weights (drn_weights)
)

// SegmenterSpec resolves the segmenter setting: "synthetic", or "cmd" with its command line
// (segmenter = "cmd:COMMAND"). Unset, builtin:cityscapes takes the synthetic one; other data
// has no default and gets an error.
func (r Run) SegmenterSpec() (kind, command string, err error) {
	switch s := r.Segmenter; {
	case s == "" && r.Dataset == "builtin:cityscapes", s == SegmenterSynthetic:
		if r.Dataset != "builtin:cityscapes" {
			return "", "", fmt.Errorf("segmenter %q works on builtin:cityscapes only; for dataset %s use segmenter = \"cmd:COMMAND\"", s, r.Dataset)
		}
		return SegmenterSynthetic, "", nil
	case s == SegmenterDRN:
		if r.DRNWeightsPath() == "" {
			return "", "", fmt.Errorf("segmenter \"drn\" needs its weights: set drn_weights = \"PATH/drn_d_22_cityscapes.pth\" or $SWEEP_DRN")
		}
		return SegmenterDRN, "", nil
	case strings.HasPrefix(s, SegmenterCommand+":") && strings.TrimSpace(s[len(SegmenterCommand)+1:]) != "":
		return SegmenterCommand, strings.TrimSpace(s[len(SegmenterCommand)+1:]), nil
	case s == "":
		return "", "", fmt.Errorf("segmenter is unset: metric seg on dataset %s needs segmenter = \"cmd:COMMAND\" (a program that reads a folder of images and writes a folder of label PNGs)", r.Dataset)
	}
	return "", "", fmt.Errorf("segmenter %q is unknown; allowed: synthetic (builtin:cityscapes), drn, cmd:COMMAND", r.Segmenter)
}

// DRNWeightsPath is the DRN-D-22 checkpoint segmenter drn loads: drn_weights, else $SWEEP_DRN.
func (r Run) DRNWeightsPath() string {
	if r.DRNWeights != "" {
		return r.DRNWeights
	}
	return os.Getenv("SWEEP_DRN")
}

// LabelsDir is the folder of ground-truth label maps that seg scores a folder dataset's
// translations against, matched by file name: labels when set, else the dataset's testB
// (valB where it has no testB, as for the test split). Built-in datasets carry their own
// truth and return "".
func (r Run) LabelsDir() string {
	switch {
	case r.Labels != "":
		return r.Labels
	case strings.HasPrefix(r.Dataset, "builtin:"):
		return ""
	}
	test := filepath.Join(r.Dataset, "testB")
	if _, err := os.Stat(test); err != nil {
		if val := filepath.Join(r.Dataset, "valB"); dirExists(val) {
			return val
		}
	}
	return test
}

func dirExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// Canonical is the configuration as JSON with a fixed field order: equal configs give equal bytes.
func (r Run) Canonical() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // a struct of plain fields always marshals
	}
	return b
}

// Identity is the part of the configuration that decides a run's trained weights: r without
// its labels (variant, repeat) and its evaluation settings (metrics, eval_every, inception,
// fid_optional, segmenter, drn_weights, labels). Two configurations with one identity are one run.
func (r Run) Identity() Run {
	r = r.withoutEvaluation()
	r.Variant, r.Repeat, r.Metrics = "", 0, nil
	return r
}

// withoutEvaluation is r with the evaluation-only settings cleared.
func (r Run) withoutEvaluation() Run {
	r.EvalEvery, r.Inception, r.FIDOptional, r.Segmenter, r.DRNWeights, r.Labels = 0, "", false, "", "", ""
	return r
}

// Key is everything a run's ID hashes: what changes its trained weights, and nothing else.
type Key struct {
	Config  Run    `json:"config"`  // the configuration's Identity, dataset path resolved
	Dataset string `json:"dataset"` // the dataset's fingerprint (data.Fingerprint)
	Code    string `json:"code"`    // CodeVersion
	Backend string `json:"backend"` // Backend: OpenBLAS and pure Go give different bits
}

// NewKey is the key of configuration r on dataset fingerprint dataset, under this build.
func NewKey(r Run, dataset string) Key {
	return Key{Config: r.Identity(), Dataset: dataset, Code: CodeVersion, Backend: Backend}
}

// JSON is the key as canonical JSON, the text the ID hashes.
func (k Key) JSON() []byte {
	b, err := json.Marshal(k)
	if err != nil {
		panic(err) // plain fields always marshal; Validate refuses non-finite floats
	}
	return b
}

// ID is the run's ID: the first 16 hex digits of the SHA-256 of the key.
func (k Key) ID() string {
	h := sha256.Sum256(k.JSON())
	return hex.EncodeToString(h[:])[:16]
}

// LegacyID is the ID that versions before run identity gave r (a hash of the whole
// configuration, labels and metrics included, and the code version), so that runs recorded
// then can be found again. Evaluation settings did not exist then and are left out.
func LegacyID(r Run) string {
	r = r.withoutEvaluation()
	h := sha256.New()
	h.Write(r.Canonical())
	h.Write([]byte{0})
	h.Write([]byte(CodeVersion))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// CodeVersion is the version of the numerical code that a run's ID includes. Bump it when a
// change alters any run's numbers, so finished runs are redone instead of silently reused.
const CodeVersion = "core-11"
