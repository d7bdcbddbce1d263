package childproc

import (
	"errors"
	"os/exec"
	"testing"
)

func TestInterrupted(t *testing.T) {
	for _, tt := range []struct {
		script string
		want   bool
	}{{"kill -INT $$", true}, {"kill -TERM $$", true}, {"exit 1", false}, {"kill -KILL $$", false}, {"true", false}} {
		err := Run(exec.Command("sh", "-c", tt.script))
		if got := Interrupted(err); got != tt.want {
			t.Errorf("%s: Interrupted(%v) = %v, want %v", tt.script, err, got, tt.want)
		}
	}
	if Interrupted(errors.New("not an exit")) {
		t.Error("a plain error counted as an interrupt")
	}
}
