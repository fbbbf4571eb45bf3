package hardware

import (
	"os"
	"os/user"

	"golang.org/x/sys/unix"
)

// realOps are the system calls on this machine.
type realOps struct{}

var _ SysOps = realOps{}

func (realOps) Statfs(path string) (Space, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return Space{}, err
	}
	bs := uint64(st.Bsize)
	return Space{Total: st.Blocks * bs, Free: st.Bavail * bs, ReadOnly: st.Flags&unix.ST_RDONLY != 0}, nil
}

func (realOps) Writable(dir string) error {
	return unix.Faccessat(unix.AT_FDCWD, dir, unix.W_OK, unix.AT_EACCESS)
}

func (realOps) DevOf(path string) (uint32, uint32, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, 0, err
	}
	return unix.Major(st.Dev), unix.Minor(st.Dev), nil
}

// NewDetector is the detector for this system.
func NewDetector() Detector { return NewSysfs() }

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}

// NewSysfsAt is a detector on other /proc, /sys and /run trees (fake ones
// in tests) with this machine's system calls on the mount points.
func NewSysfsAt(procRoot, sysRoot, runRoot string) *Sysfs {
	s := NewSysfs()
	s.ProcRoot, s.SysRoot, s.RunRoot = procRoot, sysRoot, runRoot
	return s
}
