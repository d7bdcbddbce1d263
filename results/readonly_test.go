package results

import (
	"database/sql"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// roChildEnv names the database a re-executed test reads as an unprivileged user.
const roChildEnv = "SWEEP_TEST_READONLY_DB"

// TestOpenReadOnlyWritesNothing: a database file 0444 in a 0555 directory is read by
// OpenReadOnly, creating no -wal or -shm file and changing nothing, and Open refuses it
// saying it is read-only. Root bypasses permissions, so as root the checks run in a copy of
// this test binary started as the user nobody.
func TestOpenReadOnlyWritesNothing(t *testing.T) {
	if path := os.Getenv(roChildEnv); path != "" {
		readOnlyChecks(t, path)
		return
	}
	dir := sharedTempDir(t)
	path := filepath.Join(dir, "sweep.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddRun("sw", testRun("A", 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	before, _ := os.ReadFile(path)
	os.Chmod(path, 0o444)
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if os.Geteuid() == 0 {
		runAsNobody(t, path)
	} else {
		readOnlyChecks(t, path)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"sweep.db"}) {
		t.Errorf("directory holds %v; want only sweep.db", names)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the database file changed")
	}
}

// readOnlyChecks reads the database at path read-only and tries to open it for writing.
func readOnlyChecks(t *testing.T, path string) {
	s, err := OpenReadOnly(path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	runs, err := s.ListRuns("sw")
	if err != nil || len(runs) != 1 {
		t.Errorf("runs %+v, %v", runs, err)
	}
	s.Close()
	_, err = Open(path)
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "database "+path+" is read-only") {
		t.Errorf("Open of a read-only database: %v", err)
	}
}

// sharedTempDir is a temporary directory that other users may enter.
func sharedTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sweep-readonly")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755); os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "db")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	return sub
}

// runAsNobody runs this test in a copy of the test binary as the user nobody (65534).
func runAsNobody(t *testing.T, path string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(filepath.Dir(filepath.Dir(path)), "results.test")
	if err := copyFile(exe, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestOpenReadOnlyWritesNothing$", "-test.count=1")
	cmd.Env = append(os.Environ(), roChildEnv+"="+path)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// TestWriteOnReadOnlyDatabaseSaysSo: a write through a read-only connection (SQLite's
// mode=ro, as on read-only media) fails saying which database is read-only.
func TestWriteOnReadOnlyDatabaseSaysSo(t *testing.T) {
	s, path := openTemp(t)
	s.Close()
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.AddRun("sw", testRun("A", 1))
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "database "+path+" is read-only") {
		t.Errorf("write on a read-only store: %v", err)
	}
}

// TestOpenReadOnlyRefusesOtherSchemas: OpenReadOnly neither migrates an older database nor
// reads a newer one, saying which command upgrades it; it creates no missing database.
func TestOpenReadOnlyRefusesOtherSchemas(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	writeVersion1(t, old, testRun("A", 1))
	_, err := OpenReadOnly(old)
	if err == nil || !strings.Contains(err.Error(), "schema version 1 is older") || !strings.Contains(err.Error(), "sweep run --db") {
		t.Errorf("older schema: %v", err)
	}
	if v := rawVersion(t, old); v != 1 {
		t.Errorf("schema version %d after the read-only open; want 1 (not migrated)", v)
	}
	s, err := Open(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`UPDATE schema_version SET version = ?`, SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenReadOnly(old); err == nil || !strings.Contains(err.Error(), "newer than this program's") {
		t.Errorf("newer schema: %v", err)
	}
	missing := filepath.Join(dir, "none.db")
	if _, err := OpenReadOnly(missing); err == nil {
		t.Error("a missing database opened")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Error("OpenReadOnly created the missing database")
	}
}

// rawVersion reads the schema version of the database at path without migrating it.
func rawVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
