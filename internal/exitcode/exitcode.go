// Package exitcode has the error that chooses the program's exit status.
package exitcode

// Error is an error that chooses the program's exit status: cmd/sweep exits with the
// ExitCode of an error that has one.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }
func (e *Error) ExitCode() int { return e.Code }
