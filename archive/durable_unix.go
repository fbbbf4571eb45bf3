//go:build linux || darwin

package archive

import "golang.org/x/sys/unix"

// statfs reports the free space under dir and whether its file system is
// mounted read-only (mountReadOnly is the flag for the system).
func statfs(dir string) (free uint64, ro bool, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false, err
	}
	return st.Bavail * uint64(st.Bsize), st.Flags&mountReadOnly != 0, nil
}

func devOf(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return uint64(st.Dev), nil
}
