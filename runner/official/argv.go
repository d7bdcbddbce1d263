package official

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"sweep/config"
	"sweep/data"
	"sweep/evaluate"
)

// File names the executor writes in a run directory.
const (
	LauncherFile   = "official_launch.py"  // the launcher (seeds, provenance, runs the script)
	EnvFile        = "official_env.jsonl"  // one provenance line per launch, written by the launcher
	ProvenanceFile = "official.json"       // the checkout, its commit and the command lines
	StateFile      = "official_state.json" // how far the run got
	ResultsDir     = "official"            // test.py's --results_dir
	CheckpointsDir = "checkpoints"         // train.py's --checkpoints_dir
)

// Invocation is what one launch of the official code needs beyond the run's configuration.
type Invocation struct {
	Dir      string // the run directory (absolute); its base name is the run's ID
	DataRoot string // the dataset folder in CycleGAN layout
	GPU      bool   // the slot has a GPU (the child sees it as device 0)
	Resume   int    // the last saved epoch to continue from; 0 starts afresh
	Iters    int    // iterations per epoch (evaluate.OfficialItersPerEpoch)
}

// Python is the interpreter: $SWEEP_PYTHON, else python3 on PATH.
func Python() string {
	if p := os.Getenv("SWEEP_PYTHON"); p != "" {
		return p
	}
	return "python3"
}

// NetG is the official --netG of n residual blocks; only 6 and 9 exist there.
func NetG(nBlocks int) (string, error) {
	switch nBlocks {
	case 6, 9:
		return fmt.Sprintf("resnet_%dblocks", nBlocks), nil
	}
	return "", fmt.Errorf("n_blocks %d has no official generator; allowed: 6 (--netG resnet_6blocks), 9 (--netG resnet_9blocks)", nBlocks)
}

// SaveEpochFreq is --save_epoch_freq: eval_every when set, else the official default 5, or
// the largest number below it that divides the schedule, so that the last epoch is saved
// (the official code saves nothing at the end of training beyond these).
func SaveEpochFreq(cfg config.Run) int {
	if cfg.EvalEvery > 0 {
		return cfg.EvalEvery
	}
	total := cfg.Epochs + cfg.EpochsDecay
	for f := 5; f > 1; f-- {
		if total%f == 0 {
			return f
		}
	}
	return 1
}

// PrintFreq is --print_freq: the loss log gets about 100 lines over the schedule, as the
// built-in trainer's losses.jsonl.
func PrintFreq(cfg config.Run, itersPerEpoch int) int {
	return max(1, (cfg.Epochs+cfg.EpochsDecay)*itersPerEpoch/100)
}

// TrainArgs is the command line of the official train.py for run cfg.
func TrainArgs(cfg config.Run, inv Invocation) []string {
	args := launch(cfg, inv, "train.py")
	args = append(args, common(cfg, inv)...)
	args = append(args,
		"--nce_T", num(cfg.NCETemp), "--lambda_GAN", num(cfg.LambdaGAN), "--lambda_NCE", num(cfg.LambdaNCE),
		"--nce_idt", pyBool(cfg.NCEIdt),
		"--n_epochs", strconv.Itoa(cfg.Epochs), "--n_epochs_decay", strconv.Itoa(cfg.EpochsDecay),
		"--lr", num(cfg.LR), "--beta1", num(cfg.Beta1), "--beta2", num(cfg.Beta2),
		"--batch_size", strconv.Itoa(cfg.BatchSize), "--display_id", "0", "--print_freq", strconv.Itoa(PrintFreq(cfg, inv.Iters)),
		"--save_epoch_freq", strconv.Itoa(SaveEpochFreq(cfg)),
		"--load_size", strconv.Itoa(cfg.LoadSize), "--crop_size", strconv.Itoa(cfg.CropSize))
	if cfg.NoFlip {
		args = append(args, "--no_flip")
	}
	if cfg.SerialData {
		args = append(args, "--serial_batches")
	}
	if inv.Resume > 0 {
		args = append(args, "--continue_train", "--epoch_count", strconv.Itoa(inv.Resume+1), "--epoch", strconv.Itoa(inv.Resume))
	}
	return args
}

// TestArgs is the command line of the official test.py: the final generator on num_test
// test images, resized to crop_size (no random crop), into RUNDIR/official.
func TestArgs(cfg config.Run, inv Invocation) []string {
	args := launch(cfg, inv, "test.py")
	args = append(args, common(cfg, inv)...)
	return append(args, "--results_dir", filepath.Join(inv.Dir, ResultsDir),
		"--num_test", strconv.Itoa(cfg.TestSize), "--epoch", "latest",
		"--load_size", strconv.Itoa(cfg.CropSize), "--crop_size", strconv.Itoa(cfg.CropSize))
}

// launch is the interpreter, the launcher and its options, and the script.
func launch(cfg config.Run, inv Invocation, script string) []string {
	return []string{Python(), filepath.Join(inv.Dir, LauncherFile),
		"--sweep-seed", strconv.FormatInt(cfg.Seed, 10),
		"--sweep-code", absPath(cfg.OfficialCode),
		"--sweep-provenance", filepath.Join(inv.Dir, EnvFile),
		script}
}

// common are the options train.py and test.py share: data, names, device, architecture.
func common(cfg config.Run, inv Invocation) []string {
	gpu := "-1"
	if inv.GPU {
		gpu = "0" // CUDA_VISIBLE_DEVICES leaves the slot's GPU as the only device, ordinal 0
	}
	netG, _ := NetG(cfg.NBlocks) // planning refuses other depths
	args := []string{"--dataroot", inv.DataRoot, "--name", filepath.Base(inv.Dir),
		"--checkpoints_dir", filepath.Join(inv.Dir, CheckpointsDir), "--gpu_ids", gpu, "--direction", cfg.Direction}
	if cfg.Mode.Attends() {
		args = append(args, "--QS_mode", string(cfg.Mode))
	}
	return append(args, "--num_patches", strconv.Itoa(cfg.Queries), "--netF_nc", strconv.Itoa(cfg.NetFNC),
		"--ngf", strconv.Itoa(cfg.NGF), "--ndf", strconv.Itoa(cfg.NDF), "--netG", netG)
}

// num writes a float as the shortest text that reads back as the same float64.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// DataRoot is the dataset folder the official code reads: a folder dataset's path, or the
// cache folder of a built-in one, generated there first when prepare is set.
func DataRoot(cfg config.Run, prepare bool) (string, error) {
	if prepare || !strings.HasPrefix(cfg.Dataset, "builtin:") {
		return data.Prepare(cfg, "")
	}
	cache, err := data.DefaultCacheDir()
	if err != nil {
		return "", err
	}
	m := data.Manifest{Dataset: cfg.Dataset, Version: data.GenVersion, Seed: cfg.DataSeed,
		Train: cfg.TrainSize, Test: cfg.TestSize, Size: cfg.LoadSize}
	return filepath.Abs(filepath.Join(cache, m.Key()))
}

// Commands are the two command lines of run cfg in run directory dir as a planner shows
// them, without generating a built-in dataset: train.py (afresh), then test.py.
func Commands(cfg config.Run, dir string, gpu bool) (train, test []string, err error) {
	root, err := DataRoot(cfg, false)
	if err != nil {
		return nil, nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	ipe, err := evaluate.OfficialItersPerEpoch(cfg)
	if err != nil {
		return nil, nil, err
	}
	inv := Invocation{Dir: abs, DataRoot: root, GPU: gpu, Iters: ipe}
	return TrainArgs(cfg, inv), TestArgs(cfg, inv), nil
}

// CommandLine is argv as one shell line, each argument quoted when it needs it (for showing
// a command; the executor runs argv without a shell).
func CommandLine(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = quote(a)
	}
	return strings.Join(words, " ")
}

func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+@%-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// absPath is path made absolute, or path where that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
