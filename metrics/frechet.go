package metrics

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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

// traceSqrt is replaced in tests to force the retry path.
var traceSqrt = traceSqrtProduct

// FrechetDistance returns ‖μ1−μ2‖² + tr Σ1 + tr Σ2 − 2 tr √(Σ1Σ2) in float64.
//
// tr √(Σ1Σ2) is Σ √max(λ,0) over the eigenvalues λ of the symmetric matrix √Σ1 Σ2 √Σ1, which
// has the same eigenvalues as Σ1Σ2, so singular covariances need no special care. pytorch-fid
// retries with εI added to both covariances when scipy's sqrtm gives non-finite values; the
// equivalent trigger here is a failed eigendecomposition or a non-finite trace. A negative
// eigenvalue whose square root exceeds 1e-3 is an error, like pytorch-fid's imaginary part.
func FrechetDistance(mu1 []float64, sigma1 *mat.SymDense, mu2 []float64, sigma2 *mat.SymDense) (Frechet, error) {
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

// traceSqrtProduct returns tr √(Σ1Σ2) = Σ √λ over the eigenvalues of √Σ1 Σ2 √Σ1.
func traceSqrtProduct(s1, s2 *mat.SymDense) (float64, error) {
	root, err := sqrtSym(s1)
	if err != nil {
		return 0, err
	}
	n := s1.SymmetricDim()
	var tmp, prod mat.Dense
	tmp.Mul(root, s2)
	prod.Mul(&tmp, root)
	m := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			m.SetSym(i, j, (prod.At(i, j)+prod.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(m, false) {
		return 0, fmt.Errorf("eigendecomposition of √Σ1 Σ2 √Σ1 failed: %w", errNotFinite)
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

// sqrtSym returns the symmetric square root V·diag(√max(λ,0))·Vᵀ of s.
func sqrtSym(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("eigendecomposition of Σ1 failed: %w", errNotFinite)
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	n := len(vals)
	scaled := mat.NewDense(n, n, nil)
	for j, l := range vals {
		r := math.Sqrt(max(l, 0))
		for i := 0; i < n; i++ {
			scaled.Set(i, j, vecs.At(i, j)*r)
		}
	}
	var root mat.Dense
	root.Mul(scaled, vecs.T())
	return &root, nil
}
