package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// The limits of every read of an archive. A key file is about a kilobyte
// and a TUF metadata file rarely more than a few hundred: these leave room
// for ten thousand keys and their metadata many times over, and bound the
// memory a hostile archive can make trustvault use.
const (
	// MaxArchiveSize is the most bytes of an archive file, and of its
	// plaintext once decrypted.
	MaxArchiveSize = 64 << 20
	// MaxEntrySize is the largest declared size of one entry.
	MaxEntrySize = 16 << 20
	// MaxTotalSize is the most bytes of all entries together, and of the
	// uncompressed tar stream (gzip bombs stop here).
	MaxTotalSize = 256 << 20
	// MaxEntries is the most entries (files and directories).
	MaxEntries = 200_000
	// MaxSidecarSize is the most bytes of an archive's .sha256 sidecar
	// (one line: a digest and a name).
	MaxSidecarSize = 4 << 10
)

// ErrNotRegular: what was to be read is not a regular file (a FIFO, a
// device, a socket, a directory).
var ErrNotRegular = errors.New("not a regular file")

// FileError is a file the archive package would not read, or could not:
// Err is ErrNotRegular, ErrTooLarge, or the system's error.
type FileError struct {
	Path string
	// Mode is the file's type, when Err is ErrNotRegular.
	Mode fs.FileMode
	// Size and Limit, when Err is ErrTooLarge.
	Size, Limit int64
	Err         error
}

func (e *FileError) Error() string {
	switch {
	case errors.Is(e.Err, ErrNotRegular):
		return fmt.Sprintf("%s is %s, not a regular file: give the path of the backup file itself", e.Path, describeMode(e.Mode))
	case errors.Is(e.Err, ErrTooLarge):
		return fmt.Sprintf("%s: %v: %d bytes, more than the %d trustvault reads", e.Path, e.Err, e.Size, e.Limit)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

func describeMode(m fs.FileMode) string {
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
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return fmt.Sprintf("of type %v", m.Type())
}

// openRegular opens path to read without blocking (a FIFO opens at once)
// and checks on the open descriptor that it is a regular file of at most
// limit bytes.
func openRegular(path string, limit int64) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if err := checkRegular(f, path, limit); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkRegular(f *os.File, path string, limit int64) error {
	fi, err := f.Stat()
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return &FileError{Path: path, Mode: fi.Mode(), Err: ErrNotRegular}
	}
	if fi.Size() > limit {
		return &FileError{Path: path, Size: fi.Size(), Limit: limit, Err: ErrTooLarge}
	}
	return nil
}

// ReadFile reads a regular file of at most limit bytes (an archive's
// .sha256 sidecar, say). A FIFO, device or directory is ErrNotRegular and
// a larger file ErrTooLarge, both as a *FileError, found before any byte
// is read; nothing blocks.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := openRegular(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if int64(len(data)) > limit { // it grew while read
		return nil, &FileError{Path: path, Size: int64(len(data)), Limit: limit, Err: ErrTooLarge}
	}
	return data, nil
}
