package preflight

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"sweep/config"
	"sweep/runner/official"
	"sweep/vocab"
)

// officialRun checks what the official executor needs at planning: a checkout with train.py
// and test.py, a Python interpreter, and settings the official code has.
func officialRun(cfg config.Run) []problem {
	if cfg.Executor != vocab.ExecutorOfficial {
		return nil
	}
	var ps []problem
	ps = append(ps, officialCode(cfg.OfficialCode)...)
	if _, err := official.NetG(cfg.NBlocks); err != nil {
		ps = append(ps, problem{"n_blocks", err.Error()})
	}
	if cfg.AttnLayers != vocab.LayersLast2 {
		ps = append(ps, problem{"attn_layers", fmt.Sprintf("attn_layers %q is not in the official code, which attends on its own layers; use last2 or executor \"builtin\"", cfg.AttnLayers)})
	}
	if cfg.Checkpoint != "" {
		ps = append(ps, problem{"checkpoint", "executor \"official\" trains; to score a given generator use executor \"builtin\" with checkpoint"})
	}
	if total := cfg.Epochs + cfg.EpochsDecay; cfg.EvalEvery > 0 && total%cfg.EvalEvery != 0 {
		ps = append(ps, problem{"eval_every", fmt.Sprintf("eval_every %d does not divide the %d epochs: the official code saves only every --save_epoch_freq epochs and would never save the last one", cfg.EvalEvery, total)})
	}
	if _, err := exec.LookPath(official.Python()); err != nil {
		ps = append(ps, problem{"executor", fmt.Sprintf("executor \"official\" needs Python (python3 on PATH, or $SWEEP_PYTHON): %v", err)})
	}
	return append(ps, officialTestSplit(cfg)...)
}

// officialCode checks that the checkout is a folder holding train.py and test.py.
func officialCode(code string) []problem {
	st, err := os.Stat(code)
	switch {
	case err != nil:
		return []problem{{"official_code", fmt.Sprintf("the official code checkout %s cannot be read: %v", code, err)}}
	case !st.IsDir():
		return []problem{{"official_code", fmt.Sprintf("the official code checkout %s is not a folder", code)}}
	}
	var ps []problem
	for _, script := range []string{"train.py", "test.py"} {
		if msg := readableFile(filepath.Join(code, script)); msg != "" {
			ps = append(ps, problem{"official_code", fmt.Sprintf("%s is not a checkout of the official code: %s %s", code, script, msg)})
		}
	}
	return ps
}

// officialTestSplit refuses a folder dataset without testA/testB: the official test.py reads
// those (sweep's own evaluation would take valA/valB instead).
func officialTestSplit(cfg config.Run) []problem {
	if isBuiltin(cfg.Dataset) {
		return nil
	}
	split := "testA"
	if cfg.Direction == "BtoA" {
		split = "testB"
	}
	if st, err := os.Stat(filepath.Join(cfg.Dataset, split)); err == nil && st.IsDir() {
		return nil
	}
	return []problem{{"dataset", fmt.Sprintf("the official test.py reads %s, which dataset %s lacks", split, cfg.Dataset)}}
}
