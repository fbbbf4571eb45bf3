package archive_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trustvault/trustvault/archive"
)

// faultDir is a DirFS in memory that fails with a chosen errno at a
// chosen step (USB.md §2.3, layer 1).
type faultDir struct {
	files     map[string][]byte
	free      uint64
	ro        bool
	failAt    string // "create", "write", "sync", "close", "rename", "syncdir", "read", "pinned"
	errno     error
	corrupt   bool   // read back other bytes
	freeAfter uint64 // free space once writing started
	created   bool
}

type faultFile struct {
	d    *faultDir
	name string
	buf  bytes.Buffer
}

func (f *faultFile) Write(p []byte) (int, error) {
	if f.d.failAt == "write" {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: f.d.errno}
	}
	return f.buf.Write(p)
}

func (f *faultFile) Sync() error {
	if f.d.failAt == "sync" {
		return &fs.PathError{Op: "sync", Path: f.name, Err: f.d.errno}
	}
	f.d.files[f.name] = bytes.Clone(f.buf.Bytes())
	return nil
}

func (f *faultFile) Close() error {
	if f.d.failAt == "close" {
		return &fs.PathError{Op: "close", Path: f.name, Err: f.d.errno}
	}
	return nil
}

func (d *faultDir) Statfs() (uint64, bool, error) {
	if d.created && d.freeAfter != 0 {
		return d.freeAfter, d.ro, nil
	}
	return d.free, d.ro, nil
}

func (d *faultDir) Create(name string) (archive.WFile, error) {
	if d.failAt == "create" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: d.errno}
	}
	if _, ok := d.files[name]; ok {
		return nil, fs.ErrExist
	}
	d.files[name] = nil
	d.created = true
	return &faultFile{d: d, name: name}, nil
}

func (d *faultDir) Rename(from, to string) error {
	if d.failAt == "rename" {
		return d.errno
	}
	d.files[to] = d.files[from]
	delete(d.files, from)
	return nil
}

func (d *faultDir) Remove(name string) error {
	if _, ok := d.files[name]; !ok {
		return fs.ErrNotExist
	}
	delete(d.files, name)
	return nil
}

func (d *faultDir) Lstat(name string) (fs.FileInfo, error) {
	if _, ok := d.files[name]; ok {
		return nil, nil
	}
	return nil, fs.ErrNotExist
}

func (d *faultDir) SyncDir() error {
	if d.failAt == "syncdir" {
		return d.errno
	}
	return nil
}

func (d *faultDir) Pinned() error {
	if d.failAt == "pinned" {
		return errors.New("another device")
	}
	return nil
}

func (d *faultDir) ReadUncached(name string, limit int64, progress func(int64)) ([]byte, error) {
	if d.failAt == "read" {
		return nil, d.errno
	}
	b := bytes.Clone(d.files[name])
	if d.corrupt && len(b) > 10 {
		b[10] ^= 0xff
	}
	return b, nil
}

func (d *faultDir) RemoveStale()            {}
func (d *faultDir) Path(name string) string { return "/fake/" + name }
func (d *faultDir) Close() error            { return nil }

func TestWriteVerifiedFaults(t *testing.T) {
	data, _ := sample(t)
	for _, tc := range []struct {
		name   string
		dir    faultDir
		kind   error
		saying string
	}{
		{"full before writing", faultDir{free: 100}, archive.ErrDriveFull, "drive full: need 0.1 MB, 0.0 MB free"},
		{"ENOSPC while writing", faultDir{free: 1 << 30, failAt: "write", errno: syscall.ENOSPC, freeAfter: 10}, archive.ErrDriveFull, "drive full"},
		{"ENOSPC at fsync with room left: the device failed", faultDir{free: 1 << 30, failAt: "sync", errno: syscall.ENOSPC}, archive.ErrDriveFailed, "drive error at sync"},
		{"EIO at fsync", faultDir{free: 1 << 30, failAt: "sync", errno: syscall.EIO}, archive.ErrDriveFailed, "could not store the data"},
		{"EIO at close", faultDir{free: 1 << 30, failAt: "close", errno: syscall.EIO}, archive.ErrDriveFailed, "drive error at close"},
		{"read-only before writing", faultDir{free: 1 << 30, ro: true}, archive.ErrReadOnly, "read-only"},
		{"EROFS at create", faultDir{free: 1 << 30, failAt: "create", errno: syscall.EROFS}, archive.ErrReadOnly, "read-only"},
		{"FUSE daemon died", faultDir{free: 1 << 30, failAt: "write", errno: syscall.ENOTCONN}, archive.ErrDisconnected, "disconnected"},
		{"unmounted under us", faultDir{free: 1 << 30, failAt: "pinned"}, archive.ErrDisconnected, "disconnected"},
		{"EIO at directory sync", faultDir{free: 1 << 30, failAt: "syncdir", errno: syscall.EIO}, archive.ErrDriveFailed, "sync directory"},
		{"read back differs", faultDir{free: 1 << 30, corrupt: true}, archive.ErrVerify, "another SHA-256"},
		{"EIO reading back", faultDir{free: 1 << 30, failAt: "read", errno: syscall.EIO}, archive.ErrDriveFailed, "read back"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.dir
			d.files = map[string][]byte{}
			_, err := archive.WriteVerified("/media/alice/KEYS", "keys-backup-20260301T120000Z.tar.gz", data, archive.WriteOptions{
				FS: func(string) (archive.DirFS, error) { return &d, nil },
			})
			var de *archive.DriveError
			if !errors.As(err, &de) || !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want a %v DriveError", err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.saying) {
				t.Errorf("%q does not say %q", err, tc.saying)
			}
			if len(d.files) != 0 {
				t.Errorf("left %v", keys(d.files))
			}
			if !de.Removed {
				t.Error("Removed not set")
			}
		})
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestWriteVerifiedOnDisk(t *testing.T) {
	data, _ := sample(t)
	dir := t.TempDir()
	// A partial file a killed run left behind is cleaned up.
	if err := os.WriteFile(filepath.Join(dir, ".keys-backup-20260101T000000Z.tar.gz.partial"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stages []string
	checked := false
	w, err := archive.WriteVerified(dir, "keys-backup-20260301T120000Z.tar.gz", data, archive.WriteOptions{
		Progress: func(s archive.Stage, done, total int64) {
			if len(stages) == 0 || stages[len(stages)-1] != s.String() {
				stages = append(stages, s.String())
			}
		},
		Check: func(b []byte) error {
			_, err := archive.Open(b, nil, archive.DefaultLimits())
			checked = err == nil
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !checked || w.SHA256 != archive.SHA256(data) || time.Since(w.VerifiedAt) > time.Minute {
		t.Errorf("%+v checked %v", w, checked)
	}
	if got := fmt.Sprint(stages); got != "[writing syncing verifying done]" {
		t.Errorf("stages %s", got)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if fi, _ := e.Info(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %o", e.Name(), fi.Mode().Perm())
		}
	}
	if fmt.Sprint(names) != "[keys-backup-20260301T120000Z.tar.gz keys-backup-20260301T120000Z.tar.gz.sha256]" {
		t.Errorf("files %v", names)
	}
	side, _ := os.ReadFile(w.Sidecar)
	if string(side) != w.SHA256+"  keys-backup-20260301T120000Z.tar.gz\n" {
		t.Errorf("sidecar %q", side)
	}
	// Never replaces an earlier backup.
	if _, err := archive.WriteVerified(dir, "keys-backup-20260301T120000Z.tar.gz", data, archive.WriteOptions{}); err == nil || !strings.Contains(err.Error(), "not replaced") {
		t.Errorf("second write with the same name: %v", err)
	}
	if b, _ := archive.ReadFileUncached(w.Path, 1<<20); !bytes.Equal(b, data) {
		t.Error("ReadFileUncached")
	}
}
