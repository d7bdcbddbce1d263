package metrics

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The pytorch-fid Inception weights. torch.hub names a file by the first hex digits of its
// SHA-256, so the name carries the check.
const (
	InceptionFile = "pt_inception-2015-12-05-6726825d.pth"
	InceptionURL  = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + InceptionFile
	InceptionEnv  = "SWEEP_INCEPTION"
	// NoDownloadEnv, when set to anything but "" or "0", forbids every download of weights
	// (tests, machines without network): missing weights are then unavailable at once.
	NoDownloadEnv = "SWEEP_NO_DOWNLOAD"
	// CacheEnv is sweep's cache folder (generated data, hashes, weights); default
	// <user cache dir>/sweep.
	CacheEnv = "SWEEP_CACHE"
)

// ErrInceptionUnavailable is matched (errors.Is) by the error returned when the Inception
// weights are neither present nor downloadable. FID is then absent: never zero, never
// computed with another network.
var ErrInceptionUnavailable = errors.New("Inception weights unavailable")

// InceptionUnavailableError says where the weights were expected and why they are missing.
type InceptionUnavailableError struct {
	Path   string // where the file must be put
	URL    string // where to get it
	Reason error
}

func (e *InceptionUnavailableError) Error() string {
	return fmt.Sprintf("Inception weights not available at %s (%v); FID is not computed. Download %s and put it at %s, or pass --inception PATH or set %s",
		e.Path, e.Reason, e.URL, e.Path, InceptionEnv)
}

// Is makes errors.Is(err, ErrInceptionUnavailable) true.
func (e *InceptionUnavailableError) Is(target error) bool { return target == ErrInceptionUnavailable }

func (e *InceptionUnavailableError) Unwrap() error { return e.Reason }

// weightsSpec names a weights file, where to fetch it and the prefix its SHA-256 must have.
type weightsSpec struct {
	file, url, shaPrefix string
}

var inceptionSpec = weightsSpec{InceptionFile, InceptionURL, "6726825d"}

// InceptionPath returns where the weights are looked for: explicit if not empty, else
// $SWEEP_INCEPTION, else sweep's cache folder: $SWEEP_CACHE/pt_inception-2015-12-05-6726825d.pth,
// or <user cache dir>/sweep/pt_inception-2015-12-05-6726825d.pth without SWEEP_CACHE.
func InceptionPath(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if p := os.Getenv(InceptionEnv); p != "" {
		return p, nil
	}
	dir, err := CacheDir()
	if err != nil {
		return "", fmt.Errorf("no --inception path, no %s and %w", InceptionEnv, err)
	}
	return filepath.Join(dir, InceptionFile), nil
}

// CacheDir is sweep's cache folder: $SWEEP_CACHE, else <user cache dir>/sweep.
func CacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder (set %s): %w", CacheEnv, err)
	}
	return filepath.Join(dir, "sweep"), nil
}

// DownloadAllowed reports whether $SWEEP_NO_DOWNLOAD leaves downloads allowed.
func DownloadAllowed() bool {
	v := os.Getenv(NoDownloadEnv)
	return v == "" || v == "0"
}

// LocateInception returns the path of verified Inception weights. When the file is missing
// and download is true (and $SWEEP_NO_DOWNLOAD is unset), it is fetched from InceptionURL
// into that path first.
func LocateInception(explicit string, download bool) (string, error) {
	path, err := InceptionPath(explicit)
	if err != nil {
		return "", &InceptionUnavailableError{Path: filepath.Join("<cache>", "sweep", InceptionFile), URL: InceptionURL, Reason: err}
	}
	return locate(inceptionSpec, path, download && DownloadAllowed())
}

func locate(spec weightsSpec, path string, download bool) (string, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return path, verifyWeights(spec, path)
	case !os.IsNotExist(err):
		return "", err
	case !download:
		return "", &InceptionUnavailableError{Path: path, URL: spec.url, Reason: errors.New("file not found, download disabled")}
	}
	if err := fetch(spec, path); err != nil {
		return "", &InceptionUnavailableError{Path: path, URL: spec.url, Reason: err}
	}
	return path, nil
}

func verifyWeights(spec weightsSpec, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); !strings.HasPrefix(sum, spec.shaPrefix) {
		return fmt.Errorf("%s: SHA-256 %s does not start with %s: not the weights file %s", path, sum, spec.shaPrefix, spec.file)
	}
	return nil
}

// fetch downloads spec.url to path through a temporary file that is renamed only after the
// SHA-256 check, so path never holds a partial or wrong file.
func fetch(spec weightsSpec, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Fail fast where the network is closed; allow a slow transfer of the 92 MB file.
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 20 * time.Second}).DialContext,
		TLSHandshakeTimeout:   20 * time.Second,
		ResponseHeaderTimeout: time.Minute,
	}
	client := &http.Client{Timeout: 30 * time.Minute, Transport: transport}
	resp, err := client.Get(spec.url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", spec.url, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".part*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), resp.Body); err != nil {
		tmp.Close()
		return fmt.Errorf("GET %s: %w", spec.url, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if sum := hex.EncodeToString(h.Sum(nil)); !strings.HasPrefix(sum, spec.shaPrefix) {
		return fmt.Errorf("GET %s: SHA-256 %s does not start with %s", spec.url, sum, spec.shaPrefix)
	}
	return os.Rename(tmp.Name(), path)
}
