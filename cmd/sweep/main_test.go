package main

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"sweep/internal/exitcode"
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
		{[]string{"list", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"list", "--help"}, 0, ""},
	} {
		var out bytes.Buffer
		if code := dispatch(tt.args, &out, &out); code != tt.exit || !strings.Contains(out.String(), tt.says) {
			t.Errorf("sweep %v: exit %d, want %d; output lacks %q:\n%s", tt.args, code, tt.exit, tt.says, out.String())
		}
	}
}

// runCommand runs the command name with args in this process, as dispatch does.
func runCommand(name string, args ...string) error {
	return commands[name].run(name, args)
}

// TestExitCodeUnwraps: a wrapped error keeps the exit status it chose.
func TestExitCodeUnwraps(t *testing.T) {
	err := fmt.Errorf("context: %w", &exitcode.Error{Code: 3, Err: errors.New("x")})
	if got := exitCode(err); got != 3 {
		t.Errorf("exitCode(wrapped status 3) = %d", got)
	}
	if got := exitCode(errors.New("plain")); got != 1 {
		t.Errorf("exitCode(plain) = %d, want 1", got)
	}
	child := exec.Command("sh", "-c", "exit 7").Run()
	if got := exitCode(fmt.Errorf("command: %w", child)); got != 1 {
		t.Errorf("exitCode(a child's exit status 7) = %d, want 1", got)
	}
}
