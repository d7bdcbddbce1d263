package results

import (
	"database/sql"
	"fmt"
)

// migrations are applied in order; migrations[i] brings the schema from version i to i+1.
// Append new ones; never edit one that has shipped.
var migrations = []string{
	`CREATE TABLE runs (
		seq      INTEGER PRIMARY KEY AUTOINCREMENT,
		id       TEXT NOT NULL UNIQUE,
		sweep    TEXT NOT NULL,
		config   TEXT NOT NULL,
		status   TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','interrupted')),
		attempts INTEGER NOT NULL DEFAULT 0,
		device   TEXT NOT NULL DEFAULT '',
		dir      TEXT NOT NULL DEFAULT '',
		created  TEXT NOT NULL,
		started  TEXT,
		finished TEXT,
		error    TEXT NOT NULL DEFAULT '',
		log_tail TEXT NOT NULL DEFAULT ''
	);
	CREATE TABLE sweep_runs (
		sweep  TEXT NOT NULL,
		run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
		PRIMARY KEY (sweep, run_id)
	);
	CREATE INDEX sweep_runs_run ON sweep_runs(run_id);
	CREATE TABLE metrics (
		run_id   TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
		pos      INTEGER NOT NULL,
		name     TEXT NOT NULL,
		value    REAL NOT NULL,
		step     INTEGER NOT NULL,
		identity TEXT NOT NULL,
		PRIMARY KEY (run_id, name, step)
	);
	CREATE TABLE losses (
		run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
		iter   INTEGER NOT NULL,
		name   TEXT NOT NULL,
		value  REAL NOT NULL,
		PRIMARY KEY (run_id, iter, name)
	);
	CREATE TABLE provenance (
		run_id     TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
		git_commit TEXT NOT NULL,
		git_dirty  INTEGER NOT NULL,
		diff_hash  TEXT NOT NULL,
		go_version TEXT NOT NULL,
		modules    TEXT NOT NULL,
		host       TEXT NOT NULL,
		cpu        TEXT NOT NULL,
		seed       INTEGER NOT NULL,
		recorded   TEXT NOT NULL
	);`,
	// Run identity: a run's ID hashes what it computes (its key), labels and metric lists
	// are per sweep, and every metric names the epoch of the checkpoint it scores.
	`ALTER TABLE runs ADD COLUMN key TEXT NOT NULL DEFAULT '';
	ALTER TABLE sweep_runs ADD COLUMN label TEXT NOT NULL DEFAULT '';
	ALTER TABLE sweep_runs ADD COLUMN config TEXT NOT NULL DEFAULT '';
	UPDATE sweep_runs SET
		config = (SELECT r.config FROM runs r WHERE r.id = sweep_runs.run_id),
		label = (SELECT coalesce(json_extract(r.config, '$.variant'), '') FROM runs r WHERE r.id = sweep_runs.run_id);
	ALTER TABLE metrics ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
	UPDATE metrics SET epoch = (SELECT coalesce(json_extract(r.config, '$.n_epochs'), 0) + coalesce(json_extract(r.config, '$.n_epochs_decay'), 0)
		FROM runs r WHERE r.id = metrics.run_id AND coalesce(json_extract(r.config, '$.checkpoint'), '') = '');`,
	// Claims: the runner process executing a running run (host, PID, the process's start
	// time) and until when its claim holds unless refreshed, so two runners sharing the
	// database never execute one run at once whatever their runs directories.
	`ALTER TABLE runs ADD COLUMN owner_host TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE runs ADD COLUMN owner_start TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN lease_until TEXT;`,
	// Cluster jobs: every batch job submitted for a run (a Slurm job ID), in order, so a
	// coordinator started again re-attaches to a job still queued or running instead of
	// submitting a second copy.
	`CREATE TABLE jobs (
		run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
		cluster   TEXT NOT NULL,
		job_id    TEXT NOT NULL,
		submitted TEXT NOT NULL,
		state     TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (cluster, job_id)
	);
	CREATE INDEX jobs_run ON jobs(run_id);`,
	// Provenance names the matrix-product backend; git_commit is now the revision the
	// program was built from (before: the sweep file's folder's).
	`ALTER TABLE provenance ADD COLUMN backend TEXT NOT NULL DEFAULT '';`,
	// Live progress: the iteration, losses and ETA of a running run as its runner last
	// recorded them, for other processes to show; and the matrix kernel's own description
	// (the OpenBLAS version and core type) in provenance.
	`CREATE TABLE live (
		run_id  TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
		iter    INTEGER NOT NULL,
		total   INTEGER NOT NULL,
		phase   TEXT NOT NULL,
		losses  TEXT NOT NULL,
		eta_ms  INTEGER,
		updated TEXT NOT NULL
	);
	ALTER TABLE provenance ADD COLUMN blas TEXT NOT NULL DEFAULT '';`,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)

// migrate brings the database to SchemaVersion, one transaction per migration, so a crash
// leaves it at some whole version. BEGIN IMMEDIATE (set in the DSN) serialises two processes
// opening a fresh database at once.
func migrate(db *sql.DB, path string) error {
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("%s: create schema_version: %w", path, err)
	}
	for {
		done, err := migrateOne(db, path)
		if err != nil || done {
			return err
		}
	}
}

func migrateOne(db *sql.DB, path string) (done bool, err error) {
	tx, err := db.Begin()
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	defer tx.Rollback()
	v, err := currentVersion(tx)
	if err != nil {
		return false, fmt.Errorf("%s: read schema version: %w", path, err)
	}
	if v > len(migrations) {
		return false, fmt.Errorf("%s: schema version %d is newer than this program's %d", path, v, len(migrations))
	}
	if v == len(migrations) {
		return true, nil
	}
	if _, err := tx.Exec(migrations[v]); err != nil {
		return false, fmt.Errorf("%s: migration %d: %w", path, v+1, err)
	}
	if _, err := tx.Exec(`DELETE FROM schema_version`); err != nil {
		return false, err
	}
	if _, err := tx.Exec(`INSERT INTO schema_version (version) VALUES (?)`, v+1); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

func currentVersion(tx *sql.Tx) (int, error) {
	var v sql.NullInt64
	err := tx.QueryRow(`SELECT MAX(version) FROM schema_version`).Scan(&v)
	return int(v.Int64), err
}
