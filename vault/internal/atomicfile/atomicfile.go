// Package atomicfile writes files so that a crash at any moment leaves either
// the old file or the new one, never a partial one: a temporary file in the
// same directory, fsync, rename over the target, fsync of the directory. It
// also holds the advisory lock that keeps two trustvault processes from
// writing to one trust directory at once.
//
// Temporary files are named ".tmp-<name>-<random>", so they never end in
// ".key" and neither notary nor trustvault lists them as keys.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// TempPrefix starts the name of every temporary file this package makes.
const TempPrefix = ".tmp-"

// failpointEnv names the environment variable that makes the process kill
// itself at a named point of a write, so that tests can prove a crash there
// loses nothing. Points: "after-temp-write" (temporary file synced, target
// untouched) and "after-rename" (renamed, directory not yet synced).
const failpointEnv = "TRUSTVAULT_FAILPOINT"

var failpoint = os.Getenv(failpointEnv)

func hit(point string) {
	if failpoint == point {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL is not instant; never go on past the point
	}
}

// dirOps are the file operations a write needs: the os package's for a
// path, or an *os.Root's for a name inside a root.
type dirOps interface {
	OpenFile(name string, flag int, perm os.FileMode) (*os.File, error)
	Open(name string) (*os.File, error)
	Rename(oldname, newname string) error
	Remove(name string) error
}

type osOps struct{}

func (osOps) OpenFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
func (osOps) Open(name string) (*os.File, error)   { return os.Open(name) }
func (osOps) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }
func (osOps) Remove(name string) error             { return os.Remove(name) }

var _ dirOps = (*os.Root)(nil)

// Write atomically replaces path with data at the given mode. The directory
// must exist.
func Write(path string, data []byte, mode os.FileMode) error {
	return write(osOps{}, path, data, mode)
}

// WriteIn is Write for name inside root: nothing outside root is
// written, whatever symbolic links the directory holds.
func WriteIn(root *os.Root, name string, data []byte, mode os.FileMode) error {
	return write(root, name, data, mode)
}

func write(ops dirOps, path string, data []byte, mode os.FileMode) (err error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := filepath.Join(dir, TempPrefix+name+"-"+hex.EncodeToString(rnd[:]))
	f, err := ops.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			_ = ops.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	// The mode given to OpenFile is filtered by the umask; set it exactly.
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	hit("after-temp-write")
	if err := ops.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename into place %s: %w", path, err)
	}
	hit("after-rename")
	return syncDir(ops, dir)
}

// SyncDir fsyncs a directory so that a rename or create in it is durable.
func SyncDir(dir string) error { return syncDir(osOps{}, dir) }

func syncDir(ops dirOps, dir string) error {
	d, err := ops.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// MkdirAll creates dir and its parents with mode 0700, syncing each parent
// it creates into. Existing directories keep their mode.
func MkdirAll(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return SyncDir(parent)
}

// IsTemp reports whether a file name is one of this package's temporary files.
func IsTemp(name string) bool { return strings.HasPrefix(name, TempPrefix) }
