package main

import (
	"os"
	"time"

	"golang.org/x/term"

	"sweep/runner"
)

// terminalWidth returns a function giving f's width in columns when f is a terminal.
func terminalWidth(f *os.File) (width func() int, ok bool) {
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		return nil, false
	}
	return func() int {
		w, _, err := term.GetSize(fd)
		if err != nil {
			return 0
		}
		return w
	}, true
}

// reporterFor shows bars on a terminal and plain lines (progress every interval) otherwise.
func reporterFor(f *os.File, every time.Duration) func(total, done, slots int) runner.Reporter {
	if width, ok := terminalWidth(f); ok {
		return func(total, done, slots int) runner.Reporter {
			return runner.NewTermReporter(f, width, total, done, slots)
		}
	}
	return func(total, done, slots int) runner.Reporter {
		return runner.NewPlainReporter(f, total, done, slots, every)
	}
}
