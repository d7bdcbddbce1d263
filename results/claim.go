package results

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sweep/vocab"
)

// ErrHeld is wrapped by Claim's error when another live runner holds the run.
var ErrHeld = errors.New("held by another runner")

// ErrCompleted is wrapped by Claim's error when the run is completed and not to be redone.
var ErrCompleted = errors.New("already completed")

// holder is the claim stored with a run.
type holder struct {
	status vocab.Status
	owner  Owner
	until  time.Time // the lease; zero when none was ever taken
	done   time.Time // when the last attempt ended
}

// Claim takes run id for o before o executes it, in one (immediate, so exclusive)
// transaction: a pending, failed or interrupted run becomes running, held by o for lease; so
// does a completed run that finished before redoBefore (a forced rerun; zero: never). A running
// run is taken over only when its holder is gone: o itself, none, a process of this host
// that no longer runs, or a holder whose lease has lapsed. Otherwise the error wraps ErrHeld
// (naming the holder) or ErrCompleted. Claim does not count an attempt (MarkRunning does).
func (s *Store) Claim(id string, o Owner, lease time.Duration, redoBefore time.Time) error {
	return s.inTx(func(tx *sql.Tx) error {
		h, err := readHolder(tx, id)
		if err != nil {
			return err
		}
		if h.status == vocab.StatusCompleted && !h.done.Before(redoBefore) {
			return fmt.Errorf("run %s: %w", id, ErrCompleted)
		}
		if h.status == vocab.StatusRunning && h.holds(o, time.Now()) {
			return fmt.Errorf("run %s: %w (%s, lease until %s)", id, ErrHeld, h.owner, h.until.Local().Format(time.TimeOnly))
		}
		return updateOne(tx, id, `UPDATE runs SET status = ?, owner_host = ?, owner_pid = ?, owner_start = ?, lease_until = ? WHERE id = ?`,
			vocab.StatusRunning, o.Host, o.PID, o.Start, formatTime(time.Now().Add(lease)), id)
	})
}

// holds reports whether h's owner, not o, still holds the run at now.
func (h holder) holds(o Owner, now time.Time) bool {
	switch {
	case h.owner == Owner{} || h.owner == o:
		return false
	case now.After(h.until):
		return false
	}
	return !h.owner.gone()
}

func readHolder(tx *sql.Tx, id string) (holder, error) {
	var h holder
	var until, done sql.NullString
	err := tx.QueryRow(`SELECT status, owner_host, owner_pid, owner_start, lease_until, finished FROM runs WHERE id = ?`, id).
		Scan(&h.status, &h.owner.Host, &h.owner.PID, &h.owner.Start, &until, &done)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("run %s: no such run", id)
	}
	if err != nil {
		return h, fmt.Errorf("run %s: claim: %w", id, err)
	}
	if h.until, err = parseTime(until); err != nil {
		return h, fmt.Errorf("run %s: lease_until: %w", id, err)
	}
	if h.done, err = parseTime(done); err != nil {
		return h, fmt.Errorf("run %s: finished: %w", id, err)
	}
	return h, nil
}

// Heartbeat extends o's claim on run id to lease from now. The error wraps ErrHeld when o
// no longer holds the run (it finished, or another runner took it over after the lease lapsed).
func (s *Store) Heartbeat(id string, o Owner, lease time.Duration) error {
	return s.inTx(func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE runs SET lease_until = ? WHERE id = ? AND status = ? AND owner_host = ? AND owner_pid = ? AND owner_start = ?`,
			formatTime(time.Now().Add(lease)), id, vocab.StatusRunning, o.Host, o.PID, o.Start)
		if err != nil {
			return fmt.Errorf("run %s: heartbeat: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("run %s: heartbeat: %w (the claim is no longer %s's)", id, ErrHeld, o)
		}
		return nil
	})
}
