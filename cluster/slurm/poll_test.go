package slurm

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPollerBatches: 50 followers asking at once cost at most two queries (the first
// round may start with one job), each gets its own job's state, a job Slurm does not
// know is reported unknown, and rounds are at least the gap apart.
func TestPollerBatches(t *testing.T) {
	var calls atomic.Int32
	var times []time.Time
	p := newPoller(200 * time.Millisecond)
	p.query = func(jobs []string) (map[string]state, error) {
		calls.Add(1)
		times = append(times, time.Now()) // rounds run one at a time
		m := map[string]state{}
		for _, j := range jobs {
			if j != "unknown" {
				m[j] = state{known: true, name: "RUNNING", reason: j, exitCode: 0}
			}
		}
		return m, nil
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job := fmt.Sprint(i)
			if st, err := p.state(job); err != nil || !st.known || st.reason != job {
				t.Errorf("job %s: %+v, %v", job, st, err)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n > 2 {
		t.Errorf("%d queries for 50 jobs asked at once, want at most 2", n)
	}
	if st, err := p.state("unknown"); err != nil || st.known || st.exitCode != -1 {
		t.Errorf("unknown job: %+v, %v; want not known, exit -1", st, err)
	}
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d < 190*time.Millisecond {
			t.Errorf("rounds %d and %d %v apart, want at least 200ms", i-1, i, d)
		}
	}
}

// TestQueryAllSlurm asks real Slurm for a running job, an ended one and a forgotten one
// in one squeue call.
func TestQueryAllSlurm(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("%v; run scripts/slurm-up (as root) to start a one-node Slurm", err)
	}
	run := sbatchWrap(t, "sleep 30")
	failed := sbatchWrap(t, "exit 3")
	defer exec.Command("scancel", run).Run()
	var m map[string]state
	deadline := time.Now().Add(30 * time.Second)
	for m[failed].name != "FAILED" || m[run].name != "RUNNING" {
		if time.Now().After(deadline) {
			t.Fatalf("states %+v, want %s RUNNING, %s FAILED", m, run, failed)
		}
		time.Sleep(200 * time.Millisecond)
		var err error
		if m, err = queryAll([]string{run, failed, "999999"}); err != nil {
			t.Fatal(err)
		}
	}
	if m[failed].exitCode != 3 || m[run].ended() || !m[failed].ended() || len(m) != 2 {
		t.Errorf("states %+v; want job %s exit 3, job %s running, 999999 absent", m, failed, run)
	}
	if m, err := queryAll([]string{"999999"}); err != nil || len(m) != 0 {
		t.Errorf("one forgotten job: %v, %v; want none, no error", m, err)
	}
}

func sbatchWrap(t *testing.T, cmd string) string {
	t.Helper()
	out, err := exec.Command("sbatch", "--parsable", "--time=1", "--output=/dev/null", "--wrap", cmd).Output()
	if err != nil {
		t.Fatalf("sbatch: %v", err)
	}
	job, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	return job
}

// TestLiveJobsSlurm finds held jobs by name and output pattern, oldest first: a job of the
// same name writing elsewhere (another runs directory) is not the run's.
func TestLiveJobsSlurm(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("%v; run scripts/slurm-up (as root) to start a one-node Slurm", err)
	}
	name := fmt.Sprintf("sweep-livejobs-%d", time.Now().UnixNano())
	dir := t.TempDir()
	mine, other := filepath.Join(dir, "a-%j.out"), filepath.Join(dir, "b-%j.out")
	submit := func(output string) string {
		out, err := exec.Command("sbatch", "--parsable", "--hold", "--job-name="+name, "--output="+output, "--wrap", "true").Output()
		if err != nil {
			t.Fatalf("sbatch: %v", err)
		}
		job, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
		return job
	}
	defer exec.Command("scancel", "-n", name).Run()
	first, _, second := submit(mine), submit(other), submit(mine)
	jobs, err := liveJobs(name, mine)
	if err != nil || !slices.Equal(jobs, []string{first, second}) {
		t.Errorf("liveJobs = %v, %v; want [%s %s]", jobs, err, first, second)
	}
	if jobs, err := liveJobs(name+"-none", mine); err != nil || len(jobs) != 0 {
		t.Errorf("liveJobs of an unused name = %v, %v; want none", jobs, err)
	}
}
