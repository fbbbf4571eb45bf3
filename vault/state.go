package vault

// trustvault's own state (the lock, backups.json, pre-restore copies) lives
// in <trust dir>/trustvault/ and is reached only through an os.Root, so
// that no symbolic link can make trustvault write outside the trust
// directory.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/internal/fsread"
)

// ErrStateDir: <trust dir>/trustvault is not a real directory inside the
// trust directory (a symbolic link, a file).
var ErrStateDir = errors.New("trustvault's state directory is not a directory inside the trust directory")

// errNoState: trustvault/ does not exist and was not to be created.
var errNoState = errors.New("no state directory")

// stateRoot opens <trust dir>/trustvault/ as a root. With create it makes
// the trust directory and trustvault/ (0700) when missing; without, a
// missing one is errNoState. A symbolic link or anything else that is not
// a directory there is refused with ErrStateDir, naming it.
func (s *Store) stateRoot(create bool) (*os.Root, error) {
	if create {
		if err := atomicfile.MkdirAll(s.dir); err != nil {
			return nil, err
		}
	}
	top, err := os.OpenRoot(s.dir)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil, errNoState
	}
	if err != nil {
		return nil, fmt.Errorf("trust directory %s: %w", s.dir, err)
	}
	defer top.Close()
	where := filepath.Join(s.dir, recordsDir)
	fi, err := top.Lstat(recordsDir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !create:
		return nil, errNoState
	case errors.Is(err, fs.ErrNotExist):
		if err := top.Mkdir(recordsDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create %s: %w", where, err)
		}
		if err := atomicfile.SyncDir(s.dir); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("%s: %w", where, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(where)
		return nil, fmt.Errorf("%w: %s is a symbolic link (to %s); trustvault keeps its lock and backup records only inside the trust directory, so it writes nothing there: replace the link with a directory (move what it points to into it if you want it kept)", ErrStateDir, where, target)
	case !fi.IsDir():
		return nil, fmt.Errorf("%w: %s is %s; move it away so that trustvault can make its directory there", ErrStateDir, where, fsread.Describe(fi.Mode()))
	}
	r, err := top.OpenRoot(recordsDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return r, nil
}
