package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDispatchExitStatus: no command or an unknown one is a usage error (2), help is not.
func TestDispatchExitStatus(t *testing.T) {
	for _, tt := range []struct {
		args []string
		exit int
		says string
	}{
		{nil, 2, "usage: sweep <command>"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"help"}, 0, "usage: sweep <command>"},
		{[]string{"--help"}, 0, "commands:"},
	} {
		var out bytes.Buffer
		if code := dispatch(tt.args, &out); code != tt.exit || !strings.Contains(out.String(), tt.says) {
			t.Errorf("sweep %v: exit %d, want %d; output lacks %q:\n%s", tt.args, code, tt.exit, tt.says, out.String())
		}
	}
}
