package results

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// ErrReadOnly is wrapped by the error of a write (or of Open) on a database that cannot be
// written; the message reads "database PATH is read-only (...)".
var ErrReadOnly = errors.New("is read-only")

// readers are the commands that work on a read-only database, for messages.
const readers = "sweep list, show, watch, report, compare, export, check, baseline write and run --dry-run only read it"

// OpenReadOnly opens the existing database at path for reading only. It writes nothing:
// SQLite's mode=ro, and immutable=1 when path's directory is not writable and no writer has
// a -wal file beside it, so that no -wal or -shm file is needed (read-only media, another
// user's directory). It never migrates: a database of another schema version is refused
// with a message saying what upgrades it.
func OpenReadOnly(path string) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("results database: %w", err)
	}
	db, err := sql.Open("sqlite3", readOnlyDSN(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := ping(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s read-only: %w", path, err)
	}
	if err := checkVersion(db, path); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db, path: path}, nil
}

// readOnlyDSN is the URI of path opened read-only: no journal mode or transaction lock is
// asked for, since either would write.
func readOnlyDSN(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	uri := fmt.Sprintf("file:%s?mode=ro&_busy_timeout=%d&_foreign_keys=on", esc, busyTimeout.Milliseconds())
	if _, err := os.Stat(path + "-wal"); os.IsNotExist(err) && !writable(filepath.Dir(path)) {
		uri += "&immutable=1"
	}
	return uri
}

// checkVersion refuses a database whose schema is not this program's.
func checkVersion(db *sql.DB, path string) error {
	var v sql.NullInt64
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil {
		return fmt.Errorf("%s is not a sweep results database (schema version: %w)", path, err)
	}
	switch n := int(v.Int64); {
	case n < SchemaVersion:
		return fmt.Errorf("%s: schema version %d is older than this program's %d; a command that only reads the database does not upgrade it: 'sweep run --db %s FILE.toml' or 'sweep eval --db %s' upgrades it in place (on a writable copy, if this one is read-only)",
			path, n, SchemaVersion, path, path)
	case n > SchemaVersion:
		return fmt.Errorf("%s: schema version %d is newer than this program's %d: use a newer sweep program", path, n, SchemaVersion)
	}
	return nil
}

// checkWritable refuses an existing database that this process cannot write: the file, or
// its directory, where SQLite creates the -wal and -shm files beside it.
func checkWritable(path string) error {
	if _, err := os.Stat(path); err != nil {
		return nil // none yet (Open creates it), or an error that opening reports
	}
	if !writable(path) {
		return fmt.Errorf("database %s %w (the file is not writable); %s", path, ErrReadOnly, readers)
	}
	if dir := filepath.Dir(path); !writable(dir) {
		return fmt.Errorf("database %s %w (its directory %s is not writable, and SQLite writes its -wal and -shm files there); %s", path, ErrReadOnly, dir, readers)
	}
	return nil
}

// writable reports whether this process may write path (on read-only media it may not,
// whatever the permissions).
func writable(path string) bool {
	const wOK = 2
	return syscall.Access(path, wOK) == nil
}

// readOnly makes SQLite's "attempt to write a readonly database" say which database, and
// that it is read-only; other errors pass unchanged.
func readOnly(path string, err error) error {
	var se sqlite3.Error
	if err == nil || errors.Is(err, ErrReadOnly) || !errors.As(err, &se) || se.Code != sqlite3.ErrReadonly {
		return err
	}
	return fmt.Errorf("database %s %w (%v); %s", path, ErrReadOnly, err, readers)
}
