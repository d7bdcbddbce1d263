package evaluate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// LockFile is the run directory's lock file, the runner's (runner.LockFile; not imported, so
// that the runner may use this package).
const LockFile = ".lock"

// lockWait is how long an evaluation waits for a run that another process holds.
const lockWait = 5 * time.Second

// lockRun takes the run directory's lock (the one the runner holds while a run executes), so
// a run is not evaluated while "sweep run --force" retrains it or another evaluation scores it.
func lockRun(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w (held by another process?)", f.Name(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
