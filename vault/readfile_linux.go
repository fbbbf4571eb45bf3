package vault

import (
	"fmt"
	"io/fs"
	"time"

	"golang.org/x/sys/unix"
)

// readSmall reads a small file with four system calls (open, fstat, read,
// close): listing reads every key file, and os.ReadFile's extra calls
// (fcntl, epoll registration, a second read for EOF) doubled that. It does
// not follow a symbolic link. When the file is larger than limit, or not a
// regular file, it returns what fstat said and an error.
func readSmall(path string, limit int64) (fileStat, []byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NOCTTY, 0)
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
