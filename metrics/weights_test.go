package metrics

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWeightsNoDownloadEnv: with $SWEEP_NO_DOWNLOAD set, missing weights are unavailable at
// once even when a download is asked for, and nothing is written.
func TestWeightsNoDownloadEnv(t *testing.T) {
	t.Setenv(NoDownloadEnv, "1")
	path := filepath.Join(t.TempDir(), "cache", InceptionFile)
	_, err := LocateInception(path, true)
	if !errors.Is(err, ErrInceptionUnavailable) {
		t.Fatalf("error %v, want ErrInceptionUnavailable", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Error("a disabled download created the cache folder")
	}
	for v, want := range map[string]bool{"": true, "0": true, "1": false, "yes": false} {
		t.Setenv(NoDownloadEnv, v)
		if got := DownloadAllowed(); got != want {
			t.Errorf("%s=%q: download allowed %v, want %v", NoDownloadEnv, v, got, want)
		}
	}
}

// TestWeightsCachePath: the weights are looked for in $SWEEP_CACHE, else the user cache
// folder's sweep/, after the explicit path and $SWEEP_INCEPTION.
func TestWeightsCachePath(t *testing.T) {
	t.Setenv(InceptionEnv, "")
	t.Setenv(CacheEnv, "/sweep-cache")
	if p, _ := InceptionPath(""); p != filepath.Join("/sweep-cache", InceptionFile) {
		t.Errorf("with %s: %s", CacheEnv, p)
	}
	t.Setenv(CacheEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	user, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	if p, _ := InceptionPath(""); p != filepath.Join(user, "sweep", InceptionFile) {
		t.Errorf("without %s: %s", CacheEnv, p)
	}
	t.Setenv(InceptionEnv, "/env.pth")
	if p, _ := InceptionPath(""); p != "/env.pth" {
		t.Errorf("with %s: %s", InceptionEnv, p)
	}
	if p, _ := InceptionPath("/explicit.pth"); p != "/explicit.pth" {
		t.Errorf("explicit: %s", p)
	}
}
