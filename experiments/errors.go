package experiments

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is a configuration error located in a file. Line is 0 when the error has no single
// place in the file (a missing table, for example).
type Error struct {
	File string
	Line int
	Key  string // dotted key path, array elements as [i] (0-based): "include[1].variant"
	Msg  string
}

// Error formats as "file:line: key: msg", leaving out the line when it is 0 and the key
// when it is empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// syntaxError turns a TOML decoding error into an *Error at the line the decoder reports.
func syntaxError(file string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{File: file, Line: pe.Position.Line, Key: pe.LastKey, Msg: "TOML syntax: " + pe.Message}
	}
	return &Error{File: file, Msg: "TOML: " + err.Error()}
}

// errorList collects the errors of one phase; its err joins them in order.
type errorList []error

func (l *errorList) add(e *Error) { *l = append(*l, e) }

// err joins the errors in the order of their lines.
func (l errorList) err() error {
	slices.SortStableFunc(l, func(a, b error) int { return a.(*Error).Line - b.(*Error).Line })
	return errors.Join(l...)
}
