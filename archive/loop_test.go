package archive_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"testing"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/hardware/drivetest"
)

// Real filesystems: loop-mounted ext4 images (USB.md §2.3, layer 2).
// Without root or loop devices these skip and say why.

// bigArchive is an archive of about n bytes that does not compress.
func bigArchive(t *testing.T, n int) []byte {
	t.Helper()
	noise := make([]byte, n)
	rand.Read(noise)
	data, _, err := archive.Build([]archive.File{{Name: "private/" + keyA + ".key", Data: noise}}, archive.BuildOptions{Created: when})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != "lost+found" {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestLoopWriteVerify(t *testing.T) {
	d := drivetest.NewLoopDrive(t, drivetest.LoopOptions{})
	data := bigArchive(t, 2<<20)
	w, err := archive.WriteVerified(d.Mount, "keys-backup-20260301T120000Z.tar.gz", data, archive.WriteOptions{
		Check: func(b []byte) error { _, err := archive.Open(b, nil, archive.DefaultLimits()); return err },
	})
	if err != nil {
		t.Fatal(err)
	}
	drivetest.DropCaches()
	back, err := archive.ReadFileUncached(w.Path, 64<<20)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("read back: %v", err)
	}
}

func TestLoopDriveFull(t *testing.T) {
	d := drivetest.NewLoopDrive(t, drivetest.LoopOptions{SizeMiB: 4})
	_, err := archive.WriteVerified(d.Mount, "keys-backup-20260301T120000Z.tar.gz", bigArchive(t, 6<<20), archive.WriteOptions{})
	if !errors.Is(err, archive.ErrDriveFull) {
		t.Fatalf("err = %v, want drive full", err)
	}
	t.Log(err)
	if n := names(t, d.Mount); len(n) != 0 {
		t.Errorf("left %v", n)
	}
}

func TestLoopReadOnly(t *testing.T) {
	d := drivetest.NewLoopDrive(t, drivetest.LoopOptions{ReadOnly: true})
	_, err := archive.WriteVerified(d.Mount, "keys-backup-20260301T120000Z.tar.gz", bigArchive(t, 1<<10), archive.WriteOptions{})
	if !errors.Is(err, archive.ErrReadOnly) {
		t.Fatalf("err = %v, want read-only", err)
	}
	t.Log(err)
}

// TestLoopIOErrorMidWrite: the image lives on a 3 MiB tmpfs; the 8 MB
// archive fits the filesystem but not its backing store, so the loop
// device fails while the data is written back, and fsync reports it.
func TestLoopIOErrorMidWrite(t *testing.T) {
	d := drivetest.NewLoopDrive(t, drivetest.LoopOptions{SizeMiB: 32, BackingMiB: 3})
	_, err := archive.WriteVerified(d.Mount, "keys-backup-20260301T120000Z.tar.gz", bigArchive(t, 8<<20), archive.WriteOptions{})
	var de *archive.DriveError
	if !errors.As(err, &de) || !errors.Is(err, archive.ErrDriveFailed) {
		t.Fatalf("err = %v, want a drive error", err)
	}
	t.Log(err)
	if n := names(t, d.Mount); len(n) != 0 {
		t.Errorf("left %v", n)
	}
}

func TestLoopShutdown(t *testing.T) {
	d := drivetest.NewLoopDrive(t, drivetest.LoopOptions{})
	d.Shutdown(t)
	_, err := archive.WriteVerified(d.Mount, "keys-backup-20260301T120000Z.tar.gz", bigArchive(t, 1<<10), archive.WriteOptions{})
	if !errors.Is(err, archive.ErrDriveFailed) {
		t.Fatalf("err = %v, want a drive error", err)
	}
	t.Log(err)
}
