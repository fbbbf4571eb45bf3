package hardware

import (
	"golang.org/x/sys/unix"
	"howett.net/plist"
)

// NewDetector is the detector for this system: diskutil, with statfs and access
// for free space and write access.
func NewDetector() Detector {
	return &Diskutil{Run: ExecCmd{}, Space: statfsDarwin, Writable: func(dir string) error {
		return unix.Access(dir, unix.W_OK)
	}, Decode: decodePlist}
}

func statfsDarwin(path string) (Space, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return Space{}, err
	}
	bs := uint64(st.Bsize)
	return Space{Total: st.Blocks * bs, Free: st.Bavail * bs, ReadOnly: st.Flags&unix.MNT_RDONLY != 0}, nil
}

func decodePlist(data []byte, v any) error {
	_, err := plist.Unmarshal(data, v)
	return err
}
