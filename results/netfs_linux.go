package results

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// networkFS names the filesystems, by statfs magic, on which SQLite's locking and WAL
// shared memory are not safe.
var networkFS = map[int64]string{
	0x6969:     "NFS",
	0x517B:     "SMB",
	0xFF534D42: "CIFS",
	0xFE534D42: "SMB2",
	0x5346414F: "AFS",
	0x73757245: "Coda",
	0x564C:     "NCP",
	0x01021997: "9P",
	0x0BD00BD0: "Lustre",
	0x47504653: "GPFS",
	0x00C36400: "CephFS",
	0x19830326: "BeeGFS",
	0x20030528: "OrangeFS",
	0x013111A8: "IBRIX",
}

// CheckLocalFS refuses a database path whose directory is on a network filesystem: the
// coordinator of a cluster sweep keeps its database on a local disk (the run directories
// are what the nodes share).
func CheckLocalFS(path string) error {
	dir := filepath.Dir(path)
	for {
		if _, err := os.Stat(dir); err == nil || filepath.Dir(dir) == dir {
			break
		}
		dir = filepath.Dir(dir) // the database's directory is created later: look at its parent
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("database %s: statfs %s: %w", path, dir, err)
	}
	return checkFSType(path, dir, int64(st.Type))
}

// checkFSType refuses the database path when its directory dir has a network
// filesystem's statfs magic typ.
func checkFSType(path, dir string, typ int64) error {
	if name := networkFSName(typ); name != "" {
		return fmt.Errorf("database %s is on a network filesystem (%s, at %s): SQLite's locks are not reliable there; put the database on a local disk (--db /local/path) and keep only the runs directory shared", path, name, dir)
	}
	return nil
}

// networkFSName names the network filesystem of statfs magic typ, "" for any other. Only
// the low 32 bits count: some architectures sign-extend a 32-bit f_type.
func networkFSName(typ int64) string { return networkFS[typ&0xFFFFFFFF] }
