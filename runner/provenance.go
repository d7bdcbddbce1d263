package runner

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"sweep/config"
	"sweep/internal/version"
	"sweep/linalg"
	"sweep/results"
)

// CollectProvenance describes the code and machine that run a sweep: the VCS revision this
// program was built from and whether its work tree had uncommitted changes (empty when the
// build recorded none), the matrix-product backend it trains with and that kernel's own
// description (the OpenBLAS version and the CPU core type it dispatches to), the Go version, the
// module versions built into it, the host and its CPU model. Seed and Recorded are per run
// and left zero.
func CollectProvenance() results.Provenance {
	v := version.Read()
	p := results.Provenance{
		GitCommit: v.Revision,
		GitDirty:  v.Modified,
		Backend:   config.Backend,
		BLAS:      linalg.KernelVersion(),
		GoVersion: runtime.Version(),
		Modules:   buildModules(),
		CPU:       cpuModel("/proc/cpuinfo"),
	}
	p.Host, _ = os.Hostname()
	return p
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
