//go:build unix

package vault

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/trustvault/trustvault/vault/internal/fsread"
)

// dirFiles reads files below root, keeping the last directory open so that
// files of one directory are opened relative to it.
type dirFiles struct {
	root string
	dir  string
	fd   int
}

func newDirFiles(root string) *dirFiles { return &dirFiles{root: root, fd: -1} }

// read reads rel (slash-separated, relative to root).
func (d *dirFiles) read(rel string, limit int64) (fileStat, []byte, error) {
	dir, name := path.Split(rel)
	full := joinClean(d.root, rel)
	if d.fd < 0 || dir != d.dir {
		d.close()
		fd, err := unix.Open(filepath.Join(d.root, filepath.FromSlash(dir)), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
		if err != nil {
			return readSmall(full, limit)
		}
		d.dir, d.fd = dir, fd
	}
	if name == "" {
		return readSmall(full, limit)
	}
	return fsread.At(d.fd, name, full, limit)
}

func (d *dirFiles) close() {
	if d.fd >= 0 {
		unix.Close(d.fd)
		d.fd = -1
	}
}

// openDir opens a directory to read its entries. os.Open would register
// the descriptor with the runtime's poller, and the first registration
// makes the poller (an epoll instance, an eventfd and a thread woken to
// wait on them): a tenth of a millisecond at every start of a listing, for
// a directory, which the poller cannot wait on anyway. A blocking
// descriptor given to os.NewFile is not registered.
func openDir(name string) (*os.File, error) {
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}
