package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestGoldenReports(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	for _, format := range []string{"md", "csv", "json", "latex"} {
		for _, published := range []bool{false, true} {
			name := "report." + format
			if published {
				name = "report-published." + format
			}
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, s, Options{Format: format, Published: published}); err != nil {
					t.Fatal(err)
				}
				golden(t, name, buf.Bytes())
			})
		}
	}
}

func TestOneSweepAndForcedKind(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	var buf bytes.Buffer
	if err := Render(&buf, s, Options{Format: "md", Sweep: "layers", Kind: KindMethods}); err != nil {
		t.Fatal(err)
	}
	golden(t, "layers-as-methods.md", buf.Bytes())
}

func TestReportErrors(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	cases := []struct {
		name string
		opt  Options
		want string
	}{
		{"format", Options{Format: "xml"}, `format "xml" is unknown`},
		{"html stream", Options{Format: "html"}, `--out DIR`},
		{"kind", Options{Format: "md", Kind: "fancy"}, `table kind "fancy" is unknown`},
		{"sweep", Options{Format: "md", Sweep: "nope"}, `sweep "nope" is not in`},
	}
	for _, c := range cases {
		err := Render(&bytes.Buffer{}, s, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestEmptyStore(t *testing.T) {
	s := newStore(t)
	var buf bytes.Buffer
	if err := Render(&buf, s, Options{Format: "md"}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "# Results\n\nNo runs recorded.\n" {
		t.Errorf("empty report = %q", got)
	}
}

func TestMissingDatabase(t *testing.T) {
	err := WriteReport(&bytes.Buffer{}, t.TempDir()+"/absent.db", Options{Format: "md"})
	if err == nil || !strings.Contains(err.Error(), "absent.db") {
		t.Errorf("error %v, want one naming the missing file", err)
	}
}

func TestChosenMetrics(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	cases := []struct {
		metrics []string
		want    []string
	}{
		{nil, []string{"fid", "swd_avg", "gt_object_l1", "seg_miou", "fid"}},
		{[]string{"gt_object_l1", "fid"}, []string{"gt_object_l1", "fid", "fid"}},
	}
	for _, c := range cases {
		rep, err := Build(s, Options{Format: "md", Sweep: "methods", Metrics: c.metrics})
		mustDo(t, err)
		var got []string
		for _, col := range rep.Sweeps[0].Tables[0].Columns {
			got = append(got, col.Metric)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("metrics %v: columns %v, want %v", c.metrics, got, c.want)
		}
	}
	_, err := Build(s, Options{Format: "md", Metrics: []string{"fid", "psnr"}})
	if err == nil || !strings.Contains(err.Error(), `metric "psnr" is unknown; known: seg_miou, fid, swd_avg, gt_object_l1`) {
		t.Errorf("unknown metric: error %v", err)
	}
}

func TestCSVStdEmptyForOneSeed(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	var buf bytes.Buffer
	mustDo(t, Render(&buf, s, Options{Format: "csv", Sweep: "methods"}))
	if !strings.Contains(buf.String(), "methods,methods,Local,false,builtin:zebra,,fid,lower,1,40.5,,false,") {
		t.Errorf("csv should leave the std of a single seed empty:\n%s", buf.String())
	}
}
