package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sweep/config"
)

// cliCases holds, for every command, a call with a usage error besides an unknown flag
// (nil: the command has no other) and a call that fails at run time with its exit status.
// Paths are relative to an empty folder.
var cliCases = map[string]struct {
	usage   []string
	runtime []string
	exit    int
}{
	"list":      {[]string{"extra"}, []string{"--db", "absent.db"}, 1},
	"show":      {[]string{"--format", "json"}, []string{"abc", "--db", "absent.db"}, 1},
	"run":       {[]string{"a.toml", "b.toml"}, []string{"absent.toml", "--db", "s.db"}, 1},
	"eval":      {[]string{"--sweep", "s", "r1"}, []string{"--db", "s.db", "--sweep", "nope"}, 1},
	"check":     {[]string{"--db", "absent.db"}, []string{"--baseline", "absent.toml", "--db", "absent.db"}, 2},
	"baseline":  {[]string{"write"}, []string{"write", "b.toml", "--db", "absent.db"}, 1},
	"metrics":   {[]string{"lpips", "--real", "r", "--fake", "f"}, []string{"--real", "absent", "swd", "--fake", "absent"}, 1},
	"translate": {[]string{"--in", "a", "--out", "b"}, []string{"--checkpoint", "absent.pth", "--in", "a", "--out", "b"}, 1},
	"bench":     {[]string{"extra"}, []string{"--crop", "3", "--iters", "1", "--warmup", "0"}, 1},
	"exec":      {[]string{}, []string{"absent"}, 1},
	"report":    {[]string{"extra"}, []string{"--db", "absent.db"}, 1},
	"export":    {[]string{"--format", "xlsx"}, []string{"--db", "absent.db"}, 1},
	"compare":   {[]string{"a"}, []string{"a", "b", "--db", "absent.db"}, 1},
	"rm":        {[]string{"--yes"}, []string{"abc", "--yes", "--db", "absent.db"}, 1},
	"watch":     {[]string{"extra"}, []string{"--once", "--db", "absent.db"}, 1},
}

// TestCLIConventions runs the built program: for every command -h and --help exit 0 and
// print the synopsis, every positional argument and every flag of its flag set; an unknown
// flag and a wrong argument list exit 2; a runtime error exits with its status.
func TestCLIConventions(t *testing.T) {
	bin := buildSweep(t)
	for name, cmd := range commands {
		t.Run(name, func(t *testing.T) {
			tc, ok := cliCases[name]
			if !ok {
				t.Fatalf("no cliCases entry for %s", name)
			}
			f := newFlags("sweep " + name)
			cmd.setup(f)
			for _, h := range []string{"-h", "--help"} {
				out, code := runCLI(t, bin, name, h)
				if code != 0 {
					t.Errorf("%s %s: exit %d, want 0\n%s", name, h, code, out)
				}
				want := []string{"usage: sweep " + name}
				for _, a := range f.args {
					want = append(want, "\n  "+a.name+"\n")
				}
				f.VisitAll(func(fl *flag.Flag) { want = append(want, "\n  --"+fl.Name) })
				for _, w := range want {
					if !strings.Contains(out, w) {
						t.Errorf("%s %s: help lacks %q:\n%s", name, h, w, out)
					}
				}
			}
			usage := [][]string{{"--no-such-flag"}}
			if tc.usage != nil {
				usage = append(usage, tc.usage)
			}
			for _, args := range usage {
				if out, code := runCLI(t, bin, name, args...); code != 2 || !strings.Contains(out, "usage: sweep "+name) {
					t.Errorf("%s %q: exit %d, want 2 with the usage line\n%s", name, args, code, out)
				}
			}
			if out, code := runCLI(t, bin, name, tc.runtime...); code != tc.exit || strings.Contains(out, "usage:") {
				t.Errorf("%s %q: exit %d, want %d without the usage\n%s", name, tc.runtime, code, tc.exit, out)
			}
		})
	}
}

// runCLI runs sweep name args in an empty folder and returns its output and exit status.
func runCLI(t *testing.T, bin, name string, args ...string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin, append([]string{name}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SWEEP_DB=", "SWEEP_CACHE="+filepath.Join(dir, "cache"), "SWEEP_NO_DOWNLOAD=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), 0
}

// TestParseInterleaved: flags before, between and after positional arguments; "--" ends
// the flags.
func TestParseInterleaved(t *testing.T) {
	for _, tt := range []struct {
		args []string
		pos  string
		db   string
	}{
		{[]string{"a", "--db", "x", "b"}, "a b", "x"},
		{[]string{"--db=x", "a", "b"}, "a b", "x"},
		{[]string{"a", "b", "--db", "x"}, "a b", "x"},
		{[]string{"a", "--", "--db", "x"}, "a --db x", "d"},
	} {
		f := newFlags("sweep t")
		f.nargs(0, -1)
		var db string
		f.StringVar(&db, "db", "d", "")
		pos, err := f.parse(tt.args)
		if err != nil || strings.Join(pos, " ") != tt.pos || db != tt.db {
			t.Errorf("%q: %q db %q (%v), want %q db %q", tt.args, pos, db, err, tt.pos, tt.db)
		}
	}
}

// TestVersion: sweep --version prints the VCS revision and modified flag the toolchain
// stamped into the program (as go version -m reads them) and the matrix-product backend.
func TestVersion(t *testing.T) {
	bin := buildSweep(t)
	meta, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	var rev string
	modified := false
	for _, line := range strings.Split(string(meta), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "build\tvcs.revision="); ok {
			rev = v
		}
		if strings.TrimSpace(line) == "build\tvcs.modified=true" {
			modified = true
		}
	}
	if rev == "" {
		t.Skip("the build recorded no VCS revision (not built in a git work tree)")
	}
	for _, arg := range []string{"--version", "version"} {
		out, code := runCLI(t, bin, arg)
		if code != 0 || !strings.HasPrefix(out, "sweep ") || !strings.Contains(out, "revision "+rev) ||
			strings.Contains(out, "(modified)") != modified || !strings.Contains(out, "backend "+config.Backend) {
			t.Errorf("sweep %s: exit %d, want 0 and revision %s (modified %v), backend %s:\n%s", arg, code, rev, modified, config.Backend, out)
		}
	}
}
