package hardware

import "golang.org/x/sys/unix"

// NewDetector is the detector for this system: diskutil, with statfs and access
// for free space and write access.
func NewDetector() Detector {
	return &Diskutil{Run: ExecCmd{}, Space: statfsDarwin, Writable: func(dir string) error {
		return unix.Access(dir, unix.W_OK)
	}}
}

func statfsDarwin(path string) (Space, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return Space{}, err
	}
	bs := uint64(st.Bsize)
	return Space{Total: st.Blocks * bs, Free: st.Bavail * bs, ReadOnly: st.Flags&unix.MNT_RDONLY != 0}, nil
}
