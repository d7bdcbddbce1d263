package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"sweep/results"
)

// flags is one command's flag set together with what its help prints: the synopsis, a
// description, the positional arguments and every flag. Every command declares its flags
// on one and parses with parse, so all of them take flags before and after their
// positional arguments, print the same help for -h and --help, and exit 2 on a usage error.
type flags struct {
	*flag.FlagSet
	name     string   // "sweep run"
	synopsis string   // the positional part of the synopsis: "FILE.toml", "[RUN...]"
	lead     bool     // the synopsis comes before the flags: "sweep baseline write [options] FILE"
	about    string   // what the command does, one or more paragraphs
	args     []argDoc // the positional arguments, for the help
	min, max int      // number of positional arguments; max < 0: no limit
	required []string // flags that must be given
}

type argDoc struct{ name, doc string }

func newFlags(name string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, name: name}
}

// describe sets the synopsis's positional part and the description.
func (f *flags) describe(synopsis, about string) {
	f.synopsis, f.about = synopsis, strings.TrimSpace(about)
}

// leadWith puts the synopsis's positional part before the flags, for a command whose first
// argument selects what it does ("write FILE", "swd|fid|seg").
func (f *flags) leadWith() { f.lead = true }

// positional documents one positional argument.
func (f *flags) positional(name, doc string) { f.args = append(f.args, argDoc{name, doc}) }

// nargs sets how many positional arguments the command takes (max < 0: any number).
func (f *flags) nargs(min, max int) { f.min, f.max = min, max }

// require marks flags that must be given.
func (f *flags) require(names ...string) { f.required = append(f.required, names...) }

// dbFlag declares the results database flag every database command takes.
func (f *flags) dbFlag(p *string) {
	f.StringVar(p, "db", results.DefaultPath(), "results database `F` ($SWEEP_DB sets the default)")
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct {
	f   *flags
	msg string
}

func (e *usageError) Error() string { return e.msg }
func (e *usageError) ExitCode() int { return 2 }

// usageErr returns a usage error of the command.
func (f *flags) usageErr(format string, a ...any) error {
	return &usageError{f, fmt.Sprintf(format, a...)}
}

// parse parses args, flags and positional arguments in any order ("--" ends the flags),
// and checks the required flags and the number of positional arguments. For -h or
// --help it prints the help to stdout and returns flag.ErrHelp.
func (f *flags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.printHelp(os.Stdout)
				return nil, flag.ErrHelp
			}
			return nil, f.usageErr("%v", err)
		}
		rest := f.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	for _, name := range f.required {
		if !f.isSet(name) {
			return nil, f.usageErr("--%s is required", name)
		}
	}
	switch {
	case len(pos) < f.min || (f.max >= 0 && len(pos) > f.max):
		return nil, f.usageErr("%s, got %d", f.wantArgs(), len(pos))
	}
	return pos, nil
}

func (f *flags) wantArgs() string {
	switch {
	case f.min == 0 && f.max == 0:
		return "want no arguments"
	case f.min == f.max:
		return fmt.Sprintf("want %d argument(s): %s", f.min, f.synopsis)
	case f.max < 0:
		return fmt.Sprintf("want at least %d argument(s): %s", f.min, f.synopsis)
	}
	return fmt.Sprintf("want %d to %d arguments: %s", f.min, f.max, f.synopsis)
}

// placeholder returns the name of a flag's value ("" for a boolean flag) and its usage
// text without the backquotes that named it.
func placeholder(fl *flag.Flag) (string, string) {
	name, usage := flag.UnquoteUsage(fl)
	if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "", usage
	}
	if strings.Contains(fl.Usage, "`") {
		return name, usage
	}
	switch name {
	case "int", "uint":
		return "N", usage
	case "float":
		return "X", usage
	case "duration":
		return "DUR", usage
	case "string":
		return "S", usage
	}
	return "V", usage
}

// printHelp writes the synopsis, the description, the arguments and every flag.
func (f *flags) printHelp(w io.Writer) {
	switch {
	case f.synopsis == "":
		fmt.Fprintf(w, "usage: %s [options]\n", f.name)
	case f.lead:
		fmt.Fprintf(w, "usage: %s %s [options]\n", f.name, f.synopsis)
	default:
		fmt.Fprintf(w, "usage: %s [options] %s\n", f.name, f.synopsis)
	}
	if f.about != "" {
		fmt.Fprintf(w, "\n%s\n", f.about)
	}
	if len(f.args) > 0 {
		fmt.Fprintln(w, "\narguments:")
		for _, a := range f.args {
			fmt.Fprintf(w, "  %s\n    \t%s\n", a.name, strings.ReplaceAll(a.doc, "\n", "\n    \t"))
		}
	}
	fmt.Fprintln(w, "\noptions:")
	f.VisitAll(func(fl *flag.Flag) {
		value, usage := placeholder(fl)
		fmt.Fprintf(w, "  --%s", fl.Name)
		if value != "" {
			fmt.Fprintf(w, " %s", value)
		}
		if f.isRequired(fl.Name) {
			usage += " (required)"
		} else if fl.DefValue != "" && fl.DefValue != "false" && fl.DefValue != "0" {
			usage += fmt.Sprintf(" (default %s)", fl.DefValue)
		}
		fmt.Fprintf(w, "\n    \t%s\n", strings.ReplaceAll(usage, "\n", "\n    \t"))
	})
	fmt.Fprintln(w, "  -h, --help\n    \tprint this help")
}

// isSet reports whether the command line gave the flag.
func (f *flags) isSet(name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

func (f *flags) isRequired(name string) bool {
	for _, r := range f.required {
		if r == name {
			return true
		}
	}
	return false
}

// line returns the command's one-line synopsis with every flag, required ones first, as
// the README's CLI table shows it.
func (f *flags) line() string {
	var req, opt []string
	f.VisitAll(func(fl *flag.Flag) {
		s := "--" + fl.Name
		if value, _ := placeholder(fl); value != "" {
			s += " " + value
		}
		if f.isRequired(fl.Name) {
			req = append(req, s)
		} else {
			opt = append(opt, "["+s+"]")
		}
	})
	parts := []string{f.name}
	if f.lead {
		parts = append(parts, f.synopsis)
	}
	parts = append(parts, req...)
	parts = append(parts, opt...)
	if !f.lead && f.synopsis != "" {
		parts = append(parts, f.synopsis)
	}
	return strings.Join(parts, " ")
}
