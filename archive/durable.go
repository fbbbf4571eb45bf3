package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
)

// Kinds of write failure, for errors.Is on a *DriveError.
var (
	ErrDriveFull    = errors.New("drive full")
	ErrReadOnly     = errors.New("drive is read-only")
	ErrDriveFailed  = errors.New("drive error")
	ErrDisconnected = errors.New("drive disconnected")
	ErrVerify       = errors.New("read-back verification failed")
)

// DriveError is a failed write or verification on one directory. The
// partial file has been removed when Removed is set.
type DriveError struct {
	Dir  string
	Step string // "create", "write", "sync", "rename", "verify", ...
	Kind error  // one of the Err* above
	Err  error
	// Need and Free are set for ErrDriveFull.
	Need, Free uint64
	Removed    bool
}

func (e *DriveError) Error() string {
	var b strings.Builder
	switch e.Kind {
	case ErrDriveFull:
		fmt.Fprintf(&b, "drive full: need %s, %s free", MB(e.Need), MB(e.Free))
	case ErrReadOnly:
		fmt.Fprintf(&b, "drive is read-only (%s: %v)", e.Step, e.Err)
	case ErrDisconnected:
		fmt.Fprintf(&b, "drive disconnected (%s: %v)", e.Step, e.Err)
	case ErrVerify:
		fmt.Fprintf(&b, "read-back verification failed: %v", e.Err)
	default:
		fmt.Fprintf(&b, "drive error at %s: %v: the drive could not store the data (failing, pulled out, or its filesystem is damaged)", e.Step, e.Err)
	}
	if e.Removed {
		if e.Step == "preflight" {
			b.WriteString("; nothing was written")
		} else {
			b.WriteString("; no partial archive was left")
		}
	}
	return b.String()
}

func (e *DriveError) Unwrap() []error { return []error{e.Kind, e.Err} }

// MB formats a size in megabytes, one decimal.
func MB(n uint64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// Stage of a write, for progress.
type Stage int

const (
	StageWrite Stage = iota
	StageSync
	StageVerify
	StageDone
)

func (s Stage) String() string {
	return [...]string{"writing", "syncing", "verifying", "done"}[s]
}

// WriteOptions shape WriteVerified.
type WriteOptions struct {
	// Progress, if set, is called as bytes are written and read back.
	Progress func(stage Stage, done, total int64)
	// Check, if set, parses the bytes read back (Open with the
	// passphrase): every digest in the archive is checked again.
	Check func(readBack []byte) error
	// FS opens the directory (default the real one, through os.Root).
	FS func(dir string) (DirFS, error)
}

// Written is a verified archive on a drive.
type Written struct {
	Path, Sidecar string
	SHA256        string
	Size          int64
	VerifiedAt    time.Time
}

// chunk is how much is written between progress reports.
const chunk = 256 << 10

// margin is the free space kept beyond the archive and its sidecar.
const margin = 64 << 10

// WriteVerified writes data to dir/name durably and verifies it (USB.md
// §3.1): free space and read-only checked first; .name.partial created
// exclusively (0600), written, synced and closed with every error
// checked; the directory checked to be the same device still; renamed to
// name, which must not exist; the directory synced; a name.sha256
// sidecar written the same way; the file's cached pages dropped and the
// file read back from the device, its SHA-256 compared and Check run on
// it. On any failure the partial (or unverified) file is removed.
func WriteVerified(dir, name string, data []byte, opts WriteOptions) (Written, error) {
	open := opts.FS
	if open == nil {
		open = OpenDir
	}
	w := &driveWrite{dir: dir, total: int64(len(data)), progress: opts.Progress}
	if w.progress == nil {
		w.progress = func(Stage, int64, int64) {}
	}
	d, err := open(dir)
	if err != nil {
		return Written{}, w.fail("open", err)
	}
	defer d.Close()
	w.d = d

	sidecar := []byte(SHA256(data) + "  " + name + "\n")
	w.need = uint64(len(data)+len(sidecar)) + margin
	free, ro, err := d.Statfs()
	switch {
	case err != nil:
		return Written{}, w.fail("statfs", err)
	case ro:
		return Written{}, &DriveError{Dir: dir, Step: "preflight", Kind: ErrReadOnly, Err: syscall.EROFS, Removed: true}
	case free < w.need:
		return Written{}, &DriveError{Dir: dir, Step: "preflight", Kind: ErrDriveFull, Err: syscall.ENOSPC, Need: w.need, Free: free, Removed: true}
	}
	d.RemoveStale()

	partial := "." + name + ".partial"
	if e := w.writeFile(partial, data, true); e != nil {
		return Written{}, e
	}
	if e := w.place(partial, name); e != nil {
		return Written{}, e
	}
	sidePartial := "." + name + ".sha256.partial"
	if e := w.writeFile(sidePartial, sidecar, false); e != nil {
		return Written{}, w.cleanup(e, name)
	}
	if e := w.place(sidePartial, name+".sha256"); e != nil {
		return Written{}, w.cleanup(e, name)
	}

	// Verify from the device.
	total := w.total
	w.progress(StageVerify, 0, total)
	back, err := d.ReadUncached(name, total+1, func(n int64) { w.progress(StageVerify, n, total) })
	if err != nil {
		return Written{}, w.cleanup(w.fail("read back", err), name, name+".sha256")
	}
	if int64(len(back)) != total || SHA256(back) != SHA256(data) {
		return Written{}, w.cleanup(&DriveError{Dir: dir, Step: "verify", Kind: ErrVerify,
			Err: fmt.Errorf("read back %d bytes with another SHA-256 than the %d written", len(back), total)}, name, name+".sha256")
	}
	if opts.Check != nil {
		if err := opts.Check(back); err != nil {
			return Written{}, w.cleanup(&DriveError{Dir: dir, Step: "verify", Kind: ErrVerify, Err: err}, name, name+".sha256")
		}
	}
	w.progress(StageDone, total, total)
	return Written{Path: d.Path(name), Sidecar: d.Path(name + ".sha256"), SHA256: SHA256(data), Size: total, VerifiedAt: time.Now().UTC()}, nil
}

// driveWrite is one WriteVerified to one drive.
type driveWrite struct {
	d        DirFS
	dir      string
	need     uint64
	total    int64
	progress func(Stage, int64, int64)
}

func (w *driveWrite) fail(step string, err error) *DriveError {
	return &DriveError{Dir: w.dir, Step: step, Kind: classify(err), Err: err}
}

// cleanup removes names and completes e: whether they are gone, and, for
// a full or failed drive, which it is.
func (w *driveWrite) cleanup(e *DriveError, names ...string) *DriveError {
	removed := true
	for _, n := range names {
		if err := w.d.Remove(n); err != nil && !errors.Is(err, fs.ErrNotExist) {
			removed = false
		}
	}
	e.Removed = removed
	if e.Kind == ErrDriveFailed || e.Kind == ErrDriveFull {
		// ENOSPC from a full backing store looks like a full drive:
		// statfs tells them apart.
		if f, _, err := w.d.Statfs(); err == nil {
			if e.Kind == ErrDriveFull && f >= w.need {
				e.Kind = ErrDriveFailed
			} else if e.Kind == ErrDriveFailed && errors.Is(e.Err, syscall.ENOSPC) && f < w.need {
				e.Kind = ErrDriveFull
			}
			e.Need, e.Free = w.need, f
		}
	}
	return e
}

// writeFile creates fname, writes body in chunks, syncs and closes it.
func (w *driveWrite) writeFile(fname string, body []byte, report bool) *DriveError {
	f, err := w.d.Create(fname)
	if err != nil {
		return w.cleanup(w.fail("create", err))
	}
	for off := 0; off < len(body); off += chunk {
		end := min(off+chunk, len(body))
		if _, err := f.Write(body[off:end]); err != nil {
			f.Close()
			return w.cleanup(w.fail("write", err), fname)
		}
		if report {
			w.progress(StageWrite, int64(end), w.total)
		}
	}
	if report {
		w.progress(StageSync, 0, w.total)
	}
	if err := f.Sync(); err != nil {
		// Never retry a failed fsync: a later success proves nothing.
		f.Close()
		return w.cleanup(w.fail("sync", err), fname)
	}
	if err := f.Close(); err != nil {
		return w.cleanup(w.fail("close", err), fname)
	}
	return nil
}

// place renames from to a new name to (never replacing one) on the same
// device, and syncs the directory.
func (w *driveWrite) place(from, to string) *DriveError {
	if err := w.d.Pinned(); err != nil {
		return w.cleanup(&DriveError{Dir: w.dir, Step: "check device", Kind: ErrDisconnected, Err: err}, from)
	}
	if _, err := w.d.Lstat(to); !errors.Is(err, fs.ErrNotExist) {
		return w.cleanup(w.fail("rename", fmt.Errorf("%s already exists; not replaced", to)), from)
	}
	if err := w.d.Rename(from, to); err != nil {
		return w.cleanup(w.fail("rename", err), from)
	}
	if err := w.d.SyncDir(); err != nil {
		return w.cleanup(w.fail("sync directory", err), to)
	}
	return nil
}

// classify maps an error to its kind.
func classify(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), errors.Is(err, syscall.EFBIG):
		return ErrDriveFull
	case errors.Is(err, syscall.EROFS):
		return ErrReadOnly
	case errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENOTCONN), errors.Is(err, fs.ErrNotExist):
		return ErrDisconnected
	default:
		return ErrDriveFailed
	}
}

// DirFS is the directory a backup goes to: every operation is relative to
// it and pinned to its device. Tests swap in a fake that fails on demand.
type DirFS interface {
	Statfs() (free uint64, readOnly bool, err error)
	Create(name string) (WFile, error)
	Rename(from, to string) error
	Remove(name string) error
	Lstat(name string) (fs.FileInfo, error)
	SyncDir() error
	// Pinned fails when the directory's path no longer leads to the
	// device it was opened on (a FUSE daemon died, a stick was pulled and
	// the mount point is an empty directory on another disk).
	Pinned() error
	// ReadUncached reads a file from the device, not the page cache.
	ReadUncached(name string, limit int64, progress func(int64)) ([]byte, error)
	// RemoveStale deletes partial files a killed write left.
	RemoveStale()
	Path(name string) string
	Close() error
}

// WFile is a file being written.
type WFile interface {
	io.Writer
	Sync() error
	Close() error
}

// osDir is a real directory through os.Root.
type osDir struct {
	dir  string
	root *os.Root
	dev  uint64
}

// OpenDir opens a real directory and records its device.
func OpenDir(dir string) (DirFS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	dev, err := devOf(dir)
	if err != nil {
		root.Close()
		return nil, err
	}
	return &osDir{dir: dir, root: root, dev: dev}, nil
}

func (d *osDir) Statfs() (uint64, bool, error) { return statfs(d.dir) }
func (d *osDir) Create(name string) (WFile, error) {
	return d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
}
func (d *osDir) Rename(from, to string) error           { return d.root.Rename(from, to) }
func (d *osDir) Remove(name string) error               { return d.root.Remove(name) }
func (d *osDir) Lstat(name string) (fs.FileInfo, error) { return d.root.Lstat(name) }
func (d *osDir) Path(name string) string                { return d.dir + string(os.PathSeparator) + name }
func (d *osDir) Close() error                           { return d.root.Close() }

func (d *osDir) SyncDir() error {
	f, err := d.root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

func (d *osDir) Pinned() error {
	dev, err := devOf(d.dir)
	if err != nil {
		return err
	}
	if dev != d.dev {
		return fmt.Errorf("%s is now on another device: the drive was unmounted", d.dir)
	}
	return nil
}

func (d *osDir) ReadUncached(name string, limit int64, progress func(int64)) ([]byte, error) {
	f, err := d.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file was just written here; a FIFO or a larger file put in its
	// place is refused, never waited on.
	if err := checkRegular(f, d.Path(name), limit); err != nil {
		return nil, err
	}
	return readUncached(f, limit, progress)
}

func (d *osDir) RemoveStale() {
	f, err := d.root.Open(".")
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, n := range names {
		if strings.HasPrefix(n, ".keys-backup-") && strings.HasSuffix(n, ".partial") {
			_ = d.root.Remove(n)
		}
	}
}

// ReadFileUncached reads a file (at most limit bytes) from its device
// rather than the page cache, for verifying a backup on a drive. Like
// ReadFile, it refuses at once what is not a regular file or is larger
// than limit (a *FileError).
func ReadFileUncached(path string, limit int64) ([]byte, error) {
	f, err := openRegular(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readUncached(f, limit+1, nil)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &FileError{Path: path, Size: int64(len(data)), Limit: limit, Err: ErrTooLarge}
	}
	return data, nil
}

// readUncached drops the file's cached pages (it was synced, so they are
// clean) and reads it.
func readUncached(f *os.File, limit int64, progress func(int64)) ([]byte, error) {
	if err := dropCache(f); err != nil {
		return nil, fmt.Errorf("drop cached pages: %w", err)
	}
	var out []byte
	buf := make([]byte, chunk)
	for int64(len(out)) < limit {
		n, err := f.Read(buf)
		out = append(out, buf[:n]...)
		if progress != nil && n > 0 {
			progress(int64(len(out)))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
