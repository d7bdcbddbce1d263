package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRunEvalArguments(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	tests := []struct {
		args     []string
		exit     int
		contains string
	}{
		{[]string{"--db", db, "--sweep", "s", "r1"}, 2, "not both"},
		{[]string{"--db", db, "--epochs", "some"}, 1, "all, final"},
		{[]string{"--db", db, "--metrics", "swd, lpips"}, 1, `"lpips" is unknown`},
		{[]string{"--db", db, "--sweep", "nope"}, 1, `sweep "nope" has no runs`},
		{[]string{"--db", db}, 0, ""},
	}
	for _, tt := range tests {
		err := runCommand("eval", tt.args...)
		if code := map[bool]int{true: 0, false: exitCode(err)}[err == nil]; code != tt.exit {
			t.Errorf("%v: exit %d (%v), want %d", tt.args, code, err, tt.exit)
		}
		if err != nil && !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("%v: error %q lacks %q", tt.args, err, tt.contains)
		}
	}
}
