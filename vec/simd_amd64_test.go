//go:build goexperiment.simd

package vec

import (
	"simd/archsimd"
	"testing"
)

// TestVectorisedWhereAvailable makes sure a GOEXPERIMENT=simd build on an AVX2 CPU runs the
// vector loops, so the bit-for-bit comparison above compares two different loops.
func TestVectorisedWhereAvailable(t *testing.T) {
	if archsimd.X86.AVX2() && Vectorised() != "avx2" {
		t.Fatalf("AVX2 CPU and a simd build, but the loops run as %q", Vectorised())
	}
}
