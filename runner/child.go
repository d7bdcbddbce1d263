package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"sweep/rundir"
)

// ExitInterrupted is the exit status of a child that was interrupted and kept its checkpoint.
const ExitInterrupted = 3

// outputGrace bounds how long the runner waits for a dead child's output pipe to close, in
// case a grandchild kept it open.
const outputGrace = 5 * time.Second

// childSpec is one attempt of one run.
type childSpec struct {
	exe     string // the sweep executable; the child is "exe exec dir"
	dir     string // the run directory
	slot    Slot
	attempt int
	lock    *os.File // the run's lock, inherited so it stays held while the child lives
}

// exit is how an attempt ended.
type exit struct {
	code        int   // the child's exit status; -1 when it never ran or died by a signal
	err         error // why it did not exit 0, in words
	interrupted bool  // the runner asked it to stop (or killed it)
}

// parentEnv names, in a child's environment, the PID of the runner that started it.
const parentEnv = "SWEEP_PARENT_PID"

// runChild runs one attempt: the child's stderr and plain stdout lines go to the run's log,
// its progress lines to progress. When ctx ends the child's process group gets SIGINT;
// when kill closes, SIGKILL. When the child has exited, whatever is left in its process
// group (a command's background processes) is killed before the child is reaped.
func runChild(ctx context.Context, kill <-chan struct{}, c childSpec, progress func(rundir.Progress)) exit {
	logf, err := os.OpenFile(filepath.Join(c.dir, rundir.LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return exit{code: -1, err: err}
	}
	defer logf.Close()
	fmt.Fprintf(logf, "==== attempt %d on %s at %s ====\n", c.attempt, c.slot.Name, time.Now().Format(time.RFC3339))

	out := &lineWriter{log: logf, progress: progress}
	cmd := childCommand(c, out, logf)
	// The child's Pdeathsig fires when the thread that started it exits, not the process:
	// this goroutine keeps its thread (which then runs nothing else) until the child is
	// reaped, and unlocks it after, so the thread cannot end while the child lives.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(logf, "start: %v\n", err)
		return exit{code: -1, err: fmt.Errorf("start %s: %w", c.exe, err)}
	}
	stopWatch := make(chan struct{})
	var stopped sync.WaitGroup
	stopped.Add(1)
	var interrupted bool
	go func() {
		defer stopped.Done()
		interrupted = watch(ctx, kill, stopWatch, cmd.Process.Pid)
	}()
	werr := waitAndClearGroup(cmd)
	close(stopWatch)
	stopped.Wait()
	out.flush()
	return exitOf(werr, interrupted)
}

// childCommand is "exe exec dir" with the slot's environment, the run's lock, and the
// runner's PID in parentEnv (for dieWithParent).
func childCommand(c childSpec, stdout, stderr io.Writer) *exec.Cmd {
	cmd := exec.Command(c.exe, "exec", c.dir)
	cmd.Env = append(os.Environ(), c.slot.Env...)
	cmd.Env = append(cmd.Env, "SWEEP_DEVICE="+c.slot.Name, fmt.Sprintf("SWEEP_LOCK_FD=%d", lockFD),
		fmt.Sprintf("%s=%d", parentEnv, os.Getpid()))
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.ExtraFiles = []*os.File{c.lock}
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = outputGrace
	return cmd
}

// dieWithParent, in a child a runner started (parentEnv set), kills the child's whole
// process group with SIGKILL (itself, its command and the command's own children) as soon
// as that runner is gone: on the Pdeathsig SIGTERM the runner asked for (Linux), or at the
// latest a second later (it polls the parent's PID, which changes when the runner dies),
// and at the returned function, which the child defers. Elsewhere it does nothing.
func dieWithParent() (atExit func()) {
	parent, err := strconv.Atoi(os.Getenv(parentEnv))
	if err != nil {
		return func() {}
	}
	orphaned := func() {
		if os.Getppid() != parent {
			killOwnGroup()
		}
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		tick := time.NewTicker(time.Second)
		for {
			orphaned()
			select {
			case <-term:
			case <-tick.C:
			}
		}
	}()
	return orphaned
}

// killOwnGroup kills this process's group when this process leads it, as a runner's child
// does, and exits otherwise.
func killOwnGroup() {
	if syscall.Getpgrp() == os.Getpid() {
		syscall.Kill(0, syscall.SIGKILL)
	}
	os.Exit(1)
}

// watch forwards an interrupt to the child and, on kill, kills its process group. It reports
// whether it signalled the child at all.
func watch(ctx context.Context, kill <-chan struct{}, done <-chan struct{}, pid int) (signalled bool) {
	select {
	case <-done:
		return false
	case <-ctx.Done():
		syscall.Kill(-pid, syscall.SIGINT) // the whole group, as a terminal's Ctrl-C
	case <-kill:
	}
	select {
	case <-done:
	case <-kill:
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	return true
}

func exitOf(werr error, interrupted bool) exit {
	if werr == nil {
		return exit{code: 0, interrupted: interrupted}
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code := ee.ExitCode()
		if code == ExitInterrupted {
			interrupted = true
		}
		return exit{code: code, err: werr, interrupted: interrupted}
	}
	if errors.Is(werr, exec.ErrWaitDelay) {
		return exit{code: 0, interrupted: interrupted} // exited 0; a grandchild held the output open
	}
	return exit{code: -1, err: werr, interrupted: interrupted}
}

// maxLine bounds a buffered output line; a longer one is written out in pieces.
const maxLine = 1 << 20

// lineWriter splits a child's stdout into lines: progress lines go to progress, others to log.
type lineWriter struct {
	log      io.Writer
	progress func(rundir.Progress)
	buf      []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(w.buf[:i+1])
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > maxLine {
		w.flush()
	}
	return len(p), nil
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.line(append(w.buf, '\n'))
		w.buf = w.buf[:0]
	}
}

func (w *lineWriter) line(b []byte) {
	if rest, ok := bytes.CutPrefix(b, []byte(rundir.ProgressPrefix)); ok {
		var p rundir.Progress
		if json.Unmarshal(rest, &p) == nil {
			if w.progress != nil {
				w.progress(p)
			}
			return
		}
	}
	w.log.Write(b)
}
