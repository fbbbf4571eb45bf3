package archive_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trustvault/trustvault/archive"
)

// within runs f and fails the test if it has not returned after d: a
// read that blocks fails the test instead of hanging the suite.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still blocked after %v", d)
	}
}

// TestFIFOIsRefused: a FIFO given as the archive or as its sidecar is
// refused at once, named as a FIFO.
func TestFIFOIsRefused(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "backup.tar.gz")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Whatever happens, a blocked open is released when the test ends.
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	for name, read := range map[string]func(string, int64) ([]byte, error){
		"ReadFile": archive.ReadFile, "ReadFileUncached": archive.ReadFileUncached,
	} {
		var err error
		within(t, 5*time.Second, func() { _, err = read(fifo, archive.MaxArchiveSize) })
		var fe *archive.FileError
		if !errors.Is(err, archive.ErrNotRegular) || !errors.As(err, &fe) || fe.Path != fifo || !strings.Contains(err.Error(), "is a FIFO") {
			t.Errorf("%s of a FIFO: %v", name, err)
		}
	}
	dir := t.TempDir()
	within(t, 5*time.Second, func() {
		if _, err := archive.ReadFile(dir, archive.MaxSidecarSize); !errors.Is(err, archive.ErrNotRegular) || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("ReadFile of a directory: %v", err)
		}
	})
}

// TestSparseArchiveIsRefusedUnread: a 3 GiB sparse file (no disk used)
// given as the archive is refused from its size, before a byte is read or
// allocated.
func TestSparseArchiveIsRefusedUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 30); err != nil {
		t.Skipf("sparse file: %v", err)
	}
	f.Close()
	for name, read := range map[string]func(string, int64) ([]byte, error){
		"ReadFile": archive.ReadFile, "ReadFileUncached": archive.ReadFileUncached,
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := read(path, archive.MaxArchiveSize)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		var fe *archive.FileError
		if !errors.Is(err, archive.ErrTooLarge) || !errors.As(err, &fe) || fe.Size != 3<<30 || fe.Limit != archive.MaxArchiveSize {
			t.Errorf("%s of 3 GiB: %v", name, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s allocated %d bytes to refuse it", name, alloc)
		}
		if took > time.Second {
			t.Errorf("%s took %v to refuse it", name, took)
		}
	}
}

// forgedAge is the header of an age file for a passphrase with scrypt
// work factor logN (the format: age-encryption.org/v1), with a random
// wrapped key and MAC, then a payload: enough for age to read the header
// and, with its own default limit (22), run scrypt.
func forgedAge(logN string) []byte {
	b64 := base64.RawStdEncoding.EncodeToString
	var b bytes.Buffer
	b.WriteString("age-encryption.org/v1\n")
	b.WriteString("-> scrypt " + b64(bytes.Repeat([]byte{1}, 16)) + " " + logN + "\n")
	b.WriteString(b64(bytes.Repeat([]byte{2}, 32)) + "\n")
	b.WriteString("--- " + b64(bytes.Repeat([]byte{3}, 32)) + "\n")
	b.Write(bytes.Repeat([]byte{4}, 16+64))
	return b.Bytes()
}

// TestScryptWorkFactorBounded: work factor 22 would make the reader
// allocate 4 GiB; it is refused from the header, naming the factor and
// the limit, in no time and no memory.
func TestScryptWorkFactorBounded(t *testing.T) {
	for _, logN := range []string{"22", "19", "30", "123456789012345678901234567890"} {
		data := forgedAge(logN)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := archive.Open(data, func() ([]byte, error) { return []byte("guess"), nil }, archive.DefaultLimits())
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		var wf *archive.WorkFactorError
		if !errors.As(err, &wf) || wf.Factor != logN || wf.Limit != archive.MaxWorkFactor || !errors.Is(err, archive.ErrUnsafe) ||
			!strings.Contains(err.Error(), "work factor "+logN+", more than 18") {
			t.Errorf("work factor %s: %v", logN, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
			t.Errorf("work factor %s: %d bytes allocated before the refusal", logN, alloc)
		}
		if took > 500*time.Millisecond {
			t.Errorf("work factor %s: %v before the refusal", logN, took)
		}
	}
	// The limit is what trustvault writes: the same header at 18 goes on
	// to scrypt and fails on the (wrong) passphrase, not on the factor.
	if _, err := archive.Open(forgedAge("10"), func() ([]byte, error) { return []byte("guess"), nil }, archive.DefaultLimits()); !errors.Is(err, archive.ErrWrongPassphrase) {
		t.Errorf("work factor 10: %v", err)
	}
	if _, err := archive.Encrypt([]byte("x"), []byte("p"), archive.MaxWorkFactor+1); err == nil {
		t.Error("Encrypt wrote a work factor Decrypt refuses")
	}
}

// TestExtractLocalFilesBounded: a FIFO where a key goes is refused at
// once, and a 3 GiB sparse file there is a conflict found without reading
// it.
func TestExtractLocalFilesBounded(t *testing.T) {
	data, _ := sample(t)
	a, err := archive.Open(data, nil, archive.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join("private", keyA+".key")

	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "private"), 0o700)
	if err := syscall.Mkfifo(filepath.Join(dir, key), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(filepath.Join(dir, key), os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	within(t, 5*time.Second, func() {
		if _, err := archive.Extract(dir, a, archive.ExtractOptions{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("a FIFO at %s: %v", key, err)
		}
	})

	dir = t.TempDir()
	os.MkdirAll(filepath.Join(dir, "private"), 0o700)
	f, err := os.Create(filepath.Join(dir, key))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(3 << 30); err != nil {
		t.Skipf("sparse file: %v", err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = archive.Extract(dir, a, archive.ExtractOptions{})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	var ce *archive.ConflictError
	if !errors.As(err, &ce) || ce.Conflicts[0].LocalSize != 3<<30 {
		t.Errorf("a 3 GiB file at %s: %v", key, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 || took > 2*time.Second {
		t.Errorf("refusing it took %v and %d bytes", took, alloc)
	}
}
