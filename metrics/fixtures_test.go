package metrics

import (
	"sweep/internal/fixtures"

	"math"
	"path/filepath"
	"testing"

	"sweep/safetensors"
)

// fixturesDir is the fixture folder's sub-folder sub.
func fixturesDir(t testing.TB, sub string) string { return fixtures.Dir(t, sub) }

// fixtureFiles lists the safetensors case files of a fixture folder and fails when there are none.
func fixtureFiles(t testing.TB, sub string) []string {
	t.Helper()
	dir := fixturesDir(t, sub)
	files, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("%s: no *.safetensors fixture files", dir)
	}
	return files
}

func mustF64(t testing.TB, f *safetensors.File, name string) ([]float64, []int) {
	t.Helper()
	v, shape, err := f.Float64(name)
	if err != nil {
		t.Fatal(err)
	}
	return v, shape
}

func mustInt(t testing.TB, f *safetensors.File, name string) []int {
	t.Helper()
	v, _, err := f.Int(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// relErr is |got-want| / |want| (absolute when want is 0).
func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// maxScaledErr is max|got-want| / max|want|.
func maxScaledErr(got []float32, want []float64) float64 {
	var maxDiff, maxWant float64
	for i := range want {
		maxDiff = max(maxDiff, math.Abs(float64(got[i])-want[i]))
		maxWant = max(maxWant, math.Abs(want[i]))
	}
	if maxWant == 0 {
		return maxDiff
	}
	return maxDiff / maxWant
}
