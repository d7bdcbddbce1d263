package metrics

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sweep/internal/atomicfile"
	"sweep/safetensors"
)

// statsKey identifies the feature statistics of a list of files under one network: it hashes
// the network name, this implementation's version and every file's name and content.
func statsKey(paths []string, network string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", fidImplName, fidVersion, network)
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		fh := sha256.New()
		_, err = io.Copy(fh, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		fmt.Fprintf(h, "%s\x00%x\x00", filepath.Base(p), fh.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// cachedFeatureStats returns the statistics of paths from cacheDir when present, otherwise
// computes and stores them there.
func cachedFeatureStats(paths []string, ext FeatureExtractor, network, cacheDir string) (*FeatureStats, error) {
	key, err := statsKey(paths, network)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(cacheDir, "fidstats-"+key+".safetensors")
	if st, err := ReadFeatureStats(file); err == nil {
		return st, nil
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	st, err := PathFeatureStats(paths, ext)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	return st, st.Write(file, map[string]string{"network": network, "key": key, "images": fmt.Sprint(len(paths))})
}

// Write stores the statistics (count, mean, unnormalised co-moment matrix) as safetensors.
func (s *FeatureStats) Write(path string, metadata map[string]string) error {
	w := safetensors.NewWriter()
	for k, v := range metadata {
		w.Metadata[k] = v
	}
	w.AddInt64("n", []int{}, []int{s.n})
	w.AddFloat64("mean", []int{s.dim}, s.mean)
	w.AddFloat64("m2", []int{s.dim, s.dim}, s.m2)
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}

// ReadFeatureStats reads statistics written by Write.
func ReadFeatureStats(path string) (*FeatureStats, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n, _, err := f.Int("n")
	if err != nil {
		return nil, err
	}
	mean, shape, err := f.Float64("mean")
	if err != nil {
		return nil, err
	}
	m2, m2shape, err := f.Float64("m2")
	if err != nil {
		return nil, err
	}
	if len(n) != 1 || len(shape) != 1 || len(m2shape) != 2 || m2shape[0] != shape[0] || m2shape[1] != shape[0] {
		return nil, fmt.Errorf("%s: n, mean %v and m2 %v do not fit together", path, shape, m2shape)
	}
	return &FeatureStats{dim: shape[0], n: n[0], mean: mean, m2: m2}, nil
}
