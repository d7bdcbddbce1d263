package official

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"sweep/internal/childproc"
)

// stopGrace is how long an interrupted script may take to exit before it is killed.
var stopGrace = time.Minute

// runScript runs argv (no shell: each element is one argument) with this process's output;
// each line it prints goes to onLine too. An interrupt reaches the script through the
// process group it shares with this process, and ctx's end sends it SIGINT as well; one still
// running stopGrace later is killed. The kernel kills it when this process dies.
func runScript(ctx context.Context, argv, env []string, onLine func(string)) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout = &lineWriter{out: os.Stdout, fn: onLine}
	cmd.Stderr = os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = stopGrace
	err := childproc.Run(cmd)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("official %s stopped: %w", scriptOf(argv), ctx.Err())
	case childproc.Interrupted(err):
		return fmt.Errorf("official %s stopped: %w", scriptOf(argv), context.Canceled)
	case err != nil:
		return fmt.Errorf("official %s: %w (see the run's log)", scriptOf(argv), err)
	}
	return nil
}

// scriptOf is the script name in a launcher command line.
func scriptOf(argv []string) string {
	for _, a := range argv {
		if strings.HasSuffix(a, ".py") && !strings.HasSuffix(a, LauncherFile) {
			return a
		}
	}
	return strings.Join(argv, " ")
}

// scriptEnv is this process's environment for the script: Python's hash seed from the run's
// seed, unbuffered output (progress lines arrive as printed), cuBLAS's deterministic
// workspace, and on a CPU slot as many torch threads as the slot's share of the CPUs.
func scriptEnv(seed int64, gpu bool) []string {
	env := append(os.Environ(),
		"PYTHONHASHSEED="+strconv.FormatUint(uint64(seed)%(1<<32), 10),
		"PYTHONUNBUFFERED=1",
		"CUBLAS_WORKSPACE_CONFIG=:4096:8")
	if procs := os.Getenv("GOMAXPROCS"); !gpu && procs != "" {
		env = append(env, "OMP_NUM_THREADS="+procs)
	}
	return env
}

// onGPU reports whether this child runs on a GPU slot (SWEEP_DEVICE "gpu:N", set by the runner).
func onGPU() bool { return strings.HasPrefix(os.Getenv("SWEEP_DEVICE"), "gpu:") }
