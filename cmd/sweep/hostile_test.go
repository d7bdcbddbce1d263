package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"sweep/internal/sweeptest"
	"sweep/results"
)

// The hostile corpus: each folder of testdata/hostile is one bad input and the CLI call that
// meets it. args holds the arguments (run in a copy of the folder), want the lines its error
// output must contain; db.sql is executed into a new sweep.db before the call, rows.sql into
// a sweep.db of the current schema. Every case must exit non-zero within hostileTimeout,
// under a hostileMemory address-space limit, without panic text, writing only inside its
// copy, and leave a database it was given intact.
const (
	hostileTimeout = 60 * time.Second
	hostileMemory  = 3 << 20 // KiB for ulimit -v: 3 GiB
)

func TestHostileCorpus(t *testing.T) {
	bin := buildSweep(t)
	cases, err := filepath.Glob(filepath.Join("testdata", "hostile", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no hostile cases: %v", err)
	}
	for _, src := range cases {
		t.Run(filepath.Base(src), func(t *testing.T) {
			before := snapshot(t, src)
			dir := copyCase(t, src)
			db := prepareDB(t, src, dir)
			out, code := runHostile(t, bin, dir, readLines(t, filepath.Join(src, "args"))[0])
			checkRefused(t, dir, out, code, readLines(t, filepath.Join(src, "want")))
			if db != nil {
				checkDBIntact(t, filepath.Join(dir, "sweep.db"), db)
			}
			if after := snapshot(t, src); after != before {
				t.Errorf("the corpus folder changed")
			}
		})
	}
}

func buildSweep(t *testing.T) string {
	t.Helper()
	bin, err := sweeptest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runHostile runs the CLI in dir with every cache, home and temporary folder inside dir.
func runHostile(t *testing.T, bin, dir, args string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", `ulimit -v `+strconv.Itoa(hostileMemory)+` && exec "$0" `+args, bin)
	cmd.Dir = dir
	home := filepath.Join(dir, ".home")
	os.MkdirAll(filepath.Join(home, "tmp"), 0o755)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "SWEEP_CACHE="+filepath.Join(home, "sweep"),
		"TMPDIR="+filepath.Join(home, "tmp"), "SWEEP_NO_DOWNLOAD=1", "SWEEP_INCEPTION=", "SWEEP_DB=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("still running after %v:\n%s", hostileTimeout, tail(out.String()))
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

func checkRefused(t *testing.T, dir, out string, code int, want []string) {
	t.Helper()
	if code == 0 {
		t.Errorf("exit 0, want an error:\n%s", tail(out))
	}
	for _, bad := range []string{"panic:", "goroutine ", "fatal error:", "SIGSEGV"} {
		if strings.Contains(out, bad) {
			t.Errorf("output has %q:\n%s", bad, tail(out))
		}
	}
	for _, w := range want {
		if w = strings.ReplaceAll(w, "{case}", dir); !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, tail(out))
		}
	}
}

// prepareDB makes the case's sweep.db and returns its runs (ID -> status) before the call.
func prepareDB(t *testing.T, src, dir string) map[string]string {
	t.Helper()
	path := filepath.Join(dir, "sweep.db")
	for name, migrate := range map[string]bool{"db.sql": false, "rows.sql": true} {
		q, err := os.ReadFile(filepath.Join(src, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if migrate {
			s, err := results.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
		db := openDB(t, path)
		if _, err := db.Exec(string(q)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !migrate {
			return nil // a database made to be refused: nothing recorded in it to keep
		}
		return runStatuses(t, db)
	}
	return nil
}

func checkDBIntact(t *testing.T, path string, before map[string]string) {
	t.Helper()
	db := openDB(t, path)
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
	after := runStatuses(t, db)
	for id, status := range before {
		if after[id] != status {
			t.Errorf("run %s: status %q, was %q", id, after[id], status)
		}
	}
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func runStatuses(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT id, status FROM runs`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, status string
		rows.Scan(&id, &status)
		out[id] = status
	}
	return out
}

// copyCase copies the case's inputs (not its args, want or SQL) into a new folder.
func copyCase(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		switch {
		case e.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case rel == "args" || rel == "want" || strings.HasSuffix(rel, ".sql"):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// snapshot describes a folder's files (names and sizes), to see that nothing wrote there.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			info, _ := e.Info()
			b.WriteString(path + " " + strconv.Itoa(int(info.Size())) + "\n")
		}
		return nil
	})
	return b.String()
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

func tail(s string) string {
	if len(s) > 3000 {
		return "..." + s[len(s)-3000:]
	}
	return s
}
