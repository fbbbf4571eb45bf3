//go:build unix

package fsread

import (
	"io/fs"
	"time"

	"golang.org/x/sys/unix"
)

const atCWD = unix.AT_FDCWD

// At reads name relative to the open directory dirfd without following a
// symbolic link; path names the file in errors.
func At(dirfd int, name, path string, limit int64) (Info, []byte, error) {
	return read(dirfd, name, path, limit, true)
}

// read is open (non-blocking), fstat, read at most limit bytes, close.
// Listing reads every key file, so it makes no more system calls than
// that (os.ReadFile's fcntl, epoll registration and extra read doubled
// them).
func read(dirfd int, name, path string, limit int64, noFollow bool) (Info, []byte, error) {
	flags := unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY | unix.O_NONBLOCK
	if noFollow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := openat(dirfd, name, flags)
	if err == unix.ELOOP && noFollow {
		return Info{Mode: fs.ModeSymlink}, nil, &Error{Path: path, Mode: fs.ModeSymlink, Err: ErrNotRegular}
	}
	if err != nil {
		return Info{}, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return Info{}, nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	info := Info{Mode: fs.FileMode(st.Mode & 0o777), Size: st.Size, ModTime: time.Unix(st.Mtim.Unix())}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		info.Mode |= fs.ModeDir
	case unix.S_IFIFO:
		info.Mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		info.Mode |= fs.ModeSocket
	case unix.S_IFCHR:
		info.Mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		info.Mode |= fs.ModeDevice
	default:
		info.Mode |= fs.ModeIrregular
	}
	if !info.Mode.IsRegular() {
		return info, nil, &Error{Path: path, Mode: info.Mode, Err: ErrNotRegular}
	}
	if st.Size > limit {
		return info, nil, &Error{Path: path, Size: st.Size, Limit: limit, Err: ErrTooLarge}
	}
	// One byte more than fstat said shows a file that grew meanwhile. A
	// regular file's read returns less than asked only at its end, so once
	// the size fstat gave has been read in reads that asked for one byte
	// more, the end has been seen: no further read (at 10,000 keys that
	// read was a fifth of listing's system calls). A file read short of
	// that size is read on until a read returns nothing.
	buf := make([]byte, st.Size+1)
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return info, nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break // shrank while being read, or the end
		}
		n += m
		if int64(n) == st.Size {
			break // a short read at the size fstat gave: the end
		}
	}
	if int64(n) > st.Size {
		return info, nil, &Error{Path: path, Size: int64(n), Limit: st.Size, Err: errGrew}
	}
	return info, buf[:n], nil
}

func openat(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

const oNoFollow = unix.O_NOFOLLOW
