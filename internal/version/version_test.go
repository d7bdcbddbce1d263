package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Path: "sweep", Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abc"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	i := FromBuildInfo(bi)
	if i != (Info{Version: "(devel)", Revision: "0123abc", Time: "2026-12-01T10:00:00Z", Modified: true}) {
		t.Fatalf("FromBuildInfo: %+v", i)
	}
	if s := i.String(); s != "(devel) revision 0123abc (modified) 2026-12-01T10:00:00Z" {
		t.Errorf("String: %q", s)
	}
	i.Modified, i.Time = false, ""
	if s := i.String(); s != "(devel) revision 0123abc" {
		t.Errorf("String, clean: %q", s)
	}
	if s := (Info{Version: "v1.2.0"}).String(); s != "v1.2.0 (no VCS revision recorded)" {
		t.Errorf("String, no revision: %q", s)
	}
}
