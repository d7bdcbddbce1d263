package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestGoldenReports(t *testing.T) {
	s := newStore(t)
	addFakes(t, s, testFakes())
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, s, Options{Format: format}); err != nil {
				t.Fatal(err)
			}
			golden(t, "report."+format, buf.Bytes())
		})
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
		{"format", Options{Format: "html"}, `format "html" is unknown`},
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
