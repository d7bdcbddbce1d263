package results

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestNetworkFSName(t *testing.T) {
	cases := []struct {
		magic int64
		want  string
	}{
		{0x6969, "NFS"},
		{0xFF534D42, "CIFS"},
		{int64(int32(-0xACB2BE)), "CIFS"}, // 0xFF534D42 sign-extended from a 32-bit f_type
		{0xFE534D42, "SMB2"},
		{0x517B, "SMB"},
		{0x0BD00BD0, "Lustre"},
		{0x47504653, "GPFS"},
		{0x00C36400, "CephFS"},
		{0x19830326, "BeeGFS"},
		{0x01021997, "9P"},
		{0xEF53, ""},          // ext2/3/4
		{0x58465342, ""},      // XFS
		{0x9123683E, ""},      // Btrfs
		{0x01021994, ""},      // tmpfs
		{0x794C7630, ""},      // overlayfs
		{0x2FC12FC1, ""},      // ZFS
		{0x1_00006969, "NFS"}, // only the low 32 bits count
	}
	for _, c := range cases {
		if got := networkFSName(c.magic); got != c.want {
			t.Errorf("networkFSName(%#x) = %q, want %q", c.magic, got, c.want)
		}
	}
}

func TestCheckFSTypeMessage(t *testing.T) {
	err := checkFSType("/shared/s.db", "/shared", 0x6969)
	if err == nil || !strings.Contains(err.Error(), "database /shared/s.db is on a network filesystem (NFS, at /shared)") {
		t.Errorf("NFS: %v", err)
	}
	if err := checkFSType("/var/tmp/s.db", "/var/tmp", 0xEF53); err != nil {
		t.Errorf("ext4: %v", err)
	}
}

// TestCheckLocalFSTempDir: a local temporary directory passes, also for a database whose
// directories are not created yet.
func TestCheckLocalFSTempDir(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "s.db"), filepath.Join(dir, "a", "b", "s.db")} {
		if err := CheckLocalFS(p); err != nil {
			t.Errorf("CheckLocalFS(%s): %v", p, err)
		}
	}
}
