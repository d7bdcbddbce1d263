package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// liveSweep is a sweep of two command runs: each prints a progress line (iteration 7 of
// 50, loss G=1.5), waits for the file go in its folder, and writes its image.
const liveSweep = `[sweep]
name = "live"
repeats = 2

[base]
executor = "command"
command = '''echo '@progress {"iter":7,"total":50,"losses":{"G":1.5}}'; while [ ! -e %[1]s/go ]; do sleep 0.05; done; mkdir -p {run_dir}/out && cp %[1]s/img.png {run_dir}/out/'''
command_out = "{run_dir}/out"
crop_size = 32
load_size = 36
queries = 16
metrics = []
`

// TestLiveStatusFromAnotherProcess runs a real sweep run and, from other processes while
// its runs wait, sees their iteration and losses in sweep list, show and watch; rm refuses a
// running run, and once the sweep is done compare, export and rm work on its results.
func TestLiveStatusFromAnotherProcess(t *testing.T) {
	bin := buildSweep(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	writePNG(t, filepath.Join(dir, "img.png"))
	file := filepath.Join(dir, "live.toml")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(liveSweep, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	sweep := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdin = dir, strings.NewReader("")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ee := (*exec.ExitError)(nil); err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return out.String(), cmd.ProcessState.ExitCode()
	}

	runner := exec.Command(bin, "run", "--devices", "cpu:2", "--db", db, "--runs-dir", filepath.Join(dir, "runs"), file)
	var runOut bytes.Buffer
	runner.Stdout, runner.Stderr = &runOut, &runOut
	if err := runner.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- runner.Wait() }()
	defer func() {
		os.WriteFile(filepath.Join(dir, "go"), nil, 0o644)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			runner.Process.Kill()
			<-done
		}
	}()

	start := time.Now()
	var list string
	for !strings.Contains(list, "running  7/50") || strings.Count(list, "7/50") < 2 {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("sweep list never showed both runs at 7/50:\n%s\nrunner:\n%s", list, runOut.String())
		}
		time.Sleep(100 * time.Millisecond)
		list, _ = sweep("list", "--db", db, "--status", "running")
	}
	t.Logf("both runs' iterations reached sweep list %v after the runner started", time.Since(start).Round(10*time.Millisecond))
	id := strings.Fields(strings.Split(list, "\n")[1])[0]

	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"watch", "--once", "--db", db, "--sweep", "live"}, []string{"7/50", "G=1.5", "0/2 done, 2 running"}},
		{[]string{"show", id, "--db", db}, []string{"progress   7/50", "G=1.5"}},
		{[]string{"list", "--db", db, "--format", "json"}, []string{`"iter": 7`, `"total": 50`}},
	} {
		out, code := sweep(tt.args...)
		for _, w := range tt.want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("sweep %s: exit %d, output lacks %q:\n%s", strings.Join(tt.args, " "), code, w, out)
			}
		}
	}
	if out, code := sweep("rm", "--yes", "--db", db, id); code != 1 || !strings.Contains(out, "is running") {
		t.Errorf("rm of a running run: exit %d, want 1 saying it is running:\n%s", code, out)
	}

	os.WriteFile(filepath.Join(dir, "go"), nil, 0o644)
	if err := <-done; err != nil {
		t.Fatalf("sweep run: %v\n%s", err, runOut.String())
	}
	done <- nil
	if out, _ := sweep("list", "--db", db); strings.Count(out, "completed") != 2 || strings.Contains(out, "7/50") {
		t.Errorf("after the sweep, list:\n%s", out)
	}

	out, code := sweep("export", "--db", db, "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 3 || rows[0][0] != "sweep" || rows[1][0] != "live" {
		t.Errorf("export: exit %d, %v, rows %q", code, err, rows)
	}

	if out, code := sweep("rm", "--db", db, id); code != 2 || !strings.Contains(out, "--yes") {
		t.Errorf("rm without --yes and without a terminal: exit %d, want 2 naming --yes:\n%s", code, out)
	}
	runDir := filepath.Join(dir, "runs")
	before, _ := os.ReadDir(runDir)
	if out, code := sweep("rm", "--yes", "--files", "--db", db, id); code != 0 || !strings.Contains(out, "removed run "+id) {
		t.Errorf("rm --yes --files: exit %d:\n%s", code, out)
	}
	after, _ := os.ReadDir(runDir)
	if len(after) != len(before)-1 {
		t.Errorf("rm --files: %d run directories, want %d", len(after), len(before)-1)
	}
	if out, _ := sweep("list", "--db", db); strings.Count(out, "completed") != 1 {
		t.Errorf("after rm, list:\n%s", out)
	}
	if out, code := sweep("rm", "--yes", "--sweep", "live", "--db", db); code != 0 || !strings.Contains(out, "removed run") {
		t.Errorf("rm --sweep: exit %d:\n%s", code, out)
	}
	if out, _ := sweep("list", "--db", db); strings.Count(out, "\n") != 1 {
		t.Errorf("after rm --sweep, list has runs:\n%s", out)
	}
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, image.NewRGBA(image.Rect(0, 0, 36, 36))); err != nil {
		t.Fatal(err)
	}
}
