// Package linalg holds the matrix product every numerical package of sweep uses: OpenBLAS
// through cgo (gonum's pure Go with the purego build tag), parallelised over fixed column
// blocks so results never depend on the number of threads.
package linalg

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// gemmChunk is the width of the column blocks a product is split into. The split depends only
// on the matrix sizes, never on the number of threads, and each block is one single-threaded
// kernel call, so every output element is summed in the same order whatever GOMAXPROCS is:
// results are bit-identical on 1 core or many.
const gemmChunk = 128

// flops counts the floating-point operations of every product, for benchmarks.
var flops atomic.Int64

// Flops is the number of floating-point operations (2·m·n·k per product) done so far.
func Flops() int64 { return flops.Load() }

// Gemm computes C = alpha*op(A)*op(B) + beta*C for dense row-major matrices, where op(A) is
// m x k and op(B) is k x n.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, b []float32, beta float32, c []float32) {
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	GemmStrided(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n)
}

// GemmStrided is Gemm on sub-matrices: lda, ldb and ldc are the row strides of the stored
// A, B and C, so a block of columns of a larger matrix can be used in place.
func GemmStrided(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	flops.Add(2 * int64(m) * int64(n) * int64(k))
	if k == 0 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
		return
	}
	block := func(j0 int) {
		w := min(gemmChunk, n-j0)
		bj := j0 // column j0 of op(B): column offset in B, or row offset when B is transposed
		if transB {
			bj = j0 * ldb
		}
		sgemm(transA, transB, m, w, k, alpha, a, lda, b[bj:], ldb, beta, c[j0:], ldc)
	}
	blocks := (n + gemmChunk - 1) / gemmChunk
	workers := min(runtime.GOMAXPROCS(0), blocks)
	if workers <= 1 || m*n*k < 1<<18 {
		for j0 := 0; j0 < n; j0 += gemmChunk {
			block(j0)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, blocks)
	for j0 := 0; j0 < n; j0 += gemmChunk {
		next <- j0
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j0 := range next {
				block(j0)
			}
		}()
	}
	wg.Wait()
}
