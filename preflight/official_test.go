package preflight

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/config"
)

func TestOfficialRun(t *testing.T) {
	code := t.TempDir()
	os.WriteFile(filepath.Join(code, "train.py"), []byte("pass\n"), 0o644)
	cfg := config.Default()
	cfg.Executor, cfg.OfficialCode = "official", code
	cfg.Epochs, cfg.EpochsDecay = 3, 3
	if ps := officialRun(cfg); len(ps) != 1 || ps[0].key != "official_code" || !strings.Contains(ps[0].msg, "test.py") {
		t.Fatalf("without test.py: %+v", ps)
	}
	os.WriteFile(filepath.Join(code, "test.py"), []byte("pass\n"), 0o644)
	if ps := officialRun(cfg); len(ps) != 0 {
		t.Fatalf("a good run refused: %+v", ps)
	}
	cfg.NBlocks, cfg.AttnLayers, cfg.EvalEvery, cfg.Checkpoint = 5, "all", 4, "g.pth"
	cfg.Dataset = t.TempDir()
	keys := map[string]bool{}
	for _, p := range officialRun(cfg) {
		keys[p.key] = true
	}
	for _, k := range []string{"n_blocks", "attn_layers", "eval_every", "checkpoint", "dataset"} {
		if !keys[k] {
			t.Errorf("no problem at %s: %v", k, keys)
		}
	}
	cfg.OfficialCode = filepath.Join(code, "nope")
	if ps := officialCode(cfg.OfficialCode); len(ps) != 1 || !strings.Contains(ps[0].msg, "cannot be read") {
		t.Errorf("missing checkout: %+v", ps)
	}
	cfg.Executor = "builtin"
	if ps := officialRun(cfg); ps != nil {
		t.Errorf("builtin run checked: %+v", ps)
	}
}
