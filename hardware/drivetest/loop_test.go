package drivetest_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/trustvault/trustvault/hardware/drivetest"
)

func TestLoopDrive(t *testing.T) {
	d := drivetest.NewLoopDrive(t, drivetest.LoopOptions{})
	p := filepath.Join(d.Mount, "x")
	if err := os.WriteFile(p, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Shutdown(t)
	if err := os.WriteFile(filepath.Join(d.Mount, "y"), []byte("hello"), 0o600); !errors.Is(err, syscall.EIO) {
		t.Errorf("write after shutdown: %v, want EIO", err)
	}
	ro := drivetest.NewLoopDrive(t, drivetest.LoopOptions{ReadOnly: true})
	if err := os.WriteFile(filepath.Join(ro.Mount, "y"), nil, 0o600); !errors.Is(err, syscall.EROFS) {
		t.Errorf("write on a read-only drive: %v, want EROFS", err)
	}
}
