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
	err := Executor{StopGrace: 200 * time.Millisecond}.Execute(ctx, dir, func(rundir.Progress) {})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestExpandRefusesQuotedPlaceholders(t *testing.T) {
	vars := map[string]string{"mode": "global", "dataset": "/d"}
	for _, tt := range []struct{ tmpl, want string }{
		{`echo "{dataset}"`, "{dataset} stands inside double quotes"},
		{`echo '{mode}'`, "{mode} stands inside single quotes"},
		{`echo "$(ls {dataset})"`, "{dataset} stands inside double quotes"},
		{`echo "a"{mode}'b' \"{dataset}\" '"' {mode}`, ""},
		{`echo "it's" {mode}`, ""},
	} {
		for _, quote := range []func(string) string{ShellQuote, nil} {
			_, err := Expand(tt.tmpl, vars, quote)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("%s: err = %v, want %q", tt.tmpl, err, tt.want)
			}
		}
	}
}

// hostile is a value that runs touch in dir through every shell construct it can.
func hostile(dir string) string {
	return strings.NewReplacer("D", dir).Replace("x$(touch D/p1)`touch D/p2`'\"; touch D/p3\ntouch D/p4 #\" '")
}

// TestHostileValuesRunNothing: values holding $(...), backticks, quotes, ; and newlines
// reach the command as plain words, and a template that quotes a placeholder is refused.
func TestHostileValuesRunNothing(t *testing.T) {
	trap := t.TempDir()
	for _, tt := range []struct{ name, command, wantErr string }{
		{"unquoted", `printf %s {dataset} > {run_dir}/d && printf %s {variant} > {run_dir}/v`, ""},
		{"double-quoted", `printf %s "{dataset}" > {run_dir}/d`, "placeholder {dataset} stands inside double quotes"},
		{"single-quoted", `printf %s '{variant}' > {run_dir}/v`, "placeholder {variant} stands inside single quotes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, r := runDir(t, tt.command, "")
			r.Dataset, r.Variant = hostile(trap), hostile(trap)+"v"
			if err := rundir.WriteJSON(filepath.Join(dir, rundir.ConfigFile), r); err != nil {
				t.Fatal(err)
			}
			err := Executor{}.Execute(context.Background(), dir, func(rundir.Progress) {})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if m, _ := filepath.Glob(filepath.Join(trap, "p*")); len(m) > 0 {
				t.Fatalf("a value ran code: %v", m)
			}
			if tt.wantErr == "" {
				d, _ := os.ReadFile(filepath.Join(dir, "d"))
				v, _ := os.ReadFile(filepath.Join(dir, "v"))
				if string(d) != r.Dataset || string(v) != r.Variant {
					t.Errorf("the command got %q and %q, want %q and %q", d, v, r.Dataset, r.Variant)
				}
			}
		})
	}
}
