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
	"strings"
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
	// ConflictOverwrite first writes a copy of the local file, durably,
	// to trustvault/pre-restore-<UTC>/<name>, then replaces the local
	// file atomically (temporary file, sync, rename over it): at every
	// instant the file is at its path with its old bytes or the new ones.
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
	Name                   string
	LocalSize, ArchiveSize int64
	LocalTime, ArchiveTime time.Time
	// RestoredAs is where the archive's copy went (ConflictKeepBoth);
	// CopiedLocalTo is where a copy of the local file was kept before it
	// was replaced (ConflictOverwrite).
	RestoredAs, CopiedLocalTo string
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
	// Dirs are the directories Extract created.
	Dirs []string
	// Copies are the copies of local files written to pre-restore-<UTC>/
	// (each before its file was replaced; a failure can leave one whose
	// file was not replaced yet).
	Copies []string
}

// Changed reports whether anything was written.
func (r Result) Changed() bool { return len(r.Written)+len(r.Conflicts)+len(r.Dirs)+len(r.Copies) > 0 }

// PartialError is a failure after Extract had begun to write: Done says
// exactly what it had written; every other file is as it was.
type PartialError struct {
	Done Result
	Err  error
}

func (e *PartialError) Error() string { return e.Err.Error() + "; " + e.Done.Account() }

func (e *PartialError) Unwrap() error { return e.Err }

// Account says what a result changed, and how to undo it, for a person.
func (r Result) Account() string {
	if !r.Changed() {
		return "nothing was written"
	}
	var parts []string
	if len(r.Written) > 0 {
		parts = append(parts, fmt.Sprintf("written (new): %s (delete them to undo)", strings.Join(r.Written, ", ")))
	}
	for _, c := range r.Conflicts {
		switch {
		case c.CopiedLocalTo != "":
			parts = append(parts, fmt.Sprintf("replaced %s; its previous bytes are in %s (copy that back to undo)", c.Name, c.CopiedLocalTo))
		case c.RestoredAs != "":
			parts = append(parts, fmt.Sprintf("written %s beside %s (delete it to undo)", c.RestoredAs, c.Name))
		}
	}
	var spare []string
	for _, c := range r.Copies {
		replaced := false
		for _, d := range r.Conflicts {
			replaced = replaced || d.CopiedLocalTo == c
		}
		if !replaced {
			spare = append(spare, c)
		}
	}
	if len(spare) > 0 {
		parts = append(parts, fmt.Sprintf("copies kept of files not replaced (they are unchanged): %s", strings.Join(spare, ", ")))
	}
	if len(r.Dirs) > 0 {
		parts = append(parts, fmt.Sprintf("directories created: %s", strings.Join(r.Dirs, ", ")))
	}
	return strings.Join(parts, "; ") + "; every other file is as it was"
}

// job is one file Extract writes.
type job struct {
	f        File
	target   string
	local    []byte // the local bytes a conflict replaces
	conflict *Conflict
}

// Extract writes a validated archive's files into dir through os.Root:
// files 0600, directories 0700, whatever the headers say; owners are
// never changed. Every existing entry is checked before anything is
// written; a new file goes to a temporary name, is synced and linked to
// its final name, which fails rather than replace a file. A failure
// before anything was written says "nothing was written"; a failure
// after is a *PartialError that says what was.
func Extract(dir string, a *Archive, opts ExtractOptions) (Result, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return Result{}, fmt.Errorf("extract: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Result{}, fmt.Errorf("extract: %w", err)
	}
	defer root.Close()
	res, jobs, err := plan(root, a, opts)
	if err != nil {
		return res, err
	}
	if err := apply(root, a, jobs, &res); err != nil {
		if res.Changed() {
			return res, &PartialError{Done: res, Err: err}
		}
		return res, fmt.Errorf("%w; nothing was written", err)
	}
	return res, nil
}

// plan checks every existing entry and decides what to write; it writes
// nothing.
func plan(root *os.Root, a *Archive, opts ExtractOptions) (Result, []job, error) {
	var res Result
	stamp := opts.Now.UTC().Format("20060102T150405Z")
	for _, d := range a.Dirs {
		if err := checkDir(root, d); err != nil {
			return res, nil, err
		}
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
				return res, nil, err
			}
		}
		fi, err := root.Lstat(f.Name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			jobs = append(jobs, job{f: f, target: f.Name})
			continue
		case err != nil:
			return res, nil, fmt.Errorf("extract: %w; nothing was written", err)
		case !fi.Mode().IsRegular():
			return res, nil, fmt.Errorf("extract: %s exists and is not a regular file (%s); nothing was written", f.Name, fi.Mode().Type())
		}
		local, err := readLocal(root, f)
		if err != nil {
			return res, nil, fmt.Errorf("extract: %w; nothing was written", err)
		}
		if local != nil && bytes.Equal(local, f.Data) {
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
			if local == nil {
				return res, nil, fmt.Errorf("extract: %s here is %d bytes, more than the %d trustvault copies aside before replacing a file; move it away yourself, then restore again; nothing was written", f.Name, fi.Size(), int64(MaxEntrySize))
			}
			c.CopiedLocalTo = path.Join("trustvault", "pre-restore-"+stamp, f.Name)
			jobs = append(jobs, job{f: f, target: f.Name, local: local, conflict: &c})
		}
		conflicts = append(conflicts, c)
	}
	if len(conflicts) > 0 && opts.Conflict == ConflictRefuse {
		return res, nil, &ConflictError{Conflicts: conflicts}
	}
	return res, jobs, nil
}

// apply writes the jobs, recording each step done in res.
func apply(root *os.Root, a *Archive, jobs []job, res *Result) error {
	for _, d := range a.Dirs {
		if err := mkdir(root, d, res); err != nil {
			return err
		}
	}
	for _, j := range jobs {
		if err := mkdir(root, path.Dir(j.target), res); err != nil {
			return err
		}
		if j.conflict == nil || j.conflict.CopiedLocalTo == "" {
			if err := writeNew(root, j.target, j.f); err != nil {
				return err
			}
			if j.conflict != nil {
				res.Conflicts = append(res.Conflicts, *j.conflict)
			} else {
				res.Written = append(res.Written, j.target)
			}
			continue
		}
		// Overwrite: a durable copy of the local file first, then the
		// atomic replacement. The file is never away from its path.
		saved := j.conflict.CopiedLocalTo
		if err := mkdir(root, path.Dir(saved), res); err != nil {
			return err
		}
		if err := writeNew(root, saved, File{Name: saved, Data: j.local, ModTime: j.conflict.LocalTime}); err != nil {
			return fmt.Errorf("extract: keep a copy of %s before replacing it: %w", j.f.Name, err)
		}
		res.Copies = append(res.Copies, saved)
		hit("restore-after-copy")
		if err := replace(root, j.target, j.f); err != nil {
			return err
		}
		res.Conflicts = append(res.Conflicts, *j.conflict)
	}
	return nil
}

// readLocal reads the local file at f's name to compare it with f. It
// opens without blocking and checks the open descriptor (a FIFO swapped
// in after the Lstat is refused, never waited on). A file larger than
// MaxEntrySize is not read: it differs, and local is nil.
func readLocal(root *os.Root, f File) (local []byte, err error) {
	h, err := root.OpenFile(f.Name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	if err := checkRegular(h, f.Name, math.MaxInt64); err != nil {
		return nil, err
	}
	if fi, err := h.Stat(); err != nil || fi.Size() > MaxEntrySize {
		return nil, err
	}
	local, err = io.ReadAll(io.LimitReader(h, MaxEntrySize))
	if err != nil {
		return nil, &FileError{Path: f.Name, Err: err}
	}
	return local, nil
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

// mkdir makes d and its parents 0700 and makes d itself 0700, noting in
// res the directories it created.
func mkdir(root *os.Root, d string, res *Result) error {
	if d == "." {
		return nil
	}
	var missing []string
	for p := d; p != "."; p = path.Dir(p) {
		if _, err := root.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, p)
		}
	}
	err := root.MkdirAll(d, DirMode)
	for i := len(missing) - 1; i >= 0; i-- {
		if _, serr := root.Lstat(missing[i]); serr == nil {
			res.Dirs = append(res.Dirs, missing[i])
		}
	}
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if err := root.Chmod(d, DirMode); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	// Make the new directories durable before files go into them.
	for _, p := range missing {
		if err := syncDir(root, path.Dir(p)); err != nil {
			return err
		}
	}
	return nil
}

// writeTemp writes f's bytes to a new temporary file beside name, 0600,
// synced, with f's modification time. The caller removes it on failure.
func writeTemp(root *os.Root, name string, f File) (string, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), ".tmp-restore-"+hex.EncodeToString(rnd[:]))
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return "", fmt.Errorf("extract %s: %w", name, err)
	}
	_, err = out.Write(f.Data)
	if err == nil {
		err = out.Chmod(FileMode)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = root.Remove(tmp)
		return "", fmt.Errorf("extract %s: %w", name, err)
	}
	if !f.ModTime.IsZero() {
		_ = root.Chtimes(tmp, f.ModTime, f.ModTime)
	}
	return tmp, nil
}

// writeNew writes a file that must not exist yet: temporary file, sync,
// link to the name (which fails if it exists), sync of the directory.
func writeNew(root *os.Root, name string, f File) error {
	tmp, err := writeTemp(root, name, f)
	if err != nil {
		return err
	}
	defer func() { _ = root.Remove(tmp) }()
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

// replace atomically replaces name with f's bytes: temporary file, sync,
// rename over name, sync of the directory. A crash leaves the old bytes
// or the new ones at name, never neither.
func replace(root *os.Root, name string, f File) error {
	tmp, err := writeTemp(root, name, f)
	if err != nil {
		return err
	}
	hit("restore-after-temp")
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("extract: replace %s: %w", name, err)
	}
	hit("restore-after-replace")
	return syncDir(root, path.Dir(name))
}

// failpointEnv makes the process kill itself at a named point of a
// restore, so that tests can prove a crash there leaves every file at its
// path: "restore-after-copy" (the copy of a local file is durable, the
// file untouched), "restore-after-temp" (the new bytes are in a synced
// temporary file), "restore-after-replace" (renamed over the file, the
// directory not yet synced).
const failpointEnv = "TRUSTVAULT_FAILPOINT"

var failpoint = os.Getenv(failpointEnv)

func hit(point string) {
	if failpoint == point {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Kill() // SIGKILL on Unix
		}
		select {} // SIGKILL is not instant; never go on past the point
	}
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
