package command

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sweep/config"
	"sweep/rundir"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"mode": "global", "queries": "256", "dataset": "/data/my set", "gpu": ""}
	tests := []struct {
		tmpl, want, wantErr string
		quote               bool
	}{
		{tmpl: "train --mode {mode} -q {queries}", want: "train --mode global -q 256", quote: true},
		{tmpl: "--data {dataset} --gpu {gpu}", want: "--data '/data/my set' --gpu ''", quote: true},
		{tmpl: "{dataset}/testB", want: "/data/my set/testB"},
		{tmpl: "echo ${HOME} {mode}", want: "echo ${HOME} global", quote: true},
		{tmpl: "no placeholders", want: "no placeholders"},
		{tmpl: "x {nope} y", wantErr: "unknown placeholder {nope}"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			var q func(string) string
			if tt.quote {
				q = ShellQuote
			}
			got, err := Expand(tt.tmpl, vars, q)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "{queries}") {
					t.Fatalf("err = %v, want %q and the known names", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// The shell must read each quoted value back as exactly one word equal to it.
func TestShellQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"plain", "", "a b", "it's", `"dq" $HOME \ ; | & * ? ~`, "tab\there", "new\nline", "--x=1,2"} {
		out, err := exec.Command("sh", "-c", "printf '%s|' "+ShellQuote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s+"|" {
			t.Errorf("%q came back as %q", s, out)
		}
	}
}

func runDir(t *testing.T, command, out string) (string, config.Run) {
	t.Helper()
	dir := t.TempDir()
	r := config.Default()
	r.CropSize, r.LoadSize, r.Queries = 32, 36, 16
	r.Executor, r.Command, r.CommandOut = "command", command, out
	if err := rundir.WriteJSON(filepath.Join(dir, rundir.ConfigFile), r); err != nil {
		t.Fatal(err)
	}
	return dir, r
}

func TestExecuteCollectsAndScoresImages(t *testing.T) {
	dir, _ := runDir(t, `mkdir -p {run_dir}/o && printf png > {run_dir}/o/1.png && printf x > {run_dir}/o/notes.txt && echo {id} > {run_dir}/id`, "{run_dir}/o")
	var gotDir string
	e := Executor{Evaluate: func(ctx context.Context, run config.Run, fake string) ([]rundir.Metric, error) {
		gotDir = fake
		return []rundir.Metric{{Name: "swd_avg", Value: 1.5}}, nil
	}}
	var phases []string
	if err := e.Execute(context.Background(), dir, func(p rundir.Progress) { phases = append(phases, p.Phase) }); err != nil {
		t.Fatal(err)
	}
	res, ok, err := rundir.ReadResult(dir)
	if !ok || err != nil || len(res.Metrics) != 1 || res.Metrics[0].Value != 1.5 {
		t.Fatalf("result %+v %v %v", res, ok, err)
	}
	fake := filepath.Join(dir, rundir.FakeImagesDir)
	entries, _ := os.ReadDir(fake)
	if gotDir != fake || len(entries) != 1 || entries[0].Name() != "1.png" {
		t.Errorf("evaluated %s holding %v", gotDir, entries)
	}
	id, _ := os.ReadFile(filepath.Join(dir, "id"))
	if strings.TrimSpace(string(id)) != filepath.Base(dir) {
		t.Errorf("{id} = %q", id)
	}
	if len(phases) != 1 || phases[0] != "metrics" {
		t.Errorf("phases %v", phases)
	}
}

func TestExecuteFailures(t *testing.T) {
	tests := []struct {
		name, command, out, wantErr string
	}{
		{"command fails", "exit 4", "", "exit status 4"},
		{"no images", "mkdir -p {run_dir}/o", "{run_dir}/o", "holds no"},
		{"missing output folder", "true", "{run_dir}/none", "command_out"},
		{"unknown placeholder in command_out", "true", "{run_dir}/{where}", "command_out: unknown placeholder {where}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := runDir(t, tt.command, tt.out)
			err := Executor{}.Execute(context.Background(), dir, func(rundir.Progress) {})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if _, ok, _ := rundir.ReadResult(dir); ok {
				t.Error("a failed command left a result.json")
			}
		})
	}
}

func TestExecuteCancelled(t *testing.T) {
	dir, _ := runDir(t, "exec sleep 30", "") // exec: no grandchild outlives the kill
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	// Nothing here signals the shell (the runner signals the process group), so the command
	// is killed after the grace period; shorten it.
	old := stopGrace
	stopGrace = 200 * time.Millisecond
	defer func() { stopGrace = old }()
	err := Executor{}.Execute(ctx, dir, func(rundir.Progress) {})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
