//go:build unix

package fsread

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRefusesWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(big, link)
	for _, tc := range []struct {
		name, path string
		read       func(string) error
		want       error
		msg        string
	}{
		{"FIFO", fifo, func(p string) error { _, err := File(p, 10); return err }, ErrNotRegular, "is a FIFO, not a regular file"},
		{"directory", dir, func(p string) error { _, _, err := NoFollow(p, 10); return err }, ErrNotRegular, "is a directory"},
		{"too large", big, func(p string) error { _, err := File(p, 99); return err }, ErrTooLarge, "100 bytes, more than the 99 allowed"},
		{"symlink, no follow", link, func(p string) error { _, _, err := NoFollow(p, 1000); return err }, ErrNotRegular, "a symbolic link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- tc.read(tc.path) }()
			select {
			case err := <-done:
				var fe *Error
				if !errors.Is(err, tc.want) || !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("err %v, want %v saying %q", err, tc.want, tc.msg)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("blocked")
			}
		})
	}
	if data, err := File(link, 100); err != nil || len(data) != 100 {
		t.Errorf("a symlink the person named is followed: %v", err)
	}
}
