package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sweep/results"
)

// TestReportHTML: --format html needs --out DIR (a usage error without it) and writes the
// site's index there.
func TestReportHTML(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sweep.db")
	s, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var out bytes.Buffer
	if code := dispatch([]string{"report", "--format", "html", "--db", db}, &out, &out); code != 2 || !strings.Contains(out.String(), "--out DIR") {
		t.Errorf("report --format html without --out: exit %d, want 2 and a word on --out DIR:\n%s", code, out.String())
	}
	site := filepath.Join(dir, "site")
	out.Reset()
	if code := dispatch([]string{"report", "--format", "html", "--db", db, "--out", site}, &out, &out); code != 0 {
		t.Fatalf("report --format html --out: exit %d:\n%s", code, out.String())
	}
	index, err := os.ReadFile(filepath.Join(site, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(index), "No runs recorded.") {
		t.Errorf("index.html of an empty database:\n%s", index)
	}
}
