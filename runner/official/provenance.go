package official

import (
	_ "embed"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sweep/internal/atomicfile"
	"sweep/rundir"
)

//go:embed launcher.py
var launcher []byte

// writeLauncher writes the launcher into the run directory.
func writeLauncher(dir string) error {
	return atomicfile.Write(filepath.Join(dir, LauncherFile), launcher)
}

// Provenance is what ProvenanceFile records of one launch of the official code. The
// launcher adds the Python, torch, CUDA and GPU of each script in EnvFile.
type Provenance struct {
	Code       string    `json:"official_code"`    // the checkout, absolute
	Commit     string    `json:"commit,omitempty"` // its git HEAD; "" when it is not a git checkout
	Dirty      bool      `json:"dirty,omitempty"`  // it has uncommitted changes
	Python     string    `json:"python"`           // the interpreter named on the command lines
	Device     string    `json:"device"`           // the runner's slot (SWEEP_DEVICE)
	ResumedAt  int       `json:"resumed_from_epoch"`
	Train      []string  `json:"train"`
	Test       []string  `json:"test"`
	Started    time.Time `json:"started"`
	Reproduced string    `json:"reproducibility"`
}

// gitState reads a checkout's commit and whether it has uncommitted changes.
func gitState(code string) (commit string, dirty bool) {
	out, err := exec.Command("git", "-C", code, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", false
	}
	status, err := exec.Command("git", "-C", code, "status", "--porcelain").Output()
	return strings.TrimSpace(string(out)), err != nil || len(strings.TrimSpace(string(status))) > 0
}

// recordProvenance writes ProvenanceFile for this launch.
func recordProvenance(dir, code string, resume int, train, test []string) error {
	abs, err := filepath.Abs(code)
	if err != nil {
		return err
	}
	p := Provenance{Code: abs, Python: train[0], Device: os.Getenv("SWEEP_DEVICE"), ResumedAt: resume,
		Train: train, Test: test, Started: time.Now().UTC(),
		Reproduced: "seeded (Python, NumPy, torch CPU and CUDA; cuDNN deterministic); GPU runs are not bit-reproducible"}
	p.Commit, p.Dirty = gitState(abs)
	return rundir.WriteJSON(filepath.Join(dir, ProvenanceFile), p)
}
