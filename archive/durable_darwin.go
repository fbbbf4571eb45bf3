package archive

import (
	"os"

	"golang.org/x/sys/unix"
)

func statfs(dir string) (free uint64, ro bool, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false, err
	}
	return st.Bavail * uint64(st.Bsize), st.Flags&unix.MNT_RDONLY != 0, nil
}

func devOf(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return uint64(st.Dev), nil
}

// dropCache: F_NOCACHE makes the reads that follow bypass the cache.
func dropCache(f *os.File) error {
	_, err := unix.FcntlInt(f.Fd(), unix.F_NOCACHE, 1)
	return err
}
