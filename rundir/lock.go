package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// LockFile is the run directory's lock: held by the runner (and inherited by the child) while
// a run executes, and by an evaluation while it scores the run, so a run is never executed
// twice at once nor evaluated while it is retrained; a dead runner's lock goes with its child.
const LockFile = ".lock"

// ErrBusy says another process holds a run's lock.
var ErrBusy = errors.New("run is busy in another process")

// Lock takes dir's lock (an exclusive flock of LockFile, created if missing), retrying for up
// to wait (a just-killed child may take a moment to go). When another process still holds it
// the error wraps ErrBusy. Closing the returned file releases the lock.
func Lock(dir string, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s: %w", dir, ErrBusy)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
