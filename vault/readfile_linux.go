package vault

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// readSmall reads a small file with four system calls (open, fstat, read,
// close): listing reads every key file, and os.ReadFile's extra calls
// (fcntl, epoll registration, a second read for EOF) doubled that. It does
// not follow a symbolic link. When the file is larger than limit, or not a
// regular file, it returns what fstat said and an error.
func readSmall(path string, limit int64) (fileStat, []byte, error) {
	return readSmallAt(unix.AT_FDCWD, path, path, limit)
}

// readSmallAt is readSmall for name relative to the directory dirfd; path
// names the file in errors.
func readSmallAt(dirfd int, name, path string, limit int64) (fileStat, []byte, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NOCTTY, 0)
	if err != nil {
		return fileStat{}, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fileStat{}, nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	info := fileStat{
		mode:  fs.FileMode(st.Mode & 0o777),
		size:  st.Size,
		mtime: time.Unix(st.Mtim.Unix()),
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		info.mode |= fs.ModeDir
		return info, nil, errNotRegular
	default:
		info.mode |= fs.ModeIrregular
		return info, nil, errNotRegular
	}
	if st.Size > limit {
		return info, nil, fmt.Errorf("%d bytes is too large for a key file", st.Size)
	}
	buf := make([]byte, st.Size)
	for n := 0; n < len(buf); {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return info, nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			buf = buf[:n] // shrank while being read
			break
		}
		n += m
	}
	return info, buf, nil
}

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
	full := filepath.Join(d.root, filepath.FromSlash(rel))
	if d.fd < 0 || dir != d.dir {
		d.close()
		fd, err := unix.Open(filepath.Join(d.root, filepath.FromSlash(dir)), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != nil {
			return readSmall(full, limit)
		}
		d.dir, d.fd = dir, fd
	}
	if name == "" {
		return readSmall(full, limit)
	}
	return readSmallAt(d.fd, name, full, limit)
}

func (d *dirFiles) close() {
	if d.fd >= 0 {
		unix.Close(d.fd)
		d.fd = -1
	}
}
