//go:build cgo && !purego

package core

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
*/
import "C"

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"unsafe"
)

// GemmKernel names the matrix kernel this build uses.
const GemmKernel = "openblas"

var setThreads sync.Once

// sgemm calls OpenBLAS. Its thread count follows GOMAXPROCS (which the runner sets per
// run); OpenBLAS partitions a product over rows and columns, never over k, so results do
// not depend on it.
func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	setThreads.Do(func() { C.openblas_set_num_threads(C.int(blasThreads())) })
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

// blasThreads is SWEEP_BLAS_THREADS, or GOMAXPROCS.
func blasThreads() int {
	if n, err := strconv.Atoi(os.Getenv("SWEEP_BLAS_THREADS")); err == nil && n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}
