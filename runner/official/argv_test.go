package official

import (
	"slices"
	"strings"
	"testing"

	"sweep/config"
)

func testConfig() config.Run {
	cfg := config.Default()
	cfg.Executor, cfg.OfficialCode = "official", "/opt/qs"
	cfg.Seed = 12345678901234567
	cfg.Epochs, cfg.EpochsDecay, cfg.EvalEvery = 2, 2, 1
	return cfg
}

// flag returns the value after name in args, or "" with ok false.
func flag(args []string, name string) (string, bool) {
	i := slices.Index(args, name)
	if i < 0 || i+1 >= len(args) {
		return "", false
	}
	return args[i+1], true
}

func TestTrainArgs(t *testing.T) {
	cfg := testConfig()
	inv := Invocation{Dir: "/runs/abc", DataRoot: "/data/h2z", GPU: true, Iters: 1000}
	args := TrainArgs(cfg, inv)
	want := map[string]string{
		"--sweep-seed": "12345678901234567", "--dataroot": "/data/h2z", "--name": "abc",
		"--checkpoints_dir": "/runs/abc/checkpoints", "--gpu_ids": "0", "--direction": "AtoB",
		"--QS_mode": "global", "--num_patches": "256", "--netF_nc": "256", "--nce_T": "0.07",
		"--lambda_GAN": "1", "--lambda_NCE": "1", "--nce_idt": "True", "--ngf": "64", "--ndf": "64",
		"--netG": "resnet_9blocks", "--load_size": "286", "--crop_size": "256", "--n_epochs": "2",
		"--n_epochs_decay": "2", "--lr": "0.0002", "--beta1": "0.5", "--beta2": "0.999",
		"--batch_size": "1", "--display_id": "0", "--save_epoch_freq": "1", "--print_freq": "40",
	}
	for name, v := range want {
		if got, ok := flag(args, name); !ok || got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if args[0] != "python3" || args[1] != "/runs/abc/"+LauncherFile || !slices.Contains(args, "train.py") {
		t.Errorf("launch %q", args[:9])
	}
	if slices.Contains(args, "--continue_train") {
		t.Error("a fresh run continues")
	}
}

func TestTrainArgsVariants(t *testing.T) {
	cfg := testConfig()
	cfg.Mode, cfg.NBlocks, cfg.NCEIdt, cfg.NoFlip = "cut", 6, false, true
	t.Setenv("SWEEP_PYTHON", "/venv/bin/python")
	args := TrainArgs(cfg, Invocation{Dir: "/r/id", Resume: 3, Iters: 10})
	if slices.Contains(args, "--QS_mode") {
		t.Error("CUT gets --QS_mode")
	}
	for name, v := range map[string]string{"--netG": "resnet_6blocks", "--nce_idt": "False", "--gpu_ids": "-1",
		"--epoch_count": "4", "--epoch": "3"} {
		if got, _ := flag(args, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if args[0] != "/venv/bin/python" || !slices.Contains(args, "--continue_train") || !slices.Contains(args, "--no_flip") {
		t.Errorf("args %q", args)
	}
}

func TestTestArgs(t *testing.T) {
	cfg := testConfig()
	cfg.TestSize = 7
	args := TestArgs(cfg, Invocation{Dir: "/r/id", DataRoot: "/d"})
	for name, v := range map[string]string{"--results_dir": "/r/id/official", "--num_test": "7", "--epoch": "latest",
		"--load_size": "256", "--crop_size": "256", "--netG": "resnet_9blocks", "--QS_mode": "global"} {
		if got, _ := flag(args, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if !slices.Contains(args, "test.py") || slices.Contains(args, "--lr") {
		t.Errorf("args %q", args)
	}
}

func TestNetG(t *testing.T) {
	for _, n := range []int{5, 7, 12} {
		if _, err := NetG(n); err == nil || !strings.Contains(err.Error(), "allowed: 6") {
			t.Errorf("n_blocks %d: %v", n, err)
		}
	}
}

func TestSaveEpochFreq(t *testing.T) {
	for _, c := range []struct{ epochs, every, want int }{{400, 0, 5}, {4, 0, 4}, {6, 0, 3}, {7, 0, 1}, {400, 10, 10}} {
		cfg := config.Run{Epochs: c.epochs, EvalEvery: c.every}
		if got := SaveEpochFreq(cfg); got != c.want {
			t.Errorf("%d epochs, eval_every %d: %d, want %d", c.epochs, c.every, got, c.want)
		}
	}
}
