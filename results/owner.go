package results

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

// Owner identifies the runner process holding a run's claim: its host, its PID and the
// process's start time, so that another process reusing the PID is not taken for it.
type Owner struct {
	Host  string
	PID   int
	Start string // the process's start time in clock ticks since boot (Linux); "" where unknown
}

// String names the owner for messages.
func (o Owner) String() string { return fmt.Sprintf("%s pid %d", o.Host, o.PID) }

var self = sync.OnceValue(func() Owner {
	host, _ := os.Hostname()
	start, _ := procStart(os.Getpid())
	return Owner{Host: host, PID: os.Getpid(), Start: start}
})

// Self is this process as an Owner.
func Self() Owner { return self() }

// gone reports whether o is a process of this host that no longer runs: its PID is free, a
// zombie, or now another process (a different start time). A process of another host is
// never known to be gone; its claim lapses with its lease.
func (o Owner) gone() bool {
	if o.Host != Self().Host {
		return false
	}
	start, err := procStart(o.PID)
	if errors.Is(err, errNoProc) {
		return syscall.Kill(o.PID, 0) == syscall.ESRCH // no /proc: trust the PID alone
	}
	return err != nil || (o.Start != "" && start != o.Start)
}

// errNoProc says this system has no /proc to read processes from.
var errNoProc = errors.New("no /proc")

// procStart returns the start time of the running process pid from /proc/PID/stat; an error
// when there is no such process or it is a zombie.
func procStart(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if _, serr := os.Stat("/proc/self/stat"); serr != nil {
			return "", errNoProc
		}
		return "", err
	}
	// The command name (field 2) is in parentheses and may hold anything, also ") ".
	i := strings.LastIndexByte(string(b), ')')
	fields := strings.Fields(string(b[i+1:])) // from field 3, the state
	if i < 0 || len(fields) < 20 {
		return "", fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return "", fmt.Errorf("process %d has exited", pid)
	}
	return fields[19], nil // field 22, starttime
}
