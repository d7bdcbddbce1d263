package runner

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"

	"sweep/results"
)

// CollectProvenance describes the code and machine that run a sweep: the git state of dir
// (empty fields when dir is not in a git work tree or git is missing), the Go version, the
// module versions built into this program, the host and its CPU model. Seed and Recorded
// are per run and left zero.
func CollectProvenance(dir string) results.Provenance {
	p := results.Provenance{
		GoVersion: runtime.Version(),
		Modules:   buildModules(),
		CPU:       cpuModel("/proc/cpuinfo"),
	}
	p.Host, _ = os.Hostname()
	if commit, err := git(dir, "rev-parse", "HEAD"); err == nil {
		p.GitCommit = strings.TrimSpace(string(commit))
		status, _ := git(dir, "status", "--porcelain")
		p.GitDirty = len(bytes.TrimSpace(status)) > 0
		diff, _ := git(dir, "diff", "HEAD")
		sum := sha256.Sum256(diff)
		p.DiffHash = hex.EncodeToString(sum[:])
	}
	return p
}

func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	return cmd.Output()
}

// buildModules maps each module built into this program to its version.
func buildModules() map[string]string {
	mods := map[string]string{}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return mods
	}
	mods[info.Main.Path] = info.Main.Version
	for _, d := range info.Deps {
		v := d.Version
		if r := d.Replace; r != nil {
			v = strings.TrimSpace("=> " + r.Path + " " + r.Version)
		}
		mods[d.Path] = v
	}
	return mods
}

// cpuModel reads the first "model name" of a cpuinfo file, or "" when there is none.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(val)
		}
	}
	return ""
}
