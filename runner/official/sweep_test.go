package official_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/internal/fixtures"
	"sweep/internal/sweeptest"
	"sweep/results"
	"sweep/vocab"
)

// sweepBin is the sweep program built for these tests; the runner starts it as its children.
var sweepBin string

func TestMain(m *testing.M) { sweeptest.Main(m, &sweepBin) }

// env is one test's sweep of official runs of the stand-in trainer (testdata/code).
type env struct {
	t    *testing.T
	dir  string
	file string
	db   string
	vars []string
}

// newEnv writes a sweep of 4 epochs (eval_every 1) on a small built-in dataset; set
// replaces or adds [base] lines ("key = value"), and tables follow [base].
func newEnv(t *testing.T, set map[string]string, tables string) *env {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	code, err := filepath.Abs("testdata/code")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: t.TempDir()}
	e.file, e.db = filepath.Join(e.dir, "s.toml"), filepath.Join(e.dir, "s.db")
	toml := fmt.Sprintf(`[sweep]
name = "test"

[base]
executor = "official"
official_code = %q
dataset = "builtin:zebra"
train_size = 3
test_size = 2
crop_size = 32
load_size = 36
ngf = 8
ndf = 8
n_blocks = 9
queries = 16
netf_nc = 16
n_epochs = 2
n_epochs_decay = 2
eval_every = 1
metrics = ["swd"]
`, code)
	for k, v := range set {
		line := regexp.MustCompile(`(?m)^` + k + ` = .*$`)
		if line.MatchString(toml) {
			toml = line.ReplaceAllLiteralString(toml, k+" = "+v)
		} else {
			toml += k + " = " + v + "\n"
		}
	}
	toml += tables
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := filepath.Abs(fixtures.Dir(t, "pretrained", "global_latest_net_G.pth"))
	if err != nil {
		t.Fatal(err)
	}
	e.vars = []string{"STANDIN_NET_G=" + g, "SWEEP_CACHE=" + filepath.Join(e.dir, "cache"), "SWEEP_NO_DOWNLOAD=1", "STANDIN_SLEEP=0.05"}
	return e
}

func (e *env) command(args ...string) *exec.Cmd {
	args = append([]string{"run", "--devices", "cpu:1", "--db", e.db, "--runs-dir", filepath.Join(e.dir, "runs")}, args...)
	cmd := exec.Command(sweepBin, append(args, e.file)...)
	cmd.Dir = e.dir
	cmd.Env = append(os.Environ(), e.vars...)
	return cmd
}

// sweep runs "sweep run" to its end and returns its output and exit status.
func (e *env) sweep(args ...string) (string, int) {
	e.t.Helper()
	cmd := e.command(args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		e.t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

func (e *env) runs() []results.Run {
	e.t.Helper()
	s, err := results.Open(e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.ListRuns("test")
	if err != nil {
		e.t.Fatal(err)
	}
	return runs
}

func (e *env) store() *results.Store {
	e.t.Helper()
	s, err := results.Open(e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// standin reads a file the stand-in trainer wrote in its checkpoint folder.
func standin(t *testing.T, run results.Run, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(run.Dir, "checkpoints", run.ID, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A run trains with the stand-in, its losses reach the database at global iterations, and
// every saved epoch is scored with sweep's metrics.
func TestOfficialRun(t *testing.T) {
	e := newEnv(t, nil, "")
	out, code := e.sweep()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	runs := e.runs()
	if len(runs) != 1 || runs[0].Status != vocab.StatusCompleted {
		t.Fatalf("runs %+v\n%s", runs, out)
	}
	r := runs[0]
	losses, err := e.store().Losses(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	iters := map[int]bool{}
	for _, l := range losses {
		iters[l.Iter] = true
		if l.Name == "NCE_X" && (l.Value < 0 || l.Value > 1) {
			t.Errorf("loss %+v", l)
		}
	}
	if len(iters) != 12 || !iters[1] || !iters[12] { // print_freq 1, 3 images a domain, 4 epochs
		t.Errorf("loss iterations %v", iters)
	}
	ms, err := e.store().Metrics(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	epochs := map[int]int{}
	for _, m := range ms {
		if m.Name == "swd_avg" {
			epochs[m.Epoch] = m.Step
		}
	}
	if want := map[int]int{1: 3, 2: 6, 3: 9, 4: 12}; fmt.Sprint(epochs) != fmt.Sprint(want) {
		t.Errorf("swd_avg at epoch:step %v, want %v", epochs, want)
	}
	for _, p := range []string{"official/" + r.ID + "/test_latest/images/fake_B", "images/fake", "images/epoch_0002/fake", "official.json", "official_env.jsonl"} {
		if _, err := os.Stat(filepath.Join(r.Dir, p)); err != nil {
			t.Errorf("missing: %v", err)
		}
	}
	if starts := standin(t, r, "standin_starts.txt"); !strings.Contains(starts, "epoch_count=1 continue=False") || !strings.Contains(starts, "gpu_ids=-1") {
		t.Errorf("started as %s", starts)
	}
}

// A runner killed mid-training leaves the saved epochs; the next "sweep run" continues from
// the last of them, and the losses of the discarded epochs are not kept twice.
func TestResumeAfterKill(t *testing.T) {
	e := newEnv(t, nil, "")
	e.vars = append(e.vars, "STANDIN_SLEEP=1")
	cmd := e.command()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Epoch 3's first loss line comes after epoch 2's networks were all written; the file
	// 2_net_D.pth alone may still be half copied, and then resuming from epoch 1 is right.
	saved := func() bool {
		m, _ := filepath.Glob(filepath.Join(e.dir, "runs", "*", "checkpoints", "*", "loss_log.txt"))
		if len(m) != 1 {
			return false
		}
		b, _ := os.ReadFile(m[0])
		return bytes.Contains(b, []byte("(epoch: 3,"))
	}
	for deadline := time.Now().Add(60 * time.Second); !saved(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("epoch 2 never saved:\n%s", out.String())
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	time.Sleep(500 * time.Millisecond) // the kernel kills the child and the trainer after it
	e.vars[len(e.vars)-1] = "STANDIN_SLEEP=0.05"
	if o, code := e.sweep(); code != 0 {
		t.Fatalf("resume: exit %d:\n%s", code, o)
	}
	r := e.runs()[0]
	if r.Status != vocab.StatusCompleted {
		t.Fatalf("run %+v", r)
	}
	starts := strings.Split(strings.TrimSpace(standin(t, r, "standin_starts.txt")), "\n")
	if len(starts) != 2 || !strings.HasPrefix(starts[1], "epoch_count=3 continue=True epoch=2 ") {
		t.Errorf("starts:\n%s", strings.Join(starts, "\n"))
	}
	b, _ := os.ReadFile(filepath.Join(r.Dir, "losses.jsonl"))
	if n := strings.Count(string(b), "\n"); n != 12 {
		t.Errorf("losses.jsonl has %d lines, want 12 (one per iteration):\n%s", n, b)
	}
}

// Runs with one seed draw the same numbers in the trainer; another seed draws others. The
// seed reaches the launcher's command line as written.
func TestSeeds(t *testing.T) {
	e := newEnv(t, map[string]string{"n_epochs": "1", "n_epochs_decay": "0", "eval_every": "0", "seed": "12345678901234567"}, `
[grid]
lambda_gan = [1.0, 2.0]

[[include]]
seed = 7
`)
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	draws := map[string][]string{}
	for _, r := range e.runs() {
		draws[fmt.Sprint(r.Config.Seed)] = append(draws[fmt.Sprint(r.Config.Seed)], standin(t, r, "random.txt"))
		if args := standin(t, r, "standin_starts.txt"); !strings.Contains(args, "--n_epochs 1") {
			t.Errorf("args %s", args)
		}
		prov, _ := os.ReadFile(filepath.Join(r.Dir, "official.json"))
		if !strings.Contains(string(prov), fmt.Sprintf(`"%d"`, r.Config.Seed)) {
			t.Errorf("official.json lacks the seed %d:\n%s", r.Config.Seed, prov)
		}
	}
	same, other := draws["12345678901234567"], draws["7"]
	if len(same) != 2 || same[0] != same[1] || len(other) != 1 || other[0] == same[0] {
		t.Errorf("draws %v", draws)
	}
}

// --dry-run prints each official run's two command lines, the seed unchanged.
func TestDryRunCommands(t *testing.T) {
	e := newEnv(t, map[string]string{"seed": "12345678901234567"}, "")
	out, code := e.sweep("--dry-run")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"--sweep-seed 12345678901234567", "train.py --dataroot", "test.py --dataroot", "--netG resnet_9blocks", "--save_epoch_freq 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, "runs")); err == nil {
		t.Error("the dry run wrote a run directory")
	}
}
