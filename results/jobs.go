package results

import (
	"database/sql"
	"fmt"
	"time"
)

// Job is one batch job submitted to a cluster for a run.
type Job struct {
	RunID     string
	Cluster   string // "slurm"
	ID        string // the cluster's job ID
	Submitted time.Time
	State     string // the last state the coordinator saw; "" while unknown
}

// AddJob records that job was submitted for its run.
func (s *Store) AddJob(j Job) error {
	return s.inTx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO jobs (run_id, cluster, job_id, submitted, state) VALUES (?, ?, ?, ?, ?)`,
			j.RunID, j.Cluster, j.ID, formatTime(j.Submitted), j.State)
		if err != nil {
			return fmt.Errorf("record job %s of run %s: %w", j.ID, j.RunID, err)
		}
		return nil
	})
}

// SetJobState records the last state seen of a cluster's job.
func (s *Store) SetJobState(cluster, id, state string) error {
	return s.inTx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE jobs SET state = ? WHERE cluster = ? AND job_id = ?`, state, cluster, id)
		return err
	})
}

// Jobs lists the jobs submitted for run id, oldest first.
func (s *Store) Jobs(id string) ([]Job, error) {
	rows, err := s.db.Query(`SELECT run_id, cluster, job_id, submitted, state FROM jobs WHERE run_id = ? ORDER BY submitted, rowid`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []Job
	for rows.Next() {
		var j Job
		var sub sql.NullString
		if err := rows.Scan(&j.RunID, &j.Cluster, &j.ID, &sub, &j.State); err != nil {
			return nil, err
		}
		if j.Submitted, err = parseTime(sub); err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// LastJob is the job submitted last for run id on cluster; ok is false when there is none.
func (s *Store) LastJob(id, cluster string) (j Job, ok bool, err error) {
	jobs, err := s.Jobs(id)
	for _, x := range jobs {
		if x.Cluster == cluster {
			j, ok = x, true
		}
	}
	return j, ok, err
}
