package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/results"
)

// baselineStore holds one sweep with one lower-is-better and one higher-is-better metric.
func baselineStore(t *testing.T) (string, []fake) {
	t.Helper()
	fakes := append(
		seeds(fake{sweep: "ci", variant: "Global", metrics: map[string]float64{"fid": 40, "seg_miou": 20}}, 1, 2, 3),
		seeds(fake{sweep: "ci", variant: "CUT", mode: "cut", metrics: map[string]float64{"fid": 45, "seg_miou": 18}}, 1, 2, 3)...)
	s := newStore(t)
	addFakes(t, s, fakes)
	return s.Path(), fakes
}

func TestBaselineRoundTrip(t *testing.T) {
	db, _ := baselineStore(t)
	for _, name := range []string{"base.toml", "base.json"} {
		path := filepath.Join(t.TempDir(), name)
		n, err := WriteBaseline(db, path, "ci", 0.1, 0)
		if err != nil || n != 4 {
			t.Fatalf("%s: WriteBaseline = %d, %v; want 4 entries", name, n, err)
		}
		b, err := ReadBaseline(path)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"Global fid": 41, "Global seg_miou": 21, "CUT fid": 46, "CUT seg_miou": 19}
		for _, e := range b.Entries {
			key := strings.Fields(e.Label)[0] + " " + e.Metric
			if want[key] != e.Value || e.TolRel != 0.1 || e.N != 3 || len(e.Group) != 12 {
				t.Errorf("%s: entry %+v, want value %g, tol_rel 0.1, n 3", name, e, want[key])
			}
		}
		var out bytes.Buffer
		if err := Check(&out, db, path, "ci"); err != nil {
			t.Errorf("%s: check of unchanged results failed: %v\n%s", name, err, out.String())
		}
	}
}

func TestCheckVerdicts(t *testing.T) {
	db, fakes := baselineStore(t)
	global := GroupKey(fakes[0].config())
	cases := []struct {
		name    string
		entry   BaselineEntry
		verdict string
	}{
		{"equal", BaselineEntry{Group: global, Metric: "fid", Value: 41}, VerdictOK},
		{"worse within abs", BaselineEntry{Group: global, Metric: "fid", Value: 40.5, TolAbs: 0.5}, VerdictOK},
		{"worse within rel", BaselineEntry{Group: global, Metric: "fid", Value: 40, TolRel: 0.03}, VerdictOK},
		{"fid regressed", BaselineEntry{Group: global, Metric: "fid", Value: 40, TolRel: 0.02}, VerdictRegression},
		{"fid improved", BaselineEntry{Group: global, Metric: "fid", Value: 50, TolAbs: 1}, VerdictImproved},
		{"seg regressed", BaselineEntry{Group: global, Metric: "seg_miou", Value: 22, TolAbs: 0.5}, VerdictRegression},
		{"seg improved", BaselineEntry{Group: global, Metric: "seg_miou", Value: 18, TolAbs: 0.5}, VerdictImproved},
		{"seg within", BaselineEntry{Group: global, Metric: "seg_miou", Value: 21.4, TolAbs: 0.5}, VerdictOK},
		{"unknown metric", BaselineEntry{Group: global, Metric: "swd_avg", Value: 1}, VerdictMissing},
		{"unknown group", BaselineEntry{Group: "000000000000", Metric: "fid", Value: 1}, VerdictMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "b.json")
			data, err := encodeBaseline(&Baseline{Entries: []BaselineEntry{c.entry}}, false)
			mustDo(t, err)
			mustDo(t, os.WriteFile(path, data, 0o644))
			var out bytes.Buffer
			err = Check(&out, db, path, "")
			if !strings.Contains(out.String(), c.verdict) {
				t.Errorf("output lacks verdict %s:\n%s", c.verdict, out.String())
			}
			var failed *CheckFailed
			fails := c.verdict == VerdictRegression || c.verdict == VerdictMissing
			if fails != errors.As(err, &failed) {
				t.Fatalf("Check error = %v; want failure %v", err, fails)
			}
			if fails && failed.ExitCode() != 1 {
				t.Errorf("exit code %d, want 1", failed.ExitCode())
			}
		})
	}
}

func TestCheckSeededRegression(t *testing.T) {
	db, fakes := baselineStore(t)
	path := filepath.Join(t.TempDir(), "base.toml")
	if _, err := WriteBaseline(db, path, "ci", 0.05, 0); err != nil {
		t.Fatal(err)
	}
	// Three more seeds of Global (fid 60, 60.5, 61): the mean of six rises from 41 to 50.75.
	worse := seeds(fakes[0], 4, 5, 6)
	for i := range worse {
		worse[i].metrics["fid"] += 17.5
	}
	s, err := results.Open(db)
	mustDo(t, err)
	addFakes(t, s, worse)
	s.Close()
	var out bytes.Buffer
	err = Check(&out, db, path, "ci")
	var failed *CheckFailed
	if !errors.As(err, &failed) || failed.Regressions != 1 || failed.Missing != 0 {
		t.Fatalf("Check = %v, want exactly one regression\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "REGRESSION") || !strings.Contains(out.String(), "+9.75") {
		t.Errorf("output should show the regression and its delta +9.75:\n%s", out.String())
	}
}

func TestReadBaselineErrors(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"b.toml", "[[entries]]\ngroup = \"g\"\nmetric = \"fid\"\nvalue = 1\ntolerance = 2\n", `unknown key "entries.tolerance"`},
		{"b.toml", "[[entries]]\nmetric = \"fid\"\nvalue = 1\n", "entry 1: group is empty"},
		{"b.json", "{\"entries\": [{\"group\": \"g\", \"metric\": \"fid\", \"value\": 1, \"tol_rel\": -1}]}", "must not be negative"},
		{"b.json", "{\"entries\": [\n{\"group\": \"g\",\n\"metric\": fid}]}", "line 3"},
		{"b.json", "{\"entries\": [{\"group\": \"g\", \"metric\": \"fid\", \"valu\": 1}]}", `unknown field "valu"`},
		{"b.json", "{\"entries\": [{\"group\": \"g\", \"metric\": \"fid\", \"value\": \"x\"}]}", "line 1"},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), c.name)
		mustDo(t, os.WriteFile(path, []byte(c.body), 0o644))
		_, err := ReadBaseline(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s %q: error %v, want one naming the file and containing %q", c.name, c.body, err, c.want)
		}
	}
}

func TestWriteBaselineWithoutResults(t *testing.T) {
	s := newStore(t)
	if _, err := WriteBaseline(s.Path(), filepath.Join(t.TempDir(), "b.toml"), "", 0.1, 0); err == nil {
		t.Error("WriteBaseline of an empty database succeeded")
	}
}
