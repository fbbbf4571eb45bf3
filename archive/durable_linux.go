package archive

import (
	"os"

	"golang.org/x/sys/unix"
)

// mountReadOnly is statfs's read-only flag (durable_unix.go).
const mountReadOnly = unix.ST_RDONLY

// dropCache: posix_fadvise(DONTNEED) drops a synced file's clean pages,
// without root (USB.md §3.3).
func dropCache(f *os.File) error {
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
