package official

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The launcher seeds Python's random with the run's seed (the int64 unchanged), writes a
// provenance line, and runs the script from the checkout with its own argv.
func TestLauncher(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir, code := t.TempDir(), t.TempDir()
	if err := writeLauncher(dir); err != nil {
		t.Fatal(err)
	}
	script := `import os, random, sys
print(repr(random.random()), os.getcwd(), sys.path[0], " ".join(sys.argv), __name__)
`
	os.WriteFile(filepath.Join(code, "train.py"), []byte(script), 0o644)
	run := func(seed string) string {
		out, err := exec.Command("python3", filepath.Join(dir, LauncherFile), "--sweep-seed", seed, "--sweep-code", code,
			"--sweep-provenance", filepath.Join(dir, EnvFile), "train.py", "--name", "x y").CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	a, b, c := run("12345678901234567"), run("12345678901234567"), run("2")
	if a != b || a == c {
		t.Errorf("same seed: %q, %q; other seed: %q", a, b, c)
	}
	if want := " " + code + " " + code + " " + filepath.Join(code, "train.py") + " --name x y __main__"; !strings.HasSuffix(a, want) {
		t.Errorf("script saw %q, want ...%q", a, want)
	}
	lines, _ := os.ReadFile(filepath.Join(dir, EnvFile))
	var info struct {
		Seed   json.Number `json:"seed"`
		Python string      `json:"python"`
	}
	first, _, _ := strings.Cut(string(lines), "\n")
	if err := json.Unmarshal([]byte(first), &info); err != nil || info.Seed != "12345678901234567" || info.Python == "" {
		t.Errorf("provenance %s: %v", lines, err)
	}
	if strings.Count(string(lines), "\n") != 3 {
		t.Errorf("want a provenance line per launch: %s", lines)
	}
}
