package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/trustvault/trustvault/vault/internal/atomicfile"
)

// ErrNoReader means a named pipe given as an output has no process reading
// it: writing would block until one comes, so nothing is written.
var ErrNoReader = errors.New("no program is reading it")

// WriteFile writes data to path for a person who named it (an export's -o).
// A regular file, or a path that does not exist, is replaced atomically as
// every key file is: it holds its old content or all of data, never part,
// and it gets mode exactly. A path that exists and is not a regular file is
// never replaced: a character device (a terminal, /dev/null) or a named pipe
// with a reader is written into as it is, its mode untouched; a named pipe
// with no reader is ErrNoReader; a directory, a block device or a socket is
// refused. A symbolic link is followed.
func WriteFile(path string, data []byte, mode fs.FileMode) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(path); lerr == nil {
			return fmt.Errorf("%s is a symbolic link to nothing: remove it or give another file", path)
		}
		return atomicfile.Write(path, data, mode)
	case err != nil:
		return err
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	switch t := fi.Mode().Type(); {
	case t.IsRegular():
		return atomicfile.Write(path, data, mode)
	case t&fs.ModeNamedPipe != 0:
		return writeInto(path, data, syscall.O_NONBLOCK)
	case t&fs.ModeCharDevice != 0:
		return writeInto(path, data, 0)
	case t.IsDir():
		return fmt.Errorf("%s is a directory: give the name of a file in it", path)
	case t&fs.ModeDevice != 0:
		return fmt.Errorf("%s is a block device: writing there would overwrite a disk; give a file name", path)
	default:
		return fmt.Errorf("%s is not a regular file (%s): give a file name", path, t)
	}
}

// writeInto writes data into an existing pipe or character device without
// creating, truncating or replacing it. A pipe is opened without blocking,
// so that one with no reader fails at once instead of hanging.
func writeInto(path string, data []byte, flag int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|flag, 0)
	if errors.Is(err, syscall.ENXIO) {
		return fmt.Errorf("%s is a named pipe and %w: start the reader first, or give a file name", path, ErrNoReader)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
