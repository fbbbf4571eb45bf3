package archive

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"syscall"
	"time"
)

// ConflictPolicy says what Extract does with a file that exists with
// other content.
type ConflictPolicy int

const (
	// ConflictRefuse writes nothing and returns a *ConflictError.
	ConflictRefuse ConflictPolicy = iota
	// ConflictKeepBoth keeps the local file and writes the archive's as
	// <name>.restored-<UTC>.
	ConflictKeepBoth
	// ConflictOverwrite moves the local file to
	// trustvault/pre-restore-<UTC>/<name> first.
	ConflictOverwrite
)

// ExtractOptions shape Extract.
type ExtractOptions struct {
	Conflict ConflictPolicy
	// KeepLocal, if set, names files whose local version simply wins on a
	// conflict (cached metadata, say): reported, never an error.
	KeepLocal func(name string) bool
	// Skip, if set, names files not to restore at all.
	Skip func(name string) bool
	// Now stamps .restored- and pre-restore- names (default time.Now).
	Now time.Time
}

// Conflict is a file that exists with other content.
type Conflict struct {
	Name                     string
	LocalSize, ArchiveSize   int64
	LocalTime, ArchiveTime   time.Time
	RestoredAs, MovedLocalTo string
}

// ConflictError lists conflicts; nothing was written.
type ConflictError struct{ Conflicts []Conflict }

func (e *ConflictError) Error() string {
	c := e.Conflicts[0]
	more := ""
	if n := len(e.Conflicts) - 1; n > 0 {
		more = fmt.Sprintf(" (and %d more)", n)
	}
	return fmt.Sprintf("%s differs from the backup's copy%s: here %d bytes of %s, in the backup %d bytes of %s; nothing was written",
		c.Name, more, c.LocalSize, c.LocalTime.UTC().Format(time.DateTime), c.ArchiveSize, c.ArchiveTime.UTC().Format(time.DateTime))
}

// Result says what Extract did.
type Result struct {
	Written   []string   // new files
	Identical []string   // already there, same bytes
	Conflicts []Conflict // resolved by the policy
	KeptLocal []string   // KeepLocal files that differ
	Skipped   []string
}

// Extract writes a validated archive's files into dir through os.Root:
// files 0600, directories 0700, whatever the headers say; owners are
// never changed. Every existing entry is checked before anything is
// written; a new file goes to a temporary name, is synced and linked to
// its final name, which fails rather than replace a file.
func Extract(dir string, a *Archive, opts ExtractOptions) (Result, error) {
	var res Result
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	stamp := opts.Now.UTC().Format("20060102T150405Z")
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	defer root.Close()

	// Plan: check every existing entry first.
	for _, d := range a.Dirs {
		if err := checkDir(root, d); err != nil {
			return res, err
		}
	}
	type job struct {
		f        File
		target   string
		conflict *Conflict
	}
	var jobs []job
	var conflicts []Conflict
	for _, f := range a.Files {
		if opts.Skip != nil && opts.Skip(f.Name) {
			res.Skipped = append(res.Skipped, f.Name)
			continue
		}
		for d := path.Dir(f.Name); d != "."; d = path.Dir(d) {
			if err := checkDir(root, d); err != nil {
				return res, err
			}
		}
		fi, err := root.Lstat(f.Name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			jobs = append(jobs, job{f: f, target: f.Name})
			continue
		case err != nil:
			return res, fmt.Errorf("extract: %w", err)
		case !fi.Mode().IsRegular():
			return res, fmt.Errorf("extract: %s exists and is not a regular file (%s); nothing was written", f.Name, fi.Mode().Type())
		}
		same, err := sameContent(root, f)
		if err != nil {
			return res, fmt.Errorf("extract: %w; nothing was written", err)
		}
		if same {
			res.Identical = append(res.Identical, f.Name)
			continue
		}
		if opts.KeepLocal != nil && opts.KeepLocal(f.Name) {
			res.KeptLocal = append(res.KeptLocal, f.Name)
			continue
		}
		c := Conflict{Name: f.Name, LocalSize: fi.Size(), LocalTime: fi.ModTime(), ArchiveSize: int64(len(f.Data)), ArchiveTime: f.ModTime}
		switch opts.Conflict {
		case ConflictKeepBoth:
			c.RestoredAs = f.Name + ".restored-" + stamp
			jobs = append(jobs, job{f: f, target: c.RestoredAs, conflict: &c})
		case ConflictOverwrite:
			c.MovedLocalTo = path.Join("trustvault", "pre-restore-"+stamp, f.Name)
			jobs = append(jobs, job{f: f, target: f.Name, conflict: &c})
		}
		conflicts = append(conflicts, c)
	}
	if len(conflicts) > 0 && opts.Conflict == ConflictRefuse {
		return res, &ConflictError{Conflicts: conflicts}
	}

	// Write.
	for _, d := range a.Dirs {
		if err := mkdir(root, d); err != nil {
			return res, err
		}
	}
	for _, j := range jobs {
		if err := mkdir(root, path.Dir(j.target)); err != nil {
			return res, err
		}
		if j.conflict != nil && j.conflict.MovedLocalTo != "" {
			if err := mkdir(root, path.Dir(j.conflict.MovedLocalTo)); err != nil {
				return res, err
			}
			if err := root.Rename(j.f.Name, j.conflict.MovedLocalTo); err != nil {
				return res, fmt.Errorf("extract: move %s aside: %w", j.f.Name, err)
			}
		}
		if err := writeNew(root, j.target, j.f); err != nil {
			return res, err
		}
		if j.conflict != nil {
			res.Conflicts = append(res.Conflicts, *j.conflict)
		} else {
			res.Written = append(res.Written, j.target)
		}
	}
	return res, nil
}

// sameContent reports whether the local file holds f's bytes. It opens
// without blocking and checks the open descriptor (a FIFO swapped in
// after the Lstat is refused, never waited on), and reads no more than
// f's size and one byte.
func sameContent(root *os.Root, f File) (bool, error) {
	h, err := root.OpenFile(f.Name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false, err
	}
	defer h.Close()
	limit := int64(len(f.Data))
	if err := checkRegular(h, f.Name, math.MaxInt64); err != nil {
		return false, err
	}
	local, err := io.ReadAll(io.LimitReader(h, limit+1))
	if err != nil {
		return false, &FileError{Path: f.Name, Err: err}
	}
	return bytes.Equal(local, f.Data), nil
}

// checkDir refuses an existing path that is not a real directory (a
// symbolic link included).
func checkDir(root *os.Root, d string) error {
	fi, err := root.Lstat(d)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("extract: %s exists and is not a directory (%s); nothing was written", d, fi.Mode().Type())
	}
	return nil
}

// mkdir makes d and its parents 0700 and makes d itself 0700.
func mkdir(root *os.Root, d string) error {
	if d == "." {
		return nil
	}
	if err := root.MkdirAll(d, DirMode); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := root.Chmod(d, DirMode); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	return nil
}

// writeNew writes a file that must not exist yet: temporary file, sync,
// link to the name (which fails if it exists), sync of the directory.
func writeNew(root *os.Root, name string, f File) (err error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), ".tmp-restore-"+hex.EncodeToString(rnd[:]))
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return fmt.Errorf("extract %s: %w", name, err)
	}
	defer func() { _ = root.Remove(tmp) }()
	if _, err := out.Write(f.Data); err != nil {
		out.Close()
		return fmt.Errorf("extract %s: %w", name, err)
	}
	if err := out.Chmod(FileMode); err != nil {
		out.Close()
		return fmt.Errorf("extract %s: %w", name, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("extract %s: %w", name, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("extract %s: %w", name, err)
	}
	if !f.ModTime.IsZero() {
		_ = root.Chtimes(tmp, f.ModTime, f.ModTime)
	}
	if err := root.Link(tmp, name); err != nil {
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.ENOTSUP) && !errors.Is(err, syscall.EXDEV) {
			return fmt.Errorf("extract %s: %w", name, err)
		}
		// No hard links here: check, then rename.
		if _, err := root.Lstat(name); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("extract %s: it appeared while restoring; not replaced", name)
		}
		if err := root.Rename(tmp, name); err != nil {
			return fmt.Errorf("extract %s: %w", name, err)
		}
	}
	return syncDir(root, path.Dir(name))
}

func syncDir(root *os.Root, d string) error {
	f, err := root.Open(d)
	if err != nil {
		return fmt.Errorf("sync %s: %w", d, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", d, err)
	}
	return nil
}
