// Command sweep runs reproducible QS-Attn / CUT experiment sweeps. Each subcommand lives in
// its own file and registers itself here; main only dispatches.
package main

import (
	"fmt"
	"io"
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
	os.Exit(dispatch(os.Args[1:], os.Stderr))
}

// dispatch runs the subcommand args name and returns the exit status: 2 with the usage for
// no or an unknown command, 0 for help.
func dispatch(args []string, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sweep: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:]); err != nil {
		fmt.Fprintf(stderr, "sweep %s: %v\n", args[0], err)
		return exitCode(err)
	}
	return 0
}

// exitCoder lets a subcommand choose its exit status (for example 1 for a failed check).
type exitCoder interface{ ExitCode() int }

func exitCode(err error) int {
	if ec, ok := err.(exitCoder); ok {
		return ec.ExitCode()
	}
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sweep <command> [options]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'sweep <command> -h' for a command's options.")
}
