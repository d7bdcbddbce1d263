package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/experiments"
	"sweep/rundir"
	"sweep/runner"
	"sweep/vocab"
)

// TestUnrecordableRunFailsAlone: a run whose outcome the store refuses (here a result.json
// that a dead runner left behind, naming one metric twice) is recorded as failed with the
// store's error; the other runs complete, none is left running, and the next sweep run
// retries it instead of aborting.
func TestUnrecordableRunFailsAlone(t *testing.T) {
	e := newEnv(t, 2, produce)
	sw, err := experiments.Load(e.file)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runner.Plan(sw.Runs, filepath.Join(e.dir, "runs"))
	if err != nil {
		t.Fatal(err)
	}
	bad := plan[0]
	os.MkdirAll(bad.Dir, 0o755)
	twice := rundir.Result{Metrics: []rundir.Metric{{Name: "swd_avg", Value: 1}, {Name: "swd_avg", Value: 2}}}
	if err := rundir.WriteJSON(filepath.Join(bad.Dir, rundir.ResultFile), twice); err != nil {
		t.Fatal(err)
	}
	out, code := e.sweep()
	if code == 0 {
		t.Fatalf("exit 0 with an unrecordable run:\n%s", out)
	}
	runs := e.runs()
	if countStatus(runs, vocab.StatusCompleted) != 1 || countStatus(runs, vocab.StatusRunning) != 0 {
		t.Fatalf("statuses %+v: want the other run completed and none running\n%s", runs, out)
	}
	r, _, _ := e.store().GetRun(bad.ID)
	if r.Status != vocab.StatusFailed || !strings.Contains(r.Error, "given twice") {
		t.Errorf("run %s: status %s, error %q", bad.ID, r.Status, r.Error)
	}
	os.Remove(filepath.Join(bad.Dir, rundir.ResultFile))
	if out, code := e.sweep(); code != 0 {
		t.Errorf("second sweep run: exit %d\n%s", code, out)
	}
}
