package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trustvault/trustvault/archive"
	"github.com/trustvault/trustvault/hardware/drivetest"
)

// fill writes zeros to path until the filesystem is full, then frees
// free bytes from the end of it.
func fill(t *testing.T, path string, free int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	var n int64
	for {
		m, err := f.Write(buf)
		n += int64(m)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for small := buf[:1024]; ; { // the last blocks
		m, err := f.Write(small)
		n += int64(m)
		if err != nil {
			break
		}
	}
	if err := f.Truncate(max(0, n-free)); err != nil {
		t.Fatal(err)
	}
	f.Sync()
}

// TestRestoreOnFullFilesystem restores --overwrite onto a real ext4
// filesystem with less and less room: after each attempt every key is at
// its path with its old bytes or the backup's, and the error says only
// what is known.
func TestRestoreOnFullFilesystem(t *testing.T) {
	d := drivetest.NewLoopDrive(t, drivetest.LoopOptions{SizeMiB: 8})
	s, err := Open(filepath.Join(d.Mount, "trust"), WithIterations(CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	var files []archive.File
	here := map[string][]byte{}
	backup := map[string][]byte{}
	for range 4 {
		k, err := s.Generate("alice", "", AlgorithmECDSA, passFunc("Old-pass-1"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(k.Path)
		backup[k.Path] = b
		files = append(files, archive.File{Name: "private/" + filepath.Base(k.Path), Data: b})
		if _, err := s.ChangePassphrase(k.ID, passFunc("Old-pass-1"), passFunc("New-pass-1")); err != nil {
			t.Fatal(err)
		}
		here[k.Path], _ = os.ReadFile(k.Path)
	}
	// One key only in the backup: a new file.
	extra, extraID := encryptedKeyFile(t)
	files = append(files, archive.File{Name: "private/" + extraID + ".key", Data: extra})
	data := buildArchive(t, files...)
	failures := 0
	for free := int64(0); free <= 24<<10; free += 1 << 10 {
		for p, b := range here {
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		os.Remove(filepath.Join(s.PrivateDir(), extraID+".key"))
		os.RemoveAll(filepath.Join(s.Dir(), "trustvault", "pre-restore-20260301T120000Z"))
		fill(t, filepath.Join(d.Mount, "filler"), free)
		_, err := s.Restore(data, RestoreOptions{Conflict: ConflictOverwrite, Now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)})
		var re *RestoreError
		switch {
		case err == nil:
		case errors.As(err, &re):
			failures++
			if strings.Contains(err.Error(), "nothing was") || !strings.Contains(err.Error(), "every other file is as it was") {
				t.Errorf("free %d: a partial restore's error: %v", free, err)
			}
		default:
			failures++
			if !strings.Contains(err.Error(), "nothing was written") && !errors.Is(err, ErrLocked) {
				t.Errorf("free %d: %v: an error before writing must say nothing was written", free, err)
			}
		}
		for p, old := range here {
			b, err := os.ReadFile(p)
			if err != nil || (string(b) != string(old) && string(b) != string(backup[p])) {
				t.Fatalf("free %d: key %s is not at its path with old or new bytes (%v); restore said %v", free, p, err, err)
			}
		}
		os.Remove(filepath.Join(d.Mount, "filler"))
		t.Logf("free %5d: %v", free, err)
	}
	if failures == 0 {
		t.Error("no restore failed: the filesystem was never full enough")
	}
}
