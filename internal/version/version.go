// Package version reads what the Go toolchain recorded about the build of this program:
// its module version and the version-control revision it was built from.
package version

import (
	"fmt"
	"runtime/debug"
)

// Info is the build's version and revision.
type Info struct {
	Version  string // the main module's version: "(devel)" for a build in a work tree
	Revision string // the VCS commit, "" when the build recorded none (go run, -buildvcs=false)
	Time     string // the commit time, RFC 3339
	Modified bool   // the work tree had uncommitted changes
}

// Read returns the running program's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{}
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo extracts Info from bi.
func FromBuildInfo(bi *debug.BuildInfo) Info {
	info := Info{Version: bi.Main.Version}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is one line: "VERSION revision REV[ (modified)] TIME", or "VERSION (no VCS
// revision recorded)".
func (i Info) String() string {
	v := i.Version
	if v == "" {
		v = "unknown"
	}
	if i.Revision == "" {
		return v + " (no VCS revision recorded)"
	}
	s := fmt.Sprintf("%s revision %s", v, i.Revision)
	if i.Modified {
		s += " (modified)"
	}
	if i.Time != "" {
		s += " " + i.Time
	}
	return s
}
