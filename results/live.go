package results

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"sweep/vocab"
)

// Live is the progress of a run's current (or last) attempt as its runner last recorded it,
// so that other processes (sweep list, show, watch) can show a run in flight.
type Live struct {
	Iter    int
	Total   int
	Phase   string             // "train", "translate", "metrics"; "" for train
	Losses  map[string]float64 // the latest logged losses
	ETA     time.Duration      // estimated time left at Updated; negative when unknown
	Updated time.Time
}

// Left is the time left at now by the ETA recorded at Updated (never below zero); ok is
// false when the ETA is unknown.
func (l Live) Left(now time.Time) (left time.Duration, ok bool) {
	if l.ETA < 0 {
		return 0, false
	}
	return max(0, l.ETA-now.Sub(l.Updated)), true
}

// SetLive records the live progress of the runs in live (run ID -> progress), in one
// transaction. A run is written only while it is running and held by o, so a late update
// never lands on a run that has finished or that another runner took over.
func (s *Store) SetLive(o Owner, live map[string]Live) error {
	if len(live) == 0 {
		return nil
	}
	return s.inTx(func(tx *sql.Tx) error {
		st, err := tx.Prepare(`INSERT INTO live (run_id, iter, total, phase, losses, eta_ms, updated)
			SELECT id, ?, ?, ?, ?, ?, ? FROM runs WHERE id = ? AND status = ? AND owner_host = ? AND owner_pid = ? AND owner_start = ?
			ON CONFLICT (run_id) DO UPDATE SET iter = excluded.iter, total = excluded.total, phase = excluded.phase,
				losses = excluded.losses, eta_ms = excluded.eta_ms, updated = excluded.updated`)
		if err != nil {
			return fmt.Errorf("live progress: %w", err)
		}
		defer st.Close()
		for id, l := range live {
			losses, err := json.Marshal(l.Losses)
			if err != nil {
				return fmt.Errorf("run %s: live losses: %w", id, err)
			}
			var eta any
			if l.ETA >= 0 {
				eta = l.ETA.Milliseconds()
			}
			if _, err := st.Exec(l.Iter, l.Total, l.Phase, string(losses), eta, formatTime(l.Updated),
				id, vocab.StatusRunning, o.Host, o.PID, o.Start); err != nil {
				return fmt.Errorf("run %s: live progress: %w", id, err)
			}
		}
		return nil
	})
}

// liveColumns are the live table's columns as scanLive reads them (NULL when a run has none).
const liveColumns = `l.iter, l.total, l.phase, l.losses, l.eta_ms, l.updated`

// scanLive returns the live progress read from liveColumns, nil when there is none.
func scanLive(iter, total sql.NullInt64, phase, losses sql.NullString, eta sql.NullInt64, updated sql.NullString) (*Live, error) {
	if !updated.Valid {
		return nil, nil
	}
	l := &Live{Iter: int(iter.Int64), Total: int(total.Int64), Phase: phase.String, ETA: -1}
	if eta.Valid {
		l.ETA = time.Duration(eta.Int64) * time.Millisecond
	}
	if losses.String != "" && losses.String != "null" {
		if err := json.Unmarshal([]byte(losses.String), &l.Losses); err != nil {
			return nil, fmt.Errorf("live losses: %w", err)
		}
	}
	var err error
	if l.Updated, err = parseTime(updated); err != nil {
		return nil, fmt.Errorf("live updated: %w", err)
	}
	return l, nil
}
