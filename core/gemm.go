package core

// gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where op(A) is
// m x k and op(B) is k x n. Every matrix product of the core goes through here, so the
// kernel behind it (OpenBLAS, or gonum's pure Go with the purego build tag) is chosen in
// one place.
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, b []float32, beta float32, c []float32) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		for i := range c[:m*n] {
			c[i] *= beta
		}
		return
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n)
}
