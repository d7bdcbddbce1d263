package metrics

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"sweep/safetensors"
)

func TestFrechetFixtures(t *testing.T) {
	for _, path := range fixtureFiles(t, "fid") {
		f, err := safetensors.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cases := frechetCases(f)
		if len(cases) == 0 {
			t.Fatalf("%s: no <case>.fid tensors", path)
		}
		for _, c := range cases {
			t.Run(filepath.Base(path)+"/"+c, func(t *testing.T) { checkFrechetCase(t, f, c) })
		}
	}
}

func frechetCases(f *safetensors.File) []string {
	var cases []string
	for name := range f.Tensors {
		if c, ok := strings.CutSuffix(name, ".fid"); ok {
			cases = append(cases, c)
		}
	}
	slices.Sort(cases)
	return cases
}

func checkFrechetCase(t *testing.T, f *safetensors.File, c string) {
	want, _ := mustF64(t, f, c+".fid")
	wantTr, _ := mustF64(t, f, c+".tr_covmean")
	mu1, _ := mustF64(t, f, c+".mu1")
	mu2, _ := mustF64(t, f, c+".mu2")
	s1, s2 := fixtureSym(t, f, c+".sigma1"), fixtureSym(t, f, c+".sigma2")

	got, err := FrechetDistance(mu1, s1, mu2, s2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fid %.12g (scipy %.12g, rel %.3g), tr covmean rel %.3g", got.Distance, want[0], relErr(got.Distance, want[0]), relErr(got.TrCovmean, wantTr[0]))
	if e := relErr(got.Distance, want[0]); e > 1e-6 {
		t.Errorf("fid %.12g, scipy %.12g (rel %.3g)", got.Distance, want[0], e)
	}
	if e := relErr(got.TrCovmean, wantTr[0]); e > 1e-6 {
		t.Errorf("tr covmean %.12g, scipy %.12g (rel %.3g)", got.TrCovmean, wantTr[0], e)
	}
	if used, ok := f.Metadata[c+".eps_fallback_used"]; ok && (used == "true") != got.EpsRetry {
		t.Errorf("eps retry %v, fixture says %s", got.EpsRetry, used)
	}

	// The same distance from the raw features, through the streaming statistics.
	st1, st2 := fixtureStats(t, f, c+".feats1"), fixtureStats(t, f, c+".feats2")
	checkStats(t, st1, mu1, s1)
	checkStats(t, st2, mu2, s2)
	cov1, _ := st1.Cov()
	cov2, _ := st2.Cov()
	fromFeats, err := FrechetDistance(st1.Mean(), cov1, st2.Mean(), cov2)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(fromFeats.Distance, want[0]); e > 1e-6 {
		t.Errorf("fid from features %.12g, scipy %.12g (rel %.3g)", fromFeats.Distance, want[0], e)
	}
}

func fixtureSym(t *testing.T, f *safetensors.File, name string) *mat.SymDense {
	v, shape := mustF64(t, f, name)
	return mat.NewSymDense(shape[0], v)
}

func fixtureStats(t *testing.T, f *safetensors.File, name string) *FeatureStats {
	v, shape := mustF64(t, f, name)
	st := NewFeatureStats(shape[1])
	for i := 0; i < shape[0]; i++ {
		if err := st.Add(v[i*shape[1] : (i+1)*shape[1]]); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func checkStats(t *testing.T, st *FeatureStats, mu []float64, sigma *mat.SymDense) {
	cov, err := st.Cov()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range st.Mean() {
		if math.Abs(m-mu[i]) > 1e-12*(1+math.Abs(mu[i])) {
			t.Fatalf("mean[%d] = %.15g, numpy %.15g", i, m, mu[i])
		}
	}
	scale := mat.Norm(sigma, math.Inf(1))
	var diff mat.Dense
	diff.Sub(cov, sigma)
	if e := mat.Norm(&diff, math.Inf(1)) / scale; e > 1e-12 {
		t.Fatalf("covariance differs from np.cov by %.3g of its norm", e)
	}
}

func TestFrechetClosedForms(t *testing.T) {
	diag := func(v ...float64) *mat.SymDense {
		s := mat.NewSymDense(len(v), nil)
		for i, x := range v {
			s.SetSym(i, i, x)
		}
		return s
	}
	rank1 := mat.NewSymDense(3, []float64{1, 2, 3, 2, 4, 6, 3, 6, 9}) // vvᵀ, v = (1,2,3)
	tests := []struct {
		name      string
		mu1, mu2  []float64
		s1, s2    *mat.SymDense
		want, tol float64
	}{
		// tr √(Σ1Σ2) = Σ √(a_i b_i) for diagonal covariances.
		{"diagonal", []float64{0, 0, 0}, []float64{1, 2, 2}, diag(1, 4, 9), diag(4, 1, 1), 9 + 14 + 6 - 2*(2+2+3), 1e-12},
		// Σ1 = 0, the case that makes scipy's sqrtm singular: tr √(Σ1Σ2) = 0.
		{"zero covariance", []float64{1, 1, 1}, []float64{1, 1, 2}, diag(0, 0, 0), diag(1, 2, 3), 1 + 6, 1e-12},
		// Two equal rank-1 covariances: distance 0 up to the √ of rounding noise in the zero
		// eigenvalues (about √(1e-16·196) each), as with scipy.
		{"equal rank 1", []float64{0, 0, 0}, []float64{0, 0, 0}, rank1, rank1, 0, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FrechetDistance(tt.mu1, tt.s1, tt.mu2, tt.s2)
			if err != nil {
				t.Fatal(err)
			}
			if got.EpsRetry {
				t.Error("singular input needed the epsilon retry; the eigen route should not")
			}
			if math.Abs(got.Distance-tt.want) > tt.tol*max(1, math.Abs(tt.want)) {
				t.Errorf("distance %.15g, want %.15g", got.Distance, tt.want)
			}
		})
	}
}

// TestFrechetRetry forces the first attempt to fail and checks the retry adds ε to both diagonals.
func TestFrechetRetry(t *testing.T) {
	s1 := mat.NewSymDense(2, []float64{2, 1, 1, 3})
	s2 := mat.NewSymDense(2, []float64{1, 0.5, 0.5, 1})
	mu := []float64{0, 0}
	want, err := FrechetDistance(mu, addDiag(s1, FrechetEps), mu, addDiag(s2, FrechetEps))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	failOnce := func(a, b *mat.SymDense) (float64, error) {
		calls++
		if calls == 1 {
			return 0, errNotFinite
		}
		return traceSqrtProduct(a, b)
	}
	got, err := frechetDistance(mu, s1, mu, s2, failOnce)
	if err != nil {
		t.Fatal(err)
	}
	if !got.EpsRetry || calls != 2 {
		t.Fatalf("retry %v after %d calls, want a retry after 2", got.EpsRetry, calls)
	}
	if got.TrCovmean != want.TrCovmean {
		t.Errorf("tr covmean after retry %.15g, want %.15g (the ε-shifted covariances)", got.TrCovmean, want.TrCovmean)
	}
}

func TestFrechetBadInput(t *testing.T) {
	id := mat.NewSymDense(2, []float64{1, 0, 0, 1})
	huge := mat.NewSymDense(2, []float64{1e200, 0, 0, 1e200})
	nan := mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1})
	neg := mat.NewSymDense(2, []float64{-1, 0, 0, -1})
	tests := []struct {
		name     string
		s1, s2   *mat.SymDense
		mu2      []float64
		contains string
	}{
		{"NaN covariance", nan, id, []float64{0, 0}, "NaN or Inf"},
		{"NaN mean", id, id, []float64{0, math.NaN()}, "NaN or Inf"},
		{"dimension mismatch", id, id, []float64{0, 0, 0}, "dimensions differ"},
		// √Σ1 Σ2 √Σ1 overflows: the non-finite trigger fires, and ε cannot repair it.
		{"overflow", huge, huge, []float64{0, 0}, "after adding 1e-06"},
		{"not positive semi-definite", id, neg, []float64{0, 0}, "imaginary component"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FrechetDistance([]float64{0, 0}, tt.s1, tt.mu2, tt.s2)
			if err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("error %v, want one containing %q", err, tt.contains)
			}
		})
	}
}

func TestFeatureStatsErrors(t *testing.T) {
	st := NewFeatureStats(2)
	if err := st.Add([]float64{1}); err == nil {
		t.Error("wrong length accepted")
	}
	if err := st.Add([]float64{1, math.Inf(1)}); err == nil {
		t.Error("Inf accepted")
	}
	st = NewFeatureStats(2)
	st.Add([]float64{1, 2})
	if _, err := st.Cov(); err == nil {
		t.Error("covariance of one vector accepted")
	}
}
