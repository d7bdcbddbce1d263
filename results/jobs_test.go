package results

import (
	"strings"
	"testing"
	"time"
)

// addJobs records jobs of run id on cluster, submitted a second apart from t0, in the
// order given.
func addJobs(t *testing.T, s *Store, id, cluster string, t0 time.Time, offsets map[string]int) {
	t.Helper()
	for job, off := range offsets {
		if err := s.AddJob(Job{RunID: id, Cluster: cluster, ID: job, Submitted: t0.Add(time.Duration(off) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestJobsRoundTrip: Jobs lists a run's jobs oldest first whatever the insertion order,
// with their submission times and states; LastJob picks the newest of a cluster.
func TestJobsRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	a, b := testRun("A", 1), testRun("B", 1)
	for _, r := range []Run{a, b} {
		if err := s.AddRun("sw", r); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)
	addJobs(t, s, a.ID, "slurm", t0, map[string]int{"12": 2, "10": 0, "11": 1})
	addJobs(t, s, a.ID, "other", t0, map[string]int{"99": 5})
	addJobs(t, s, b.ID, "slurm", t0, map[string]int{"13": 3})
	if err := s.SetJobState("slurm", "11", "RUNNING"); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.Jobs(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range jobs {
		got = append(got, j.Cluster+"/"+j.ID+"/"+j.State)
	}
	if strings.Join(got, " ") != "slurm/10/ slurm/11/RUNNING slurm/12/ other/99/" {
		t.Errorf("jobs of A: %v", got)
	}
	if !jobs[0].Submitted.Equal(t0) || jobs[0].RunID != a.ID {
		t.Errorf("first job: %+v, want run %s submitted %v", jobs[0], a.ID, t0)
	}
	if j, ok, err := s.LastJob(a.ID, "slurm"); err != nil || !ok || j.ID != "12" {
		t.Errorf("LastJob(A, slurm) = %+v, %v, %v; want job 12", j, ok, err)
	}
	if j, ok, err := s.LastJob(b.ID, "other"); err != nil || ok {
		t.Errorf("LastJob(B, other) = %+v, %v, %v; want none", j, ok, err)
	}
}

// TestSetJobStateOnlyItsJob: a state goes to the job of that cluster and ID only; an unknown
// job is no error.
func TestSetJobStateOnlyItsJob(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	addJobs(t, s, r.ID, "slurm", time.Now(), map[string]int{"7": 0})
	addJobs(t, s, r.ID, "other", time.Now(), map[string]int{"7": 1})
	for _, err := range []error{s.SetJobState("slurm", "7", "COMPLETED"), s.SetJobState("slurm", "8", "FAILED")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	jobs, _ := s.Jobs(r.ID)
	if len(jobs) != 2 || jobs[0].State != "COMPLETED" || jobs[1].State != "" {
		t.Errorf("jobs %+v; want slurm 7 COMPLETED, other 7 without state", jobs)
	}
}

// TestAddJobRefused: a job ID recorded twice on a cluster, a job of an unknown run and one
// without a submission time are refused, naming the job.
func TestAddJobRefused(t *testing.T) {
	s, _ := openTemp(t)
	r := testRun("A", 1)
	if err := s.AddRun("sw", r); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := s.AddJob(Job{RunID: r.ID, Cluster: "slurm", ID: "5", Submitted: now}); err != nil {
		t.Fatal(err)
	}
	for name, j := range map[string]Job{
		"duplicate":    {RunID: r.ID, Cluster: "slurm", ID: "5", Submitted: now},
		"unknown run":  {RunID: "nope", Cluster: "slurm", ID: "6", Submitted: now},
		"no timestamp": {RunID: r.ID, Cluster: "slurm", ID: "7"},
	} {
		if err := s.AddJob(j); err == nil || !strings.Contains(err.Error(), "record job "+j.ID+" of run "+j.RunID) {
			t.Errorf("%s: %v, want an error naming job %s", name, err, j.ID)
		}
	}
	if jobs, _ := s.Jobs(r.ID); len(jobs) != 1 {
		t.Errorf("%d jobs recorded, want 1", len(jobs))
	}
	if jobs, err := s.Jobs("nope"); err != nil || len(jobs) != 0 {
		t.Errorf("Jobs of an unknown run: %v, %v; want none", jobs, err)
	}
}
