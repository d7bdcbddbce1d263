package runner_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/config"
	"sweep/experiments"
	"sweep/results"
	"sweep/vocab"
)

// labelledSweep writes sweep file name.toml of one command run labelled label, listing
// metrics, into e's directory, and makes it e's sweep file.
func (e *env) labelledSweep(name, label, metrics string) {
	e.t.Helper()
	img, err := filepath.Abs("testdata/img.png")
	if err != nil {
		e.t.Fatal(err)
	}
	command := strings.NewReplacer("{img}", img, "{dir}", e.dir).Replace(produce)
	toml := fmt.Sprintf(`[sweep]
name = %q

[base]
executor = "command"
command = '''%s'''
command_out = "{run_dir}/out"
crop_size = 32
load_size = 36
queries = 16
metrics = %s

[variants.%q]
mode = "global"

[grid]
variant = [%q]
`, name, command, metrics, label, label)
	e.file = filepath.Join(e.dir, name+".toml")
	if err := os.WriteFile(e.file, []byte(toml), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) labelIn(sweep string) string {
	e.t.Helper()
	runs, err := e.store().ListRuns(sweep)
	if err != nil || len(runs) != 1 {
		e.t.Fatalf("sweep %s: runs %+v, %v", sweep, runs, err)
	}
	return runs[0].Config.Variant
}

// TestRelabellingRerunsNothing: the same computation under another label, in a second
// sweep file or renamed in the first, and with another metrics list, is the run already
// done; every sweep lists it under its own label.
func TestRelabellingRerunsNothing(t *testing.T) {
	e := &env{t: t, dir: t.TempDir()}
	e.db = filepath.Join(e.dir, "s.db")
	e.labelledSweep("ablation", "A", "[]")
	if out, code := e.sweep(); code != 0 {
		t.Fatalf("first sweep: exit %d\n%s", code, out)
	}
	steps := []struct{ sweep, label, metrics string }{
		{"methods", "Global", "[]"},
		{"ablation", "QS-Attn", "[]"},
		{"queries", "q256", `["swd"]`},
	}
	for _, s := range steps {
		e.labelledSweep(s.sweep, s.label, s.metrics)
		out, code := e.sweep()
		if code != 0 || !strings.Contains(out, "1 done before, 0 completed now") {
			t.Errorf("%s as %s: exit %d, want the run reported done:\n%s", s.sweep, s.label, code, out)
		}
		if got := e.labelIn(s.sweep); got != s.label {
			t.Errorf("sweep %s lists the run as %q, want %q", s.sweep, got, s.label)
		}
	}
	if got := e.labelIn("methods"); got != "Global" {
		t.Errorf("relabelling in ablation changed methods' label to %q", got)
	}
	runs, _ := e.store().ListRuns("")
	if len(runs) != 1 || e.marks(runs[0].ID) != 1 {
		t.Fatalf("%d runs, trained %d times; want one run trained once", len(runs), e.marks(runs[0].ID))
	}
	out, _ := e.sweep()
	if !strings.Contains(out, "lack metrics the sweep lists (swd on 1)") || !strings.Contains(out, "sweep eval --sweep queries") {
		t.Errorf("no note that swd is missing:\n%s", out)
	}
}

// TestRunsOfTheFormerIDSchemeAreAdopted: a database written before run identity holds a
// completed run under the former ID (a hash of the whole configuration); the current
// version finds it, renames it and trains nothing.
func TestRunsOfTheFormerIDSchemeAreAdopted(t *testing.T) {
	e := &env{t: t, dir: t.TempDir()}
	e.db = filepath.Join(e.dir, "s.db")
	e.labelledSweep("ablation", "A", "[]")
	sw, err := experiments.Load(e.file)
	if err != nil {
		t.Fatal(err)
	}
	legacy := config.LegacyID(sw.Runs[0])
	writeLegacyRun(t, e.db, legacy, sw.Runs[0])

	if out, code := e.sweep(); code != 0 || !strings.Contains(out, "1 done before, 0 completed now") {
		t.Fatalf("exit %d, want the legacy run reported done:\n%s", code, out)
	}
	runs, err := e.store().ListRuns("ablation")
	if err != nil || len(runs) != 1 || runs[0].ID == legacy || runs[0].Key == "" || runs[0].Status != vocab.StatusCompleted {
		t.Fatalf("runs %+v, %v: want the legacy run under its new ID", runs, err)
	}
	if ms, _ := e.store().Metrics(runs[0].ID); len(ms) != 1 || ms[0].Value != 7 {
		t.Errorf("metrics after adoption: %+v", ms)
	}
	if e.marks(runs[0].ID)+e.marks(legacy) != 0 {
		t.Error("the adopted run was trained again")
	}
}

// writeLegacyRun stores one completed run with a metric as an earlier version did: a
// current database whose run has no key.
func writeLegacyRun(t *testing.T, path, id string, cfg config.Run) {
	t.Helper()
	s, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO runs (id, sweep, config, status, dir, created) VALUES (?1, 'ablation', ?2, 'completed', '/nowhere', '2026-11-01T00:00:00Z')`,
		`INSERT INTO sweep_runs (sweep, run_id, label, config) VALUES ('ablation', ?1, 'A', ?2)`,
		`INSERT INTO metrics (run_id, pos, name, value, step, epoch, identity) VALUES (?1, 0, 'swd_avg', 7, 10, 2, 'v1')`,
	} {
		args := []any{id, string(cfg.Canonical())}
		if strings.HasPrefix(q, "INSERT INTO metrics") {
			args = args[:1]
		}
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
}
