// Package sweeptest builds the sweep program for tests that run it as real processes.
package sweeptest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Main builds the sweep program into a temporary folder, sets *bin to its path, runs the
// package's tests and removes the folder: a TestMain for packages whose tests start sweep.
func Main(m *testing.M, bin *string) {
	os.Exit(run(m, bin))
}

func run(m *testing.M, bin *string) int {
	tmp, err := os.MkdirTemp("", "sweep-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if *bin, err = Build(tmp); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// Build compiles sweep/cmd/sweep into dir and returns the program's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "sweep")
	if out, err := exec.Command("go", "build", "-o", bin, "sweep/cmd/sweep").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build sweep: %v\n%s", err, out)
	}
	return bin, nil
}
