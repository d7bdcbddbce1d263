package runner

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sweep/rundir"
)

// crashWindow is how much of a log's end is searched for the cause of a crash; a Go crash
// prints its cause first and then every goroutine's stack, far more than tailLines.
const crashWindow = 4 << 20

// crashCause returns what a child that crashed said first in its last attempt: the Go
// runtime's "fatal error:" or "panic:" line, worded plainly for an out-of-memory, with the
// line before it that says how much it wanted. "" when the last attempt did not crash.
func crashCause(dir string) string {
	lines := lastAttempt(dir)
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "fatal error: out of memory"), strings.HasPrefix(l, "fatal error: runtime: out of memory"):
			detail := ""
			if i > 0 && strings.HasPrefix(lines[i-1], "runtime: out of memory") {
				detail = " (" + strings.TrimPrefix(lines[i-1], "runtime: ") + ")"
			}
			return "out of memory: the run needs more memory than it may use" + detail + "; make it smaller (crop_size, ngf, n_blocks, queries) or give it more memory"
		case strings.HasPrefix(l, "fatal error: "), strings.HasPrefix(l, "panic: "):
			return l
		}
	}
	return ""
}

// lastAttempt returns the lines of the log's last attempt (after its last "==== attempt"
// marker), read from at most the last crashWindow bytes.
func lastAttempt(dir string) []string {
	f, err := os.Open(filepath.Join(dir, rundir.LogFile))
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > crashWindow {
		f.Seek(st.Size()-crashWindow, io.SeekStart)
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), crashWindow)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "==== attempt") {
			lines = lines[:0]
		} else {
			lines = append(lines, l)
		}
	}
	return lines
}
