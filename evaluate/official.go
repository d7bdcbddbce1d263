package evaluate

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sweep/config"
	"sweep/data"
	"sweep/rundir"
)

// OfficialLatestG is the official trainer's newest generator, in OfficialCheckpointDir.
const OfficialLatestG = "latest_net_G.pth"

// officialEpochG matches the official trainer's generator of one epoch, "<epoch>_net_G.pth".
var officialEpochG = regexp.MustCompile(`^([0-9]+)_net_G\.pth$`)

// OfficialCheckpointDir is where the official trainer (--checkpoints_dir RUNDIR/checkpoints,
// --name ID) saves the networks of the run in dir; the run directory is named by its ID.
func OfficialCheckpointDir(dir string) string {
	return filepath.Join(dir, "checkpoints", filepath.Base(filepath.Clean(dir)))
}

// OfficialItersPerEpoch is the iterations of one official epoch at batch size 1: the larger
// training domain's image count, as the official unaligned dataset's length (train_size for
// a built-in dataset, which is not generated for this).
func OfficialItersPerEpoch(cfg config.Run) (int, error) {
	if strings.HasPrefix(cfg.Dataset, "builtin:") {
		return cfg.TrainSize, nil
	}
	root, err := data.Prepare(cfg, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, split := range []string{"trainA", "trainB"} {
		files, err := data.ListImages(filepath.Join(root, split))
		if err != nil {
			return 0, err
		}
		n = max(n, len(files))
	}
	if n == 0 {
		return 0, fmt.Errorf("dataset %s has no training images", root)
	}
	return n, nil
}

// OfficialEpochs lists the epochs the official trainer saved a generator of in ckDir, sorted.
func OfficialEpochs(ckDir string) ([]int, error) {
	entries, err := os.ReadDir(ckDir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var epochs []int
	for _, e := range entries {
		if m := officialEpochG.FindStringSubmatch(e.Name()); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				epochs = append(epochs, n)
			}
		}
	}
	slices.Sort(epochs)
	return epochs, nil
}

// OfficialCheckpoints lists the generators of an official-executor run in dir, oldest first:
// with all and eval_every set, every saved <epoch>_net_G.pth before the last epoch, then the
// final latest_net_G.pth at the schedule's end. Steps are epochs × itersPerEpoch. Their
// translations go where a built-in run's go (EpochFakesDir, images/fake).
func OfficialCheckpoints(dir string, cfg config.Run, itersPerEpoch int, all bool) ([]Checkpoint, error) {
	ckDir := OfficialCheckpointDir(dir)
	total := cfg.Epochs + cfg.EpochsDecay
	final := Checkpoint{Epoch: total, Step: total * itersPerEpoch, Weights: filepath.Join(ckDir, OfficialLatestG),
		Fakes: filepath.Join(dir, rundir.FakeImagesDir), Final: true}
	if !all || cfg.EvalEvery == 0 {
		return []Checkpoint{final}, nil
	}
	epochs, err := OfficialEpochs(ckDir)
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	for _, e := range epochs {
		if e < total && e%cfg.EvalEvery == 0 {
			out = append(out, Checkpoint{Epoch: e, Step: e * itersPerEpoch,
				Weights: filepath.Join(ckDir, fmt.Sprintf("%d_net_G.pth", e)), Fakes: filepath.Join(dir, EpochFakesDir(e))})
		}
	}
	return append(out, final), nil
}
