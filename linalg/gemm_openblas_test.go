//go:build cgo && !purego

package linalg

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestKernelRunsWidestFamily checks that OpenBLAS does not run a CPU with AVX2 or AVX-512 on
// the SSE kernels it falls back to for model numbers it does not know.
func TestKernelRunsWidestFamily(t *testing.T) {
	if _, chosen := os.LookupEnv("OPENBLAS_CORETYPE"); chosen {
		t.Skip("OPENBLAS_CORETYPE chooses the kernel family")
	}
	widest := widestCore()
	if widest == "" {
		t.Skip("this CPU has neither AVX2 nor AVX-512")
	}
	Gemm(false, false, 1, 1, 1, 1, []float32{1}, []float32{1}, 0, []float32{0})
	if core := CoreName(); slices.Contains(sseCores, core) {
		t.Errorf("OpenBLAS runs %s kernels on a CPU that runs %s", core, widest)
	}
	if v := KernelVersion(); !strings.Contains(v, CoreName()) {
		t.Errorf("KernelVersion %q does not name the kernel family %s", v, CoreName())
	}
}

// TestKernelHonoursCoreType checks that a family the user chose with OPENBLAS_CORETYPE is
// kept, in a child process since OpenBLAS reads it when it is loaded.
func TestKernelHonoursCoreType(t *testing.T) {
	if os.Getenv("SWEEP_PRINT_CORE") == "1" {
		Gemm(false, false, 1, 1, 1, 1, []float32{1}, []float32{1}, 0, []float32{0})
		os.Stdout.WriteString("core=" + CoreName() + "\n")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKernelHonoursCoreType$", "-test.v")
	cmd.Env = append(os.Environ(), "SWEEP_PRINT_CORE=1", "OPENBLAS_CORETYPE=Prescott")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "core=Prescott\n") {
		t.Errorf("with OPENBLAS_CORETYPE=Prescott the child reports\n%s", out)
	}
}
