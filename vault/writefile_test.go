package vault

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWriteFileRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.pem")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(got) != "new" || fi.Mode() != 0o600 {
		t.Errorf("got %q mode %v, want \"new\" 0600", got, fi.Mode())
	}
	// Through a symbolic link the link stays and its target is replaced.
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("via link"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if got, _ := os.ReadFile(p); string(got) != "via link" {
		t.Errorf("target holds %q", got)
	}
}

func TestWriteFileRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	err := WriteFile(dir, []byte("x"), 0o600)
	if err == nil || !isDirPath(dir) {
		t.Fatalf("WriteFile(dir) = %v; the directory must stay and the write fail", err)
	}
}

func isDirPath(p string) bool { fi, err := os.Stat(p); return err == nil && fi.IsDir() }

// A named pipe is never replaced: without a reader the write fails at once
// (no hang); with one, the data goes through the pipe.
func TestWriteFileNamedPipe(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	err := WriteFile(p, []byte("data"), 0o600)
	if !errors.Is(err, ErrNoReader) {
		t.Fatalf("no reader: err = %v, want ErrNoReader", err)
	}
	r, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := WriteFile(p, []byte("data"), 0o600); err != nil {
		t.Fatalf("with a reader: %v", err)
	}
	buf := make([]byte, 16)
	n, err := r.Read(buf)
	if err != nil && err != io.EOF || string(buf[:n]) != "data" {
		t.Errorf("read %q, %v from the pipe", buf[:n], err)
	}
	if fi, err := os.Lstat(p); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v %v", fi.Mode(), err)
	}
}

// A character device (here a private /dev/null made with mknod) is written
// into and stays a device with its mode.
func TestWriteFileCharDevice(t *testing.T) {
	p := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod needs root: %v", err)
	}
	if err := os.Chmod(p, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&fs.ModeCharDevice == 0 || fi.Mode().Perm() != 0o666 {
		t.Errorf("after the write: mode %v, %v; want the character device, 0666", fi.Mode(), err)
	}
}
