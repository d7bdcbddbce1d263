package runner_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/config"
	"sweep/runner"
)

// bigSeed is above 2^53: a float64 would round it to ...568.
const bigSeed = 12345678901234567

func TestValuesKeepNumbersExact(t *testing.T) {
	r := config.Default()
	r.Seed, r.DataSeed = bigSeed, -bigSeed
	v := runner.Values(r)
	if v["seed"] != "12345678901234567" || v["data_seed"] != "-12345678901234567" {
		t.Errorf("seed %q data_seed %q", v["seed"], v["data_seed"])
	}
	if want := fmt.Sprint(r.LR); v["lr"] != want {
		t.Errorf("lr %q, want %q", v["lr"], want)
	}
}

// TestBigSeedReachesTheCommand: a seed above 2^53 reaches the command's {seed} unchanged.
func TestBigSeedReachesTheCommand(t *testing.T) {
	e := newEnv(t, 1, `echo {seed} > {run_dir}/seed; `+produce)
	b, err := os.ReadFile(e.file)
	if err != nil {
		t.Fatal(err)
	}
	toml := strings.Replace(string(b), "[base]\n", fmt.Sprintf("[base]\nseed = %d\n", int64(bigSeed)), 1)
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	runs := e.runs()
	if len(runs) != 1 {
		t.Fatalf("runs %+v", runs)
	}
	got, _ := os.ReadFile(filepath.Join(runs[0].Dir, "seed"))
	if strings.TrimSpace(string(got)) != "12345678901234567" {
		t.Errorf("the command got seed %q, want 12345678901234567", got)
	}
}
