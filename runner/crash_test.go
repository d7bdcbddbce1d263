package runner_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sweep/vocab"
)

// TestOutOfMemoryIsSaidPlainly: a built-in run too large for the memory it may use (here a
// 4 GB address-space limit on the whole sweep) fails with "out of memory" as its error, not
// with the last line of the runtime's stack dump.
func TestOutOfMemoryIsSaidPlainly(t *testing.T) {
	e := &env{t: t, dir: t.TempDir()}
	e.file, e.db = filepath.Join(e.dir, "oom.toml"), filepath.Join(e.dir, "s.db")
	toml := `[sweep]
name = "test"
[base]
dataset = "builtin:zebra"
train_size = 2
test_size = 1
crop_size = 512
load_size = 512
ngf = 1024
ndf = 8
n_blocks = 5
netf_nc = 8
queries = 8
n_epochs = 1
n_epochs_decay = 0
metrics = []
`
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", `ulimit -v 4000000 && exec "$0" run --db "$1" --runs-dir "$2" "$3"`,
		sweepBin, e.db, filepath.Join(e.dir, "runs"), e.file)
	cmd.Env = append(os.Environ(), "SWEEP_CACHE="+filepath.Join(e.dir, "cache"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err == nil {
		t.Fatalf("the run did not fail:\n%s", out.String())
	}
	runs := e.runs()
	if len(runs) != 1 || runs[0].Status != vocab.StatusFailed || !strings.Contains(runs[0].Error, "out of memory: the run needs more memory") {
		t.Fatalf("runs %+v, want one failed with out of memory:\n%s", runs, out.String())
	}
}
