package metrics

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// FrechetEps is added to both covariance diagonals when the first attempt is not finite,
// as pytorch-fid's calculate_frechet_distance does.
const FrechetEps = 1e-6

// imagTolerance is pytorch-fid's limit on the imaginary part of sqrtm's diagonal.
const imagTolerance = 1e-3

// FeatureStats accumulates the mean and covariance of feature vectors one vector at a time
// (Welford's update), so memory is dim² whatever the number of vectors.
type FeatureStats struct {
	dim  int
	n    int
	mean []float64
	m2   []float64 // upper triangle of Σ (x-mean)(x-mean)ᵀ, dim×dim row-major
}

// NewFeatureStats returns empty statistics for vectors of length dim.
func NewFeatureStats(dim int) *FeatureStats {
	return &FeatureStats{dim: dim, mean: make([]float64, dim), m2: make([]float64, dim*dim)}
}

// N is the number of vectors added.
func (s *FeatureStats) N() int { return s.n }

// Add adds one feature vector.
func (s *FeatureStats) Add(x []float64) error {
	if len(x) != s.dim {
		return fmt.Errorf("feature vector has %d values, want %d", len(x), s.dim)
	}
	s.n++
	delta := make([]float64, s.dim)
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("feature %d is %v", i, v)
		}
		delta[i] = v - s.mean[i]
		s.mean[i] += delta[i] / float64(s.n)
	}
	// M2 += (x - mean_old)(x - mean_new)ᵀ = (n-1)/n · δδᵀ
	blas64.Syr(float64(s.n-1)/float64(s.n), blas64.Vector{N: s.dim, Inc: 1, Data: delta},
		blas64.Symmetric{Uplo: blas.Upper, N: s.dim, Stride: s.dim, Data: s.m2})
	return nil
}

// Mean returns a copy of the mean vector.
func (s *FeatureStats) Mean() []float64 { return append([]float64(nil), s.mean...) }

// Cov returns the unbiased (N-1) covariance, as np.cov(rowvar=False).
func (s *FeatureStats) Cov() (*mat.SymDense, error) {
	if s.n < 2 {
		return nil, fmt.Errorf("covariance needs at least 2 feature vectors, have %d", s.n)
	}
	c := mat.NewSymDense(s.dim, nil)
	for i := 0; i < s.dim; i++ {
		for j := i; j < s.dim; j++ {
			c.SetSym(i, j, s.m2[i*s.dim+j]/float64(s.n-1))
		}
	}
	return c, nil
}

// Frechet is a Fréchet distance and how it was reached.
type Frechet struct {
	Distance  float64
	TrCovmean float64 // tr √(Σ1Σ2)
	EpsRetry  bool    // FrechetEps was added to the covariance diagonals
}

// errNotFinite marks a first attempt that the epsilon retry may repair.
var errNotFinite = errors.New("square root of the covariance product is not finite")

// FrechetDistance returns ‖μ1−μ2‖² + tr Σ1 + tr Σ2 − 2 tr √(Σ1Σ2) in float64.
//
// tr √(Σ1Σ2) is Σ √max(λ,0) over the eigenvalues λ of a symmetric positive semi-definite
// matrix with the same non-zero eigenvalues as Σ1Σ2 (see traceSqrtProduct), so singular
// covariances need no special care and no complex numbers arise. pytorch-fid retries with εI
// added to both covariances when scipy's sqrtm gives non-finite values; the equivalent
// trigger here is a failed eigendecomposition or a non-finite trace. A negative eigenvalue
// whose square root exceeds 1e-3 is an error, like pytorch-fid's imaginary-part check.
func FrechetDistance(mu1 []float64, sigma1 *mat.SymDense, mu2 []float64, sigma2 *mat.SymDense) (Frechet, error) {
	return frechetDistance(mu1, sigma1, mu2, sigma2, traceSqrtProduct)
}

// frechetDistance is FrechetDistance with tr √(Σ1Σ2) computed by traceSqrt.
func frechetDistance(mu1 []float64, sigma1 *mat.SymDense, mu2 []float64, sigma2 *mat.SymDense, traceSqrt func(s1, s2 *mat.SymDense) (float64, error)) (Frechet, error) {
	if err := checkFrechetInput(mu1, sigma1, mu2, sigma2); err != nil {
		return Frechet{}, err
	}
	var res Frechet
	tr, err := traceSqrt(sigma1, sigma2)
	if errors.Is(err, errNotFinite) {
		res.EpsRetry = true
		tr, err = traceSqrt(addDiag(sigma1, FrechetEps), addDiag(sigma2, FrechetEps))
		if err != nil {
			err = fmt.Errorf("after adding %g to the covariance diagonals: %w", FrechetEps, err)
		}
	}
	if err != nil {
		return Frechet{}, err
	}
	var d2 float64
	for i := range mu1 {
		d := mu1[i] - mu2[i]
		d2 += d * d
	}
	res.TrCovmean = tr
	res.Distance = d2 + mat.Trace(sigma1) + mat.Trace(sigma2) - 2*tr
	return res, nil
}

func checkFrechetInput(mu1 []float64, s1 *mat.SymDense, mu2 []float64, s2 *mat.SymDense) error {
	n := len(mu1)
	if len(mu2) != n || s1.SymmetricDim() != n || s2.SymmetricDim() != n {
		return fmt.Errorf("dimensions differ: mu1 %d, mu2 %d, sigma1 %d, sigma2 %d", n, len(mu2), s1.SymmetricDim(), s2.SymmetricDim())
	}
	for _, m := range []mat.Matrix{mat.NewVecDense(n, mu1), mat.NewVecDense(n, mu2), s1, s2} {
		if !allFinite(m) {
			return errors.New("mean or covariance holds NaN or Inf")
		}
	}
	return nil
}

func allFinite(m mat.Matrix) bool {
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := m.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

func addDiag(s *mat.SymDense, eps float64) *mat.SymDense {
	out := mat.NewSymDense(s.SymmetricDim(), nil)
	out.CopySym(s)
	for i := 0; i < out.SymmetricDim(); i++ {
		out.SetSym(i, i, out.At(i, i)+eps)
	}
	return out
}

// pivotTol is the pivoted Cholesky's stopping tolerance; negative selects LAPACK's default,
// n·eps·max(diag): directions below it are rounding noise of a rank-deficient covariance.
var pivotTol = -1.0

// traceSqrtProduct returns tr √(Σ1Σ2) = Σ √λ over the eigenvalues of F Σ2 Fᵀ, where
// Σ1 = FᵀF comes from a pivoted Cholesky factorisation (F is rank×n). Σ1Σ2 = FᵀFΣ2 and FΣ2Fᵀ
// have the same non-zero eigenvalues, as do √Σ1 Σ2 √Σ1 and Σ1Σ2. The factor avoids the full
// eigendecomposition of Σ1 that √Σ1 needs: for 2048-d features about 10× faster at full rank
// and far more for the low rank of a small test set, with the same result to 1e-15 (full
// rank) or to the rounding noise of the null space (about 1e-7 of the trace).
func traceSqrtProduct(s1, s2 *mat.SymDense) (float64, error) {
	f, piv, rank := pivotedCholesky(s1)
	if rank == 0 {
		return 0, nil
	}
	n := s1.SymmetricDim()
	// G = F·P̃ᵀΣ2P̃ restricted to the pivoted order, then H = G·Fᵀ.
	s2p := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			s2p.Set(i, j, s2.At(piv[i], piv[j]))
		}
	}
	var g, h mat.Dense
	g.Mul(f, s2p)
	h.Mul(&g, f.T())
	m := mat.NewSymDense(rank, nil)
	for i := 0; i < rank; i++ {
		for j := i; j < rank; j++ {
			m.SetSym(i, j, (h.At(i, j)+h.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(m, false) {
		return 0, fmt.Errorf("eigendecomposition of F Σ2 Fᵀ failed: %w", errNotFinite)
	}
	var tr float64
	for _, l := range eig.Values(nil) {
		if l < 0 && math.Sqrt(-l) > imagTolerance {
			return 0, fmt.Errorf("covariance product has eigenvalue %g: imaginary component %g exceeds %g (covariances not positive semi-definite)", l, math.Sqrt(-l), imagTolerance)
		}
		tr += math.Sqrt(max(l, 0))
	}
	if math.IsNaN(tr) || math.IsInf(tr, 0) {
		return 0, errNotFinite
	}
	return tr, nil
}

// pivotedCholesky factors Pᵀ·s·P = UᵀU (LAPACK dpstrf) and returns the first rank rows of U
// as F (rank×n, in pivoted order), the pivot order and the rank.
func pivotedCholesky(s *mat.SymDense) (*mat.Dense, []int, int) {
	n := s.SymmetricDim()
	a := blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: make([]float64, n*n)}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			a.Data[i*n+j] = s.At(i, j)
		}
	}
	piv := make([]int, n)
	_, rank, _ := lapack64.Pstrf(a, piv, pivotTol, make([]float64, 2*n))
	if rank == 0 {
		return nil, piv, 0
	}
	f := mat.NewDense(rank, n, nil)
	for i := 0; i < rank; i++ {
		for j := i; j < n; j++ {
			f.Set(i, j, a.Data[i*n+j])
		}
	}
	return f, piv, rank
}
