package preflight

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"sweep/experiments"
)

// maxNamed is how many runs an error names before it counts the rest.
const maxNamed = 3

// finding is one problem at one place of the file, with the runs that have it.
type finding struct {
	line int
	key  string // where the key was set ("base.metrics"), or the key when it was not set
	def  bool   // the key was not set: its value is the default
	msg  string
	runs []string
}

// findings collects problems in the order found, merging those that several runs share.
type findings struct {
	list  []*finding
	index map[string]*finding
}

func (f *findings) add(o experiments.Origin, p problem, t target) {
	key := o.Path
	if o.Default() {
		key = p.key
	}
	id := fmt.Sprintf("%d\x00%s\x00%v\x00%s", o.Line, key, o.Default(), p.msg)
	if f.index == nil {
		f.index = map[string]*finding{}
	}
	fd, ok := f.index[id]
	if !ok {
		fd = &finding{line: o.Line, key: key, def: o.Default(), msg: p.msg}
		f.index[id] = fd
		f.list = append(f.list, fd)
	}
	if !slices.Contains(fd.runs, t.name) {
		fd.runs = append(fd.runs, t.name)
	}
}

// err joins the findings as *experiments.Error in line order (then in the order found),
// or returns nil when there are none.
func (f *findings) err(file string) error {
	slices.SortStableFunc(f.list, func(a, b *finding) int { return a.line - b.line })
	errs := make([]error, len(f.list))
	for i, fd := range f.list {
		note := runsText(fd.runs)
		if fd.def {
			note = "default; " + note
		}
		errs[i] = &experiments.Error{File: file, Line: fd.line, Key: fd.key + " (" + note + ")", Msg: fd.msg}
	}
	return errors.Join(errs...)
}

// runsText names the runs: "run A", "runs A, B", "runs A, B, C and 4 more".
func runsText(runs []string) string {
	if len(runs) == 1 {
		return "run " + runs[0]
	}
	named := runs[:min(len(runs), maxNamed)]
	s := "runs " + strings.Join(named, ", ")
	if n := len(runs) - len(named); n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}
