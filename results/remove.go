package results

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sweep/vocab"
)

// ErrRunning is wrapped by the error of a removal that would take a run a live runner
// is executing.
var ErrRunning = errors.New("is running")

// FindRun returns the run with ID id, or the one run whose ID starts with id.
func (s *Store) FindRun(id string) (Run, error) {
	if r, ok, err := s.GetRun(id); err != nil || ok {
		return r, err
	}
	if id == "" {
		return Run{}, errors.New("empty run ID")
	}
	runs, err := s.ListRuns("")
	if err != nil {
		return Run{}, err
	}
	var found []Run
	for _, r := range runs {
		if strings.HasPrefix(r.ID, id) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return Run{}, fmt.Errorf("no run %q in %s", id, s.path)
	case 1:
		return found[0], nil
	}
	return Run{}, fmt.Errorf("run prefix %q matches %d runs in %s; give more of the ID", id, len(found), s.path)
}

// Remove deletes the runs ids with everything recorded about them (memberships, metrics,
// losses, provenance, live progress, cluster jobs), in one transaction. When one of them
// is running under a live runner nothing is deleted and the error wraps ErrRunning.
func (s *Store) Remove(ids []string) error {
	return s.inTx(func(tx *sql.Tx) error {
		for _, id := range ids {
			if err := deleteRun(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveSweep takes every run out of sweep and deletes those that belong to no other sweep,
// with everything recorded about them, in one transaction; it returns the IDs deleted.
// When a run of the sweep is running under a live runner nothing changes and the error
// wraps ErrRunning.
func (s *Store) RemoveSweep(sweep string) (deleted []string, err error) {
	err = s.inTx(func(tx *sql.Tx) error {
		ids, err := queryStrings(tx, `SELECT run_id FROM sweep_runs WHERE sweep = ? ORDER BY run_id`, sweep)
		if err != nil {
			return fmt.Errorf("sweep %q: %w", sweep, err)
		}
		if len(ids) == 0 {
			return fmt.Errorf("no sweep %q in %s", sweep, s.path)
		}
		for _, id := range ids {
			if err := refuseRunning(tx, id); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`DELETE FROM sweep_runs WHERE sweep = ?`, sweep); err != nil {
			return fmt.Errorf("sweep %q: %w", sweep, err)
		}
		deleted, err = queryStrings(tx, `SELECT id FROM runs WHERE id NOT IN (SELECT run_id FROM sweep_runs) ORDER BY id`)
		if err != nil {
			return err
		}
		for _, id := range deleted {
			if err := deleteRun(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return deleted, err
}

// deleteRun deletes run id; the foreign keys cascade to its other records.
func deleteRun(tx *sql.Tx, id string) error {
	if err := refuseRunning(tx, id); err != nil {
		return err
	}
	return updateOne(tx, id, `DELETE FROM runs WHERE id = ?`, id)
}

// refuseRunning fails when run id is running and held by a runner that is still alive.
func refuseRunning(tx *sql.Tx, id string) error {
	h, err := readHolder(tx, id)
	if err != nil {
		return err
	}
	if h.status == vocab.StatusRunning && h.holds(Owner{}, time.Now()) {
		return fmt.Errorf("run %s %w (held by %s); stop its runner first", id, ErrRunning, h.owner)
	}
	return nil
}
