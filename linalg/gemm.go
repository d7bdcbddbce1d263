// Package linalg holds the matrix product every numerical package of sweep uses: OpenBLAS
// through cgo (gonum's pure Go with the purego build tag), parallelised over fixed column
// blocks so results never depend on the number of threads.
package linalg

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// gemmPieces is how many blocks a large product is split into, along the longer of its
// output's rows and columns. The split depends only on the matrix sizes, never on the
// number of threads, and each block is one single-threaded kernel call, so every output
// element is summed in the same order whatever GOMAXPROCS is: results are bit-identical on
// 1 core or many. Few wide blocks keep each kernel call near its peak; four balance two
// cores when one of them is busy elsewhere.
const gemmPieces = 4

// minPiece is the narrowest block worth a kernel call of its own.
const minPiece = 64

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
	if degenerate(m, n, k, beta, c, ldc) {
		return
	}
	rows := m >= n
	width := pieceWidth(max(m, n), m*n*k)
	block := func(lo int) {
		if rows {
			h := min(width, m-lo)
			ai := lo * lda // row lo of op(A): a row of A, or a column of A when A is transposed
			if transA {
				ai = lo
			}
			sgemm(transA, transB, h, n, k, alpha, a[ai:], lda, b, ldb, beta, c[lo*ldc:], ldc)
			return
		}
		w := min(width, n-lo)
		bj := lo // column lo of op(B): a column of B, or a row of B when B is transposed
		if transB {
			bj = lo * ldb
		}
		sgemm(transA, transB, m, w, k, alpha, a, lda, b[bj:], ldb, beta, c[lo:], ldc)
	}
	var starts []int
	dim := n
	if rows {
		dim = m
	}
	for lo := 0; lo < dim; lo += width {
		starts = append(starts, lo)
	}
	parallel(starts, block)
}

// GemmSerial is GemmStrided as one single-threaded kernel call, for callers that run
// independent products side by side: unsplit, no operand is packed twice.
func GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !degenerate(m, n, k, beta, c, ldc) {
		sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// degenerate counts a product's operations and handles the cases without a kernel call:
// an empty C, and k = 0 (C = beta·C).
func degenerate(m, n, k int, beta float32, c []float32, ldc int) bool {
	if m == 0 || n == 0 {
		return true
	}
	flops.Add(2 * int64(m) * int64(n) * int64(k))
	if k > 0 {
		return false
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			row[j] *= beta
		}
	}
	return true
}

// pieceWidth is the block size along a dimension of length d for a product of the given
// size: gemmPieces blocks, rounded up to whole cache lines, or one block for small products.
func pieceWidth(d, size int) int {
	if size < 1<<18 || d < 2*minPiece {
		return d
	}
	w := (d + gemmPieces - 1) / gemmPieces
	return max(minPiece, (w+15)/16*16)
}

// parallel runs f on every start, on up to GOMAXPROCS goroutines.
func parallel(starts []int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), len(starts))
	if workers <= 1 {
		for _, s := range starts {
			f(s)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, len(starts))
	for _, s := range starts {
		next <- s
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				f(s)
			}
		}()
	}
	wg.Wait()
}

// GemmBatch computes count independent products C_i = op(A_i)·op(B_i) + beta·C_i of dense
// row-major matrices stored in a, b and c at offsets i·stride(size), for the matrix sizes
// m·k, k·n and m·n. The products run in parallel, each as one single-threaded kernel call,
// so results do not depend on the number of threads.
func GemmBatch(transA, transB bool, m, n, k int, a, b []float32, beta float32, c []float32, count int, stride func(size int) int) {
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	flops.Add(2 * int64(m) * int64(n) * int64(k) * int64(count))
	sa, sb, sc := stride(m*k), stride(k*n), stride(m*n)
	starts := make([]int, count)
	for i := range starts {
		starts[i] = i
	}
	parallel(starts, func(i int) {
		sgemm(transA, transB, m, n, k, 1, a[i*sa:], lda, b[i*sb:], ldb, beta, c[i*sc:], n)
	})
}
