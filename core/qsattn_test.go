package core

import (
	"testing"

	"sweep/vocab"
)

// Every mode that attends has a selection strategy, and only those: adding a mode to vocab
// without implementing it fails here, not in a run.
func TestEveryModeHasAStrategy(t *testing.T) {
	for _, m := range vocab.Modes() {
		if _, ok := strategies[m]; ok != m.Attends() {
			t.Errorf("mode %q: has a strategy %v, attends %v", m, ok, m.Attends())
		}
	}
	if len(strategies) != len(vocab.Modes())-1 {
		t.Errorf("%d strategies for %d modes that attend", len(strategies), len(vocab.Modes())-1)
	}
}
