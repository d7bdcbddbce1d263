// Package rundir defines the run directory, the unit of durability: the files a run reads
// and writes, and their formats; files are written atomically, so a crash never leaves a half-written one.
//
//	config.json        the resolved config.Run (written by the runner before the child starts)
//	log.txt            everything the child printed
//	checkpoint/        the training state (latest.safetensors); a restarted child resumes from it;
//	                   with eval_every, also epoch_NNNN.safetensors (the generator of epoch NNNN)
//	images/real_A/*.png the test inputs, at test size (for image grids)
//	images/fake/*.png  the translated test images (same file names), by the final generator
//	images/epoch_NNNN/fake/*.png the same by the generator kept at epoch NNNN
//	images/real_B/*.png the real target-domain test images at the test size (for metrics)
//	losses.jsonl       one Progress line per logged iteration
//	result.json        a Result; its presence means the run completed
package rundir

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sweep/config"
	"sweep/internal/atomicfile"
)

// File names inside a run directory.
const (
	ConfigFile     = "config.json"
	LogFile        = "log.txt"
	CheckpointDir  = "checkpoint"
	FakeImagesDir  = "images/fake"
	InputImagesDir = "images/real_A"
	RealImagesDir  = "images/real_B" // the target domain's real test images at the test size
	LossesFile     = "losses.jsonl"
	ResultFile     = "result.json"
	ProgressPrefix = "@progress " // a child's stdout line that carries a Progress as JSON
)

// Progress is one progress report of a child, printed on stdout as ProgressPrefix + JSON.
type Progress struct {
	Iter   int                `json:"iter"`
	Total  int                `json:"total"`
	Losses map[string]float64 `json:"losses,omitempty"`
	Phase  string             `json:"phase,omitempty"` // "train", "translate", "metrics"
}

// Metric is one computed value with the identity of how it was computed.
type Metric struct {
	Name     string  `json:"name"` // e.g. "swd_avg", "swd_64", "fid", "seg_miou", "gt_background_l1"
	Value    float64 `json:"value"`
	Step     int     `json:"step"`     // training iteration the value belongs to
	Epoch    int     `json:"epoch"`    // epoch of the checkpoint it scores (0: a given checkpoint, not trained here)
	Identity string  `json:"identity"` // implementation, version, resize mode, image count, seed
}

// Result is what a completed run leaves behind.
type Result struct {
	Metrics  []Metric      `json:"metrics"`
	Iters    int           `json:"iters"`
	Duration time.Duration `json:"duration_ns"`
}

// WriteJSON writes v as indented JSON, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'))
}

// ReadJSON reads a JSON file into v, naming the file in any error.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ReadConfig reads and validates dir's config.json.
func ReadConfig(dir string) (config.Run, error) {
	var r config.Run
	if err := ReadJSON(filepath.Join(dir, ConfigFile), &r); err != nil {
		return r, err
	}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	return r, nil
}

// ReadResult reads dir's result.json; ok is false when the run has not completed.
func ReadResult(dir string) (res Result, ok bool, err error) {
	err = ReadJSON(filepath.Join(dir, ResultFile), &res)
	if os.IsNotExist(err) {
		return res, false, nil
	}
	return res, err == nil, err
}
