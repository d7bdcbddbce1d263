package evaluate

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sweep/config"
	"sweep/rundir"
	"sweep/vocab"
)

// Checkpoint file names inside a run directory's checkpoint folder.
const (
	// LatestFile is the training state after the last finished epoch: the resume point, and
	// the final generator once training is done.
	LatestFile = "latest.safetensors"
	epochGlob  = "epoch_*.safetensors"
)

// EpochFile is the name of the kept generator of epoch e (eval_every), in the checkpoint folder.
func EpochFile(e int) string { return fmt.Sprintf("epoch_%04d.safetensors", e) }

// EpochFakesDir is where the test set translated by epoch e's kept generator goes, relative
// to the run directory. The final generator's translations stay in rundir.FakeImagesDir.
func EpochFakesDir(e int) string {
	return filepath.Join("images", fmt.Sprintf("epoch_%04d", e), "fake")
}

// Checkpoint is one generator of a run that metrics score.
type Checkpoint struct {
	Epoch   int    // epochs trained (0: a given generator, config checkpoint, not trained here)
	Step    int    // training iterations done (0 where unknown: a given generator, an external trainer)
	Weights string // the generator's weights; "" when the run left only images (command executor)
	Fakes   string // folder of the translated test set
	Final   bool   // the run's last checkpoint
}

// Checkpoints lists the generators of the run in dir, oldest first: with all, every kept
// intermediate one (eval_every) before the final one; otherwise the final one only.
func Checkpoints(dir string, cfg config.Run, all bool) ([]Checkpoint, error) {
	if cfg.Executor == vocab.ExecutorOfficial {
		ipe, err := OfficialItersPerEpoch(cfg)
		if err != nil {
			return nil, err
		}
		return OfficialCheckpoints(dir, cfg, ipe, all)
	}
	final, err := finalCheckpoint(dir, cfg)
	if err != nil || !all || cfg.Executor != vocab.ExecutorBuiltin || cfg.Checkpoint != "" {
		return []Checkpoint{final}, err
	}
	kept, err := keptCheckpoints(dir, final.Epoch)
	return append(kept, final), err
}

// finalCheckpoint is a run's last generator: a given one, an external trainer's images (at
// the configured schedule's end), or the trained latest.safetensors.
func finalCheckpoint(dir string, cfg config.Run) (Checkpoint, error) {
	ck := Checkpoint{Fakes: filepath.Join(dir, rundir.FakeImagesDir), Final: true}
	switch {
	case cfg.Checkpoint != "":
		ck.Weights = cfg.Checkpoint
		return ck, nil
	case cfg.Executor == vocab.ExecutorCommand:
		ck.Epoch = cfg.Epochs + cfg.EpochsDecay
		return ck, nil
	}
	ck.Weights = filepath.Join(dir, rundir.CheckpointDir, LatestFile)
	var err error
	ck.Epoch, ck.Step, err = trainedAt(ck.Weights)
	return ck, err
}

// keptCheckpoints lists the kept epoch_NNNN generators before epoch final, sorted by epoch.
func keptCheckpoints(dir string, final int) ([]Checkpoint, error) {
	paths, err := filepath.Glob(filepath.Join(dir, rundir.CheckpointDir, epochGlob))
	if err != nil {
		return nil, err
	}
	var out []Checkpoint
	for _, p := range paths {
		e, s, err := trainedAt(p)
		if err != nil {
			return nil, err
		}
		if e < final {
			out = append(out, Checkpoint{Epoch: e, Step: s, Weights: p, Fakes: filepath.Join(dir, EpochFakesDir(e))})
		}
	}
	slices.SortFunc(out, func(a, b Checkpoint) int { return a.Epoch - b.Epoch })
	return out, nil
}

// trainedAt reads the epoch and iteration a training checkpoint was taken at.
func trainedAt(path string) (epoch, step int, err error) {
	meta, err := ReadMetadata(path)
	if err != nil {
		return 0, 0, err
	}
	if epoch, err = strconv.Atoi(meta["epoch"]); err != nil {
		return 0, 0, fmt.Errorf("%s: metadata epoch %q: %w", path, meta["epoch"], err)
	}
	if step, err = strconv.Atoi(meta["iter"]); err != nil {
		return 0, 0, fmt.Errorf("%s: metadata iter %q: %w", path, meta["iter"], err)
	}
	return epoch, step, nil
}

// maxHeader bounds a safetensors header read for its metadata.
const maxHeader = 100 << 20

// ReadMetadata reads a safetensors file's __metadata__ from its header alone, without
// reading the tensors.
func ReadMetadata(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var n uint64
	if err := binary.Read(f, binary.LittleEndian, &n); err != nil {
		return nil, fmt.Errorf("%s: not a safetensors file: %w", path, err)
	}
	if n > maxHeader {
		return nil, fmt.Errorf("%s: not a safetensors file: header of %d bytes", path, n)
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	var h struct {
		Meta map[string]string `json:"__metadata__"`
	}
	if err := json.Unmarshal([]byte(strings.TrimRight(string(head), " ")), &h); err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	return h.Meta, nil
}
