// Command sweep runs reproducible QS-Attn / CUT experiment sweeps. Each subcommand lives in
// its own file and registers itself here; main only dispatches.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"sort"

	"sweep/config"
	"sweep/internal/version"
	"sweep/linalg"
	"sweep/vec"
)

// command is one subcommand. setup declares its flags and help on a flag set and returns
// the function that runs it with the positional arguments; it calls one package function.
type command struct {
	summary string
	setup   func(f *flags) func(args []string) error
}

var commands = map[string]command{}

// define registers a command.
func define(name, summary string, setup func(f *flags) func(args []string) error) {
	commands[name] = command{summary: summary, setup: setup}
}

// run parses args with the command's flag set and runs it.
func (c command) run(name string, args []string) error {
	f := newFlags("sweep " + name)
	run := c.setup(f)
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	return run(pos)
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
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch runs the subcommand args name and returns the exit status: 0 for success and
// help, 2 for a usage error (no or an unknown command, a bad flag, wrong arguments), else
// the error's own status (1 unless it chooses one).
func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	case "--version", "version":
		printVersion(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sweep: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(args[0], args[1:])
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "sweep %s: %v\n", args[0], err)
	if ue := (*usageError)(nil); errors.As(err, &ue) {
		fmt.Fprintf(stderr, "usage: %s\nRun '%s --help' for the options.\n", ue.f.line(), ue.f.name)
	}
	return exitCode(err)
}

// exitCoder lets a subcommand choose its exit status (for example 1 for a failed check).
type exitCoder interface{ ExitCode() int }

// exitCode returns the exit status chosen by err or by an error it wraps, else 1. A child
// process's status (an *exec.ExitError, which has an ExitCode method too) is not passed on.
func exitCode(err error) int {
	if ec := exitCoder(nil); errors.As(err, &ec) {
		if _, child := ec.(*exec.ExitError); !child {
			return ec.ExitCode()
		}
	}
	return 1
}

// printVersion writes the program's version, the VCS revision it was built from (with
// "(modified)" for a work tree with uncommitted changes), its matrix-product backend with
// the kernel's own description, Go, and whether the elementwise loops run as vector code.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "sweep %s\nbackend %s (%s), %s, %s\n", version.Read(), config.Backend, linalg.KernelVersion(), runtime.Version(), loops())
}

// loops says how package vec's elementwise loops run: as vector code (which) or plain Go.
func loops() string {
	if v := vec.Vectorised(); v != "" {
		return "vector loops " + v
	}
	return "plain Go"
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
	fmt.Fprintln(w, "\nRun 'sweep <command> -h' for a command's options, 'sweep --version' for the version.")
}
