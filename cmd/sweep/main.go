// Command sweep runs reproducible QS-Attn / CUT experiment sweeps. Each subcommand lives in
// its own file and registers itself here; main only dispatches.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"sort"
)

// command is one subcommand: it parses its own flags and calls one package function.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string) error) {
	commands[name] = command{summary, run}
}

// gcPercent keeps the heap close to the live training state. The core recycles its tensors
// from one iteration to the next, so after the first one the heap hardly grows and a tight
// target costs almost no collections; Go's default (100) would let the first iteration's
// growth take RSS to twice the live heap. GOGC in the environment overrides it.
const gcPercent = 2

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "sweep: unknown command %q\n\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "sweep %s: %v\n", os.Args[1], err)
		os.Exit(exitCode(err))
	}
}

// exitCoder lets a subcommand choose its exit status (for example 1 for a failed check).
type exitCoder interface{ ExitCode() int }

func exitCode(err error) int {
	if ec, ok := err.(exitCoder); ok {
		return ec.ExitCode()
	}
	return 1
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: sweep <command> [options]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'sweep <command> -h' for a command's options.")
}
