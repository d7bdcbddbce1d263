//go:build cgo && !purego

package linalg

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"strings"
	"sync"
	"unsafe"
)

// Kernel names the matrix kernel this build uses.
const Kernel = "openblas"

var setThreads sync.Once

// sgemm calls OpenBLAS on one thread: its own threading changes the summation order with the
// thread count, so gemm parallelises over fixed column blocks instead.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	setThreads.Do(func() { C.openblas_set_num_threads(1) })
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	C.cblas_sgemm(C.CblasRowMajor, ta, tb, C.blasint(m), C.blasint(n), C.blasint(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.blasint(lda), (*C.float)(unsafe.Pointer(&b[0])), C.blasint(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}

// KernelVersion describes the library behind Kernel: OpenBLAS's own configuration string,
// its version, build options and the CPU core type it dispatches to.
func KernelVersion() string { return strings.TrimSpace(C.GoString(C.openblas_get_config())) }
