package runner_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sweep/internal/testsets"
)

// evil runs touch in the runner's working directory through every shell construct it can.
const evil = "x$(touch p1)`touch p2`'\"; touch p3\ntouch p4 #\" '"

// hostileEnv writes a sweep on a dataset folder and a variant both named with evil, whose
// command is command.
func hostileEnv(t *testing.T, command string) (*env, string) {
	e := &env{t: t, dir: t.TempDir()}
	e.file, e.db = filepath.Join(e.dir, "s.toml"), filepath.Join(e.dir, "s.db")
	data := filepath.Join(e.dir, "datasets", evil)
	if err := testsets.CycleGAN(data, 40, testsets.Splits{TrainA: 1, TrainB: 1, TestA: 1, TestB: 1}, 1); err != nil {
		t.Fatal(err)
	}
	toml := fmt.Sprintf(`[sweep]
name = "test"
[base]
executor = "command"
dataset = %s
command = '''%s'''
crop_size = 32
load_size = 36
queries = 16
metrics = []
[variants.%s]
mode = "global"
[grid]
variant = [%[3]s]
`, strconv.Quote(data), command, strconv.Quote(evil+"v"))
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return e, data
}

func (e *env) noTrap() {
	e.t.Helper()
	if m, _ := filepath.Glob(filepath.Join(e.dir, "p*")); len(m) > 0 {
		e.t.Fatalf("a value ran code: %v", m)
	}
}

// TestHostileValuesAreWords: a dataset path and a variant name holding $(...), backticks,
// quotes, ; and newlines reach the command as single words and run nothing.
func TestHostileValuesAreWords(t *testing.T) {
	e, data := hostileEnv(t, `printf %s {dataset} > {run_dir}/d && printf %s {variant} > {run_dir}/v`)
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	e.noTrap()
	runs := e.runs()
	if len(runs) != 1 {
		t.Fatalf("runs %+v", runs)
	}
	d, _ := os.ReadFile(filepath.Join(runs[0].Dir, "d"))
	v, _ := os.ReadFile(filepath.Join(runs[0].Dir, "v"))
	if string(d) != data || string(v) != evil+"v" {
		t.Errorf("the command got %q and %q", d, v)
	}
}

// TestQuotedPlaceholderRefusesTheSweep: a template that puts a placeholder inside quotes
// (where the shell would run a value's $(...)) is refused before anything runs.
func TestQuotedPlaceholderRefusesTheSweep(t *testing.T) {
	for _, tt := range []struct{ command, want string }{
		{`echo "{dataset}"`, `placeholder {dataset} stands inside double quotes`},
		{`echo '{variant}'`, `placeholder {variant} stands inside single quotes`},
	} {
		e, _ := hostileEnv(t, tt.command)
		out, code := e.sweep()
		if code != 1 || !strings.Contains(out, "s.toml:6: base.command (run ") || !strings.Contains(out, tt.want) {
			t.Errorf("%s: exit %d, want 1 and %q at the template's line:\n%s", tt.command, code, tt.want, out)
		}
		e.noTrap()
		if _, err := os.Stat(e.db); err == nil {
			t.Errorf("%s: the refused sweep wrote a database", tt.command)
		}
	}
}
