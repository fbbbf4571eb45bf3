package archive

import (
	"os"

	"golang.org/x/sys/unix"
)

// mountReadOnly is statfs's read-only flag (durable_unix.go).
const mountReadOnly = unix.MNT_RDONLY

// dropCache: F_NOCACHE makes the reads that follow bypass the cache.
func dropCache(f *os.File) error {
	_, err := unix.FcntlInt(f.Fd(), unix.F_NOCACHE, 1)
	return err
}
