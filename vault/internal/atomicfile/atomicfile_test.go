package atomicfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteReplacesWithExactMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "k.key")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("after Write: %q mode %v, want \"new\" 0600", b, fi.Mode().Perm())
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only k.key", names)
	}
}

func TestWriteFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "occupied")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, []byte("data"), 0o600); err == nil {
		t.Fatal("Write over a non-empty directory succeeded")
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "occupied" {
		t.Errorf("directory holds %v after a failed write, want only the directory", names)
	}
}

// A process killed at a failpoint leaves the old file or the new one, and
// at most a temporary file that IsTemp recognises.
func TestFailpoints(t *testing.T) {
	if os.Getenv("ATOMICFILE_CHILD") != "" {
		_ = Write(os.Getenv("ATOMICFILE_CHILD"), []byte("new"), 0o600)
		os.Exit(0)
	}
	for point, want := range map[string]string{"after-temp-write": "old", "after-rename": "new"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "k.key")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestFailpoints$")
			cmd.Env = append(os.Environ(), "ATOMICFILE_CHILD="+path, failpointEnv+"="+point)
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed at the failpoint: %v", err)
			}
			if b, _ := os.ReadFile(path); string(b) != want {
				t.Errorf("after a kill %s the file holds %q, want %q", point, b, want)
			}
			for _, name := range entries(t, dir) {
				if name != "k.key" && !IsTemp(name) {
					t.Errorf("unexpected file %s", name)
				}
			}
		})
	}
}

func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	a, err := Acquire(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(path, 100*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Errorf("second Acquire: %v, want ErrLocked", err)
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	b, err := Acquire(path, 0)
	if err != nil {
		t.Fatalf("Acquire after Unlock: %v", err)
	}
	b.Unlock()
}
