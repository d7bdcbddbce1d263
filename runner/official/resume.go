package official

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"sweep/evaluate"
	"sweep/rundir"
)

// State is how far a run got, kept in StateFile so a resumed run skips finished stages.
type State struct {
	Trained bool `json:"trained"` // train.py exited 0 after the last epoch
	Tested  bool `json:"tested"`  // test.py exited 0
}

func readState(dir string) (State, error) {
	var st State
	err := rundir.ReadJSON(filepath.Join(dir, StateFile), &st)
	if os.IsNotExist(err) {
		return State{}, nil
	}
	return st, err
}

func writeState(dir string, st State) error {
	return rundir.WriteJSON(filepath.Join(dir, StateFile), st)
}

// resumeEpoch is the last epoch the official trainer saved completely in ckDir (its G and
// D, and every other <epoch>_net_*.pth of that epoch, whole), or 0. A killed save (the
// networks are written one after another, G first) leaves that epoch incomplete, and the
// one before is taken.
func resumeEpoch(ckDir string) (int, error) {
	epochs, err := evaluate.OfficialEpochs(ckDir)
	if err != nil {
		return 0, err
	}
	for _, e := range slices.Backward(epochs) {
		if savedWhole(ckDir, e) {
			return e, nil
		}
	}
	return 0, nil
}

func savedWhole(ckDir string, epoch int) bool {
	nets, _ := filepath.Glob(filepath.Join(ckDir, fmt.Sprintf("%d_net_*.pth", epoch)))
	has := map[string]bool{}
	for _, p := range nets {
		if !wholeTorchFile(p) {
			return false
		}
		has[filepath.Base(p)] = true
	}
	return has[fmt.Sprintf("%d_net_G.pth", epoch)] && has[fmt.Sprintf("%d_net_D.pth", epoch)]
}

// wholeTorchFile reports whether path is a complete torch.save file: a zip archive whose
// central directory reads (a cut-off file has none), or a non-empty legacy pickle.
func wholeTorchFile(path string) bool {
	head := make([]byte, 2)
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	n, _ := f.Read(head)
	f.Close()
	if n < 2 {
		return false
	}
	if !bytes.Equal(head, []byte("PK")) {
		return true // the legacy format has no end marker to check
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return false
	}
	return z.Close() == nil
}
