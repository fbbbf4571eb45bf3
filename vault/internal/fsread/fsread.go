// Package fsread is the one place the engine opens a file to read it:
// every key file, metadata file, the backup records and import inputs.
// A file is opened non-blocking (a FIFO opens at once instead of waiting
// for a writer), checked on the open descriptor (so a file swapped after
// a stat is still caught) to be a regular file of at most a given size,
// and read no further than that size. A FIFO, a device, a socket or a
// directory, and a file larger than the limit, are an *Error that names
// the file and says why; nothing blocks and nothing reads more than the
// limit.
package fsread

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// ErrNotRegular: the path is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge: the file is larger than the caller's limit.
var ErrTooLarge = errors.New("too large")

// Info is what fstat said of an opened file.
type Info struct {
	// Mode holds the permission bits and the type (fs.ModeDir,
	// fs.ModeNamedPipe, ...).
	Mode    fs.FileMode
	Size    int64
	ModTime time.Time
}

// Error is a file fsread would not read, or could not.
type Error struct {
	Path string
	// Mode is the file's type when Err is ErrNotRegular.
	Mode fs.FileMode
	// Size and Limit are set when Err is ErrTooLarge.
	Size, Limit int64
	Err         error
}

func (e *Error) Error() string {
	switch {
	case errors.Is(e.Err, ErrNotRegular):
		return fmt.Sprintf("%s is %s, not a regular file", e.Path, Describe(e.Mode))
	case errors.Is(e.Err, ErrTooLarge):
		return fmt.Sprintf("%s: %d bytes, more than the %d allowed", e.Path, e.Size, e.Limit)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Describe names a file type for a person: "a FIFO", "a directory".
func Describe(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "an irregular file"
}

// File reads a regular file of at most limit bytes, following a symbolic
// link as open(2) does.
func File(path string, limit int64) ([]byte, error) {
	_, data, err := read(atCWD, path, path, limit, false)
	return data, err
}

// NoFollow reads a regular file of at most limit bytes; a symbolic link
// is refused. The Info is filled whenever fstat ran, even with an error.
func NoFollow(path string, limit int64) (Info, []byte, error) {
	return read(atCWD, path, path, limit, true)
}

// errGrew: the file grew while it was read; read it again later.
var errGrew = errors.New("grew while being read; try again")

// InRoot reads name inside root (a regular file of at most limit bytes,
// opened non-blocking, a symbolic link as its last element refused); path
// names it in errors.
func InRoot(root *os.Root, name, path string, limit int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|oNoFollow, 0)
	if err != nil {
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			return nil, &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{Path: path, Mode: fi.Mode(), Err: ErrNotRegular}
	}
	if fi.Size() > limit {
		return nil, &Error{Path: path, Size: fi.Size(), Limit: limit, Err: ErrTooLarge}
	}
	data, err := io.ReadAll(io.LimitReader(f, fi.Size()+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > fi.Size() {
		return nil, &Error{Path: path, Size: int64(len(data)), Limit: fi.Size(), Err: errGrew}
	}
	return data, nil
}
