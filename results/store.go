// Package results is the SQLite store of runs, their sweep membership, metrics, losses and
// provenance. Every status change happens in one transaction, so a reader never sees a run
// marked completed without its numbers.
package results

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3" // also registers the database/sql driver "sqlite3"

	"sweep/config"
	"sweep/rundir"
	"sweep/vocab"
)

// busyTimeout is how long a writer waits for another's lock before giving up.
const busyTimeout = 30 * time.Second

// Store is an open results database. It is safe for concurrent use, also by several processes.
type Store struct {
	db   *sql.DB
	path string
}

// Run is one run as the store knows it.
type Run struct {
	ID       string
	Sweep    string     // the sweep that first added the run
	Config   config.Run // as the sweep it is listed for gives it (labels, metrics); else as first added
	Key      string     // the JSON of the config.Key its ID hashes
	Status   vocab.Status
	Attempts int
	Device   string
	Dir      string
	Started  time.Time // zero when never started
	Finished time.Time // zero when no attempt has ended
	Error    string
	LogTail  string
	Owner    Owner     // the runner that last claimed it (see Claim); it holds it while running
	Lease    time.Time // until when Owner's claim holds unless refreshed; zero when never claimed
	Live     *Live     // the progress of its current or last unfinished attempt; nil when none
}

// Loss is one logged training loss.
type Loss struct {
	Iter  int
	Name  string
	Value float64
}

// Provenance records what produced a run's numbers.
type Provenance struct {
	GitCommit string // the VCS revision the program was built from
	GitDirty  bool   // its work tree had uncommitted changes
	DiffHash  string // SHA-256 of the diff against GitCommit, where known (databases of earlier versions)
	Backend   string // the matrix-product backend (config.Backend: openblas or purego)
	BLAS      string // the kernel's own description (linalg.KernelVersion: OpenBLAS's version and core type)
	GoVersion string
	Modules   map[string]string // module path -> version
	Host, CPU string
	Seed      int64
	Recorded  time.Time
}

// DefaultPath is $SWEEP_DB, or sweep.db in the working directory.
func DefaultPath() string {
	if p := os.Getenv("SWEEP_DB"); p != "" {
		return p
	}
	return "./sweep.db"
}

// Open opens the database at path for reading and writing, creating it or migrating its
// schema as needed. An existing database that cannot be written is refused with an error
// wrapping ErrReadOnly; OpenReadOnly reads it.
func Open(path string) (*Store, error) {
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := ping(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := migrate(db, path); err != nil {
		db.Close()
		return nil, readOnly(path, err)
	}
	return &Store{db: db, path: path}, nil
}

// dsn builds a URI so that any file name works; immediate transactions take the write lock
// up front, which lets the busy timeout resolve contention instead of failing on an upgrade.
// ping connects, retrying while another process holds the lock: switching a new file to WAL
// at connect time can report "database is locked" without waiting for the busy timeout.
func ping(db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.Ping()
		var se sqlite3.Error
		if err == nil || !errors.As(err, &se) || (se.Code != sqlite3.ErrBusy && se.Code != sqlite3.ErrLocked) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func dsn(path string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=%d&_foreign_keys=on&_txlock=immediate&_synchronous=NORMAL",
		esc, busyTimeout.Milliseconds())
}

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// inTx runs f in one transaction, committing if it returns nil.
func (s *Store) inTx(f func(tx *sql.Tx) error) error {
	tx, err := s.db.Begin()
	if err != nil {
		return readOnly(s.path, fmt.Errorf("%s: %w", s.path, err))
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return readOnly(s.path, err)
	}
	return readOnly(s.path, tx.Commit())
}

func formatTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s.String)
}

// AddRun records r as a member of sweep, under r.Config's label. A new run is inserted as
// pending; an existing run keeps its status, attempts, first sweep and first config, and the
// sweep's own view of it (label, metrics) is replaced by r.Config.
func (s *Store) AddRun(sweep string, r Run) error {
	if r.ID == "" {
		return errors.New("add run: empty run ID")
	}
	cfg := string(r.Config.Canonical())
	return s.inTx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO runs (id, sweep, config, key, status, dir, created) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET key = excluded.key WHERE runs.key = ''`,
			r.ID, sweep, cfg, r.Key, vocab.StatusPending, r.Dir, formatTime(time.Now()))
		if err != nil {
			return fmt.Errorf("add run %s: %w", r.ID, err)
		}
		_, err = tx.Exec(`INSERT INTO sweep_runs (sweep, run_id, label, config) VALUES (?, ?, ?, ?)
			ON CONFLICT (sweep, run_id) DO UPDATE SET label = excluded.label, config = excluded.config`,
			sweep, r.ID, r.Config.Variant, cfg)
		if err != nil {
			return fmt.Errorf("add run %s to sweep %q: %w", r.ID, sweep, err)
		}
		return nil
	})
}

// Rekey renames run old to id in every table, keeping its directory, status, numbers and
// memberships: a run recorded under an earlier ID scheme becomes the run id. It fails when
// id exists.
func (s *Store) Rekey(old, id, key string) error {
	return s.inTx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		for _, q := range []string{
			`UPDATE runs SET id = ?, key = ? WHERE id = ?`,
			`UPDATE sweep_runs SET run_id = ? WHERE run_id = ?`,
			`UPDATE metrics SET run_id = ? WHERE run_id = ?`,
			`UPDATE losses SET run_id = ? WHERE run_id = ?`,
			`UPDATE provenance SET run_id = ? WHERE run_id = ?`,
			`UPDATE jobs SET run_id = ? WHERE run_id = ?`,
			`UPDATE live SET run_id = ? WHERE run_id = ?`,
		} {
			args := []any{id, old}
			if strings.Contains(q, "key") {
				args = []any{id, key, old}
			}
			if _, err := tx.Exec(q, args...); err != nil {
				return fmt.Errorf("rename run %s to %s: %w", old, id, err)
			}
		}
		return nil
	})
}

const runColumns = `r.id, r.sweep, r.config, r.key, r.status, r.attempts, r.device, r.dir, r.started, r.finished, r.error, r.log_tail,
	r.owner_host, r.owner_pid, r.owner_start, r.lease_until, ` + liveColumns

// runsLive is the runs table with each run's live progress, as runColumns reads them.
const runsLive = `runs r LEFT JOIN live l ON l.run_id = r.id`

// sweepRunColumns are runColumns with the config as the sweep m gives it.
var sweepRunColumns = strings.Replace(runColumns, "r.config", "coalesce(nullif(m.config, ''), r.config)", 1)

type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (Run, error) {
	var r Run
	var cfg string
	var started, finished, lease sql.NullString
	var iter, total, eta sql.NullInt64
	var phase, losses, updated sql.NullString
	err := sc.Scan(&r.ID, &r.Sweep, &cfg, &r.Key, &r.Status, &r.Attempts, &r.Device, &r.Dir, &started, &finished, &r.Error, &r.LogTail,
		&r.Owner.Host, &r.Owner.PID, &r.Owner.Start, &lease, &iter, &total, &phase, &losses, &eta, &updated)
	if err != nil {
		return r, err
	}
	if r.Live, err = scanLive(iter, total, phase, losses, eta, updated); err != nil {
		return r, fmt.Errorf("run %s: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(cfg), &r.Config); err != nil {
		return r, fmt.Errorf("run %s: config: %w", r.ID, err)
	}
	if r.Started, err = parseTime(started); err != nil {
		return r, fmt.Errorf("run %s: started: %w", r.ID, err)
	}
	if r.Finished, err = parseTime(finished); err != nil {
		return r, fmt.Errorf("run %s: finished: %w", r.ID, err)
	}
	if r.Lease, err = parseTime(lease); err != nil {
		return r, fmt.Errorf("run %s: lease_until: %w", r.ID, err)
	}
	return r, nil
}

// GetRun returns the run with the given ID; ok is false when there is none.
func (s *Store) GetRun(id string) (r Run, ok bool, err error) {
	r, err = scanRun(s.db.QueryRow(`SELECT `+runColumns+` FROM `+runsLive+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("get run %s: %w", id, err)
	}
	return r, true, nil
}

// ListRuns returns the runs of sweep ("" for all runs), in the order they were first added,
// each with its config as that sweep gives it (its label there, its metrics list).
func (s *Store) ListRuns(sweep string) ([]Run, error) {
	q := `SELECT ` + runColumns + ` FROM ` + runsLive + ` ORDER BY r.seq`
	args := []any{}
	if sweep != "" {
		q = `SELECT ` + sweepRunColumns + ` FROM ` + runsLive + ` JOIN sweep_runs m ON m.run_id = r.id WHERE m.sweep = ? ORDER BY r.seq`
		args = append(args, sweep)
	}
	rows, err := s.db.Query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// Sweeps returns the names of all sweeps, sorted.
func (s *Store) Sweeps() ([]string, error) {
	names, err := s.strings(`SELECT DISTINCT sweep FROM sweep_runs ORDER BY sweep`)
	if err != nil {
		return nil, fmt.Errorf("list sweeps: %w", err)
	}
	return names, nil
}

// SweepsOf returns the sweeps run id belongs to, sorted.
func (s *Store) SweepsOf(id string) ([]string, error) {
	names, err := s.strings(`SELECT sweep FROM sweep_runs WHERE run_id = ? ORDER BY sweep`, id)
	if err != nil {
		return nil, fmt.Errorf("sweeps of run %s: %w", id, err)
	}
	return names, nil
}

// querier is what a *sql.DB and a *sql.Tx share for reading.
type querier interface {
	Query(query string, args ...any) (*sql.Rows, error)
}

// strings runs a query whose rows are one string each.
func (s *Store) strings(query string, args ...any) ([]string, error) {
	return queryStrings(s.db, query, args...)
}

// queryStrings runs a query whose rows are one string each on q.
func queryStrings(q querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// updateOne runs an UPDATE that must touch exactly the run id.
func updateOne(tx *sql.Tx, id, query string, args ...any) error {
	res, err := tx.Exec(query, args...)
	if err != nil {
		return fmt.Errorf("run %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("run %s: %w", id, err)
	}
	if n != 1 {
		return fmt.Errorf("run %s: no such run", id)
	}
	return nil
}

// MarkRunning records the start of an attempt on device; the last attempt's live progress
// is dropped.
func (s *Store) MarkRunning(id, device string) error {
	return s.inTx(func(tx *sql.Tx) error {
		if err := updateOne(tx, id, `UPDATE runs SET status = ?, attempts = attempts + 1, device = ?, started = ?,
			finished = NULL, error = '', log_tail = '' WHERE id = ?`,
			vocab.StatusRunning, device, formatTime(time.Now()), id); err != nil {
			return err
		}
		return dropLive(tx, id)
	})
}

// dropLive deletes the run's live progress.
func dropLive(tx *sql.Tx, id string) error {
	if _, err := tx.Exec(`DELETE FROM live WHERE run_id = ?`, id); err != nil {
		return fmt.Errorf("run %s: live progress: %w", id, err)
	}
	return nil
}

// MarkFinished records the end of an attempt that did not complete: status is failed,
// interrupted, or pending (to run again).
func (s *Store) MarkFinished(id string, status vocab.Status, errMsg, logTail string) error {
	if !slices.Contains([]vocab.Status{vocab.StatusFailed, vocab.StatusInterrupted, vocab.StatusPending}, status) {
		return fmt.Errorf("run %s: MarkFinished status %q; allowed: failed, interrupted, pending (use Complete)", id, status)
	}
	return s.inTx(func(tx *sql.Tx) error {
		return updateOne(tx, id, `UPDATE runs SET status = ?, finished = ?, error = ?, log_tail = ? WHERE id = ?`,
			status, formatTime(time.Now()), errMsg, logTail, id)
	})
}

// Complete replaces the run's metrics and losses and marks it completed (its live progress
// dropped), in one transaction. Calling it again with the same numbers leaves the same state.
func (s *Store) Complete(id string, metrics []rundir.Metric, losses []Loss) error {
	return s.inTx(func(tx *sql.Tx) error {
		if err := updateOne(tx, id, `UPDATE runs SET status = ?, finished = ?, error = '' WHERE id = ?`,
			vocab.StatusCompleted, formatTime(time.Now()), id); err != nil {
			return err
		}
		if err := dropLive(tx, id); err != nil {
			return err
		}
		if err := replaceMetrics(tx, id, metrics); err != nil {
			return err
		}
		return replaceLosses(tx, id, losses)
	})
}

func replaceMetrics(tx *sql.Tx, id string, metrics []rundir.Metric) error {
	if _, err := tx.Exec(`DELETE FROM metrics WHERE run_id = ?`, id); err != nil {
		return fmt.Errorf("run %s: metrics: %w", id, err)
	}
	return insertMetrics(tx, id, metrics)
}

// insertMetrics adds metrics after the run's others, replacing a stored one of the same name
// and step; the same name and step twice in metrics is an error.
func insertMetrics(tx *sql.Tx, id string, metrics []rundir.Metric) error {
	type at struct {
		name string
		step int
	}
	seen := map[at]bool{}
	for _, m := range metrics {
		if seen[at{m.Name, m.Step}] {
			return fmt.Errorf("run %s: metric %q step %d given twice", id, m.Name, m.Step)
		}
		seen[at{m.Name, m.Step}] = true
	}
	var next int
	if err := tx.QueryRow(`SELECT coalesce(max(pos) + 1, 0) FROM metrics WHERE run_id = ?`, id).Scan(&next); err != nil {
		return fmt.Errorf("run %s: metrics: %w", id, err)
	}
	st, err := tx.Prepare(`INSERT INTO metrics (run_id, pos, name, value, step, epoch, identity) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value, epoch = excluded.epoch, identity = excluded.identity`)
	if err != nil {
		return fmt.Errorf("run %s: metrics: %w", id, err)
	}
	defer st.Close()
	for i, m := range metrics {
		if _, err := st.Exec(id, next+i, m.Name, m.Value, m.Step, m.Epoch, m.Identity); err != nil {
			return fmt.Errorf("run %s: metric %q step %d: %w", id, m.Name, m.Step, err)
		}
	}
	return nil
}

// AddMetrics records metrics computed after the run completed (by evaluation), replacing
// any of the same name and step, in one transaction.
func (s *Store) AddMetrics(id string, metrics []rundir.Metric) error {
	return s.inTx(func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT count(*) FROM runs WHERE id = ?`, id).Scan(&n); err != nil || n != 1 {
			return fmt.Errorf("run %s: no such run (%v)", id, err)
		}
		return insertMetrics(tx, id, metrics)
	})
}

func replaceLosses(tx *sql.Tx, id string, losses []Loss) error {
	if _, err := tx.Exec(`DELETE FROM losses WHERE run_id = ?`, id); err != nil {
		return fmt.Errorf("run %s: losses: %w", id, err)
	}
	st, err := tx.Prepare(`INSERT INTO losses (run_id, iter, name, value) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("run %s: losses: %w", id, err)
	}
	defer st.Close()
	for _, l := range losses {
		if _, err := st.Exec(id, l.Iter, l.Name, l.Value); err != nil {
			return fmt.Errorf("run %s: loss %q iter %d: %w", id, l.Name, l.Iter, err)
		}
	}
	return nil
}

// Metrics returns the run's metrics in the order they were recorded.
func (s *Store) Metrics(runID string) ([]rundir.Metric, error) {
	rows, err := s.db.Query(`SELECT name, value, step, epoch, identity FROM metrics WHERE run_id = ? ORDER BY pos`, runID)
	if err != nil {
		return nil, fmt.Errorf("run %s: metrics: %w", runID, err)
	}
	defer rows.Close()
	var out []rundir.Metric
	for rows.Next() {
		var m rundir.Metric
		if err := rows.Scan(&m.Name, &m.Value, &m.Step, &m.Epoch, &m.Identity); err != nil {
			return nil, fmt.Errorf("run %s: metrics: %w", runID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Losses returns the run's losses ordered by iteration, then name.
func (s *Store) Losses(runID string) ([]Loss, error) {
	rows, err := s.db.Query(`SELECT iter, name, value FROM losses WHERE run_id = ? ORDER BY iter, name`, runID)
	if err != nil {
		return nil, fmt.Errorf("run %s: losses: %w", runID, err)
	}
	defer rows.Close()
	var out []Loss
	for rows.Next() {
		var l Loss
		if err := rows.Scan(&l.Iter, &l.Name, &l.Value); err != nil {
			return nil, fmt.Errorf("run %s: losses: %w", runID, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetProvenance records (or replaces) the run's provenance.
func (s *Store) SetProvenance(id string, p Provenance) error {
	mods, err := json.Marshal(p.Modules)
	if err != nil {
		return fmt.Errorf("run %s: provenance modules: %w", id, err)
	}
	if p.Recorded.IsZero() {
		p.Recorded = time.Now()
	}
	return s.inTx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO provenance
			(run_id, git_commit, git_dirty, diff_hash, backend, blas, go_version, modules, host, cpu, seed, recorded)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.GitCommit, p.GitDirty, p.DiffHash, p.Backend, p.BLAS, p.GoVersion, string(mods), p.Host, p.CPU, p.Seed, formatTime(p.Recorded))
		if err != nil {
			return fmt.Errorf("run %s: provenance: %w", id, err)
		}
		return nil
	})
}

// Provenance returns the run's provenance; ok is false when none was recorded.
func (s *Store) Provenance(id string) (p Provenance, ok bool, err error) {
	var mods string
	var recorded sql.NullString
	err = s.db.QueryRow(`SELECT git_commit, git_dirty, diff_hash, backend, blas, go_version, modules, host, cpu, seed, recorded
		FROM provenance WHERE run_id = ?`, id).
		Scan(&p.GitCommit, &p.GitDirty, &p.DiffHash, &p.Backend, &p.BLAS, &p.GoVersion, &mods, &p.Host, &p.CPU, &p.Seed, &recorded)
	if errors.Is(err, sql.ErrNoRows) {
		return Provenance{}, false, nil
	}
	if err != nil {
		return Provenance{}, false, fmt.Errorf("run %s: provenance: %w", id, err)
	}
	if err := json.Unmarshal([]byte(mods), &p.Modules); err != nil {
		return Provenance{}, false, fmt.Errorf("run %s: provenance modules: %w", id, err)
	}
	if p.Recorded, err = parseTime(recorded); err != nil {
		return Provenance{}, false, fmt.Errorf("run %s: provenance recorded: %w", id, err)
	}
	return p, true, nil
}
