package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// ErrLocked means another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock is an advisory exclusive lock on a file (flock), released by Unlock
// or when the process exits, however it exits.
type Lock struct{ f *os.File }

// Acquire takes the lock on path, creating the file (0600) if needed, and
// waits up to wait for another holder to let go.
func Acquire(path string, wait time.Duration) (*Lock, error) {
	return acquire(osOps{}, path, path, wait)
}

// AcquireIn is Acquire for name inside root; where names it in errors.
func AcquireIn(root *os.Root, name, where string, wait time.Duration) (*Lock, error) {
	return acquire(root, name, where, wait)
}

func acquire(ops dirOps, name, path string, wait time.Duration) (*Lock, error) {
	// Non-blocking, and a regular file only: a FIFO put at the lock's
	// path must not hang every writer.
	f, err := ops.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("lock file %s is not a regular file: remove it", path)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &Lock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	return l.f.Close()
}
