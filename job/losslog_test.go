package job

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"sweep/rundir"
)

// TestLossLogCutsATornLine: a killed attempt's partial last line is cut before the resumed
// attempt appends, so no line of the log is torn.
func TestLossLogCutsATornLine(t *testing.T) {
	for _, tt := range []struct{ name, before, want string }{
		{"torn", "{\"iter\":1}\n{\"iter\":2,\"lo", "{\"iter\":1}\n{\"iter\":3,\"total\":4}\n"},
		{"whole", "{\"iter\":1}\n", "{\"iter\":1}\n{\"iter\":3,\"total\":4}\n"},
		{"new", "", "{\"iter\":3,\"total\":4}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), rundir.LossesFile)
			if tt.before != "" {
				os.WriteFile(path, []byte(tt.before), 0o644)
			}
			f, err := openLossLog(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := logLosses(f, rundir.Progress{Iter: 3, Total: 4}); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if b, _ := os.ReadFile(path); string(b) != tt.want {
				t.Errorf("log %q, want %q", b, tt.want)
			}
		})
	}
}

// TestLossLogWriteErrorIsReported: a write that fails (here on a closed file, as on a full
// disk) is an error naming the file.
func TestLossLogWriteErrorIsReported(t *testing.T) {
	f, err := openLossLog(filepath.Join(t.TempDir(), rundir.LossesFile))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := logLosses(f, rundir.Progress{Iter: 1}); err == nil {
		t.Error("a failed write was not reported")
	}
}

func TestNonFiniteLossesAreDropped(t *testing.T) {
	ls := finiteLosses(map[string]float64{"G": math.NaN(), "D": 1, "NCE": math.Inf(1)}, 7)
	if len(ls) != 1 || ls["D"] != 1 {
		t.Errorf("losses %v, want only D", ls)
	}
	f, _ := openLossLog(filepath.Join(t.TempDir(), rundir.LossesFile))
	defer f.Close()
	if err := logLosses(f, rundir.Progress{Iter: 7, Losses: ls}); err != nil {
		t.Errorf("a line without the NaN losses: %v", err)
	}
}
