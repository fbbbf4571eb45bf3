package drivetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/vaulttest/tools"
	"golang.org/x/sys/unix"
)

// LoopDrive is a real ext4 filesystem on a loop device, mounted in a
// temporary directory, removed again when the test ends.
type LoopDrive struct {
	Mount  string // the mount point
	Image  string // the image file
	Device string // /dev/loopN
	Major  int
	Minor  int
}

// LoopOptions shape a LoopDrive.
type LoopOptions struct {
	// SizeMiB is the filesystem's size (default 16).
	SizeMiB int
	// ReadOnly attaches the loop device read-only (losetup -r), as a
	// stick with its write-protect switch set.
	ReadOnly bool
	// Name is the mount point's last element, and so the drive's label
	// in a fake machine (default "mnt").
	Name string
	// BackingMiB, when set, puts the (sparse) image on a tmpfs of that
	// size: writing more than fits there makes the loop device fail
	// mid-write, as a dying stick does.
	BackingMiB int
}

// LoopUnavailable says why loop devices cannot be used here, or "".
func LoopUnavailable() string {
	if os.Geteuid() != 0 {
		return "not root: loop devices need root (the test runs as uid " + fmt.Sprint(os.Geteuid()) + ")"
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		return "no loop devices on this machine (/dev/loop-control: " + err.Error() + ")"
	}
	for _, c := range []string{"losetup", "mkfs.ext4", "mount", "umount"} {
		if _, err := exec.LookPath(c); err != nil {
			return c + " is not installed (util-linux, e2fsprogs)"
		}
	}
	return ""
}

// RequireLoop skips the test, printing why, when loop devices are not
// available; it fails instead when they should be (root with
// /dev/loop-control and TRUSTVAULT_REQUIRE_INTEROP=1) but the tools are
// missing.
func RequireLoop(t testing.TB) {
	t.Helper()
	why := LoopUnavailable()
	if why == "" {
		return
	}
	expected := os.Geteuid() == 0 && fileExists("/dev/loop-control")
	if expected && tools.Required() {
		t.Fatalf("loop devices should work here but: %s (TRUSTVAULT_REQUIRE_INTEROP=1)", why)
	}
	t.Skipf("real-filesystem test skipped: %s", why)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// NewLoopDrive makes, attaches and mounts an ext4 image. It skips the test
// when loop devices are unavailable (RequireLoop).
func NewLoopDrive(t testing.TB, opts LoopOptions) *LoopDrive {
	t.Helper()
	RequireLoop(t)
	if opts.SizeMiB == 0 {
		opts.SizeMiB = 16
	}
	dir := t.TempDir()
	imgDir := dir
	if opts.BackingMiB > 0 {
		imgDir = filepath.Join(dir, "backing")
		must(t, os.Mkdir(imgDir, 0o700))
		run(t, "mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", opts.BackingMiB), "tmpfs", imgDir)
		t.Cleanup(func() { unmount(imgDir) })
	}
	if opts.Name == "" {
		opts.Name = "mnt"
	}
	d := &LoopDrive{Image: filepath.Join(imgDir, "drive.img"), Mount: filepath.Join(dir, opts.Name)}
	must(t, os.Mkdir(d.Mount, 0o755))
	f, err := os.Create(d.Image)
	must(t, err)
	must(t, f.Truncate(int64(opts.SizeMiB)<<20))
	must(t, f.Close())
	run(t, "mkfs.ext4", "-q", "-F", "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1", "-O", "^has_journal", d.Image)
	args := []string{"-f", "--show"}
	if opts.ReadOnly {
		args = append(args, "-r")
	}
	d.Device = strings.TrimSpace(run(t, "losetup", append(args, d.Image)...))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", d.Device).Run() })
	var st unix.Stat_t
	must(t, unix.Stat(d.Device, &st))
	d.Major, d.Minor = int(unix.Major(st.Rdev)), int(unix.Minor(st.Rdev))
	mopts := "rw"
	if opts.ReadOnly {
		mopts = "ro"
	}
	run(t, "mount", "-t", "ext4", "-o", mopts, d.Device, d.Mount)
	t.Cleanup(func() { unmount(d.Mount) })
	if !opts.ReadOnly {
		must(t, os.Chmod(d.Mount, 0o777)) // as a FAT stick: anyone may write
	}
	return d
}

// Dev is "M:m".
func (d *LoopDrive) Dev() string { return fmt.Sprintf("%d:%d", d.Major, d.Minor) }

// Shutdown makes the filesystem fail every later I/O with EIO, as a
// pulled or dead stick does (EXT4_IOC_SHUTDOWN, without flushing the log).
func (d *LoopDrive) Shutdown(t testing.TB) {
	t.Helper()
	f, err := os.Open(d.Mount)
	must(t, err)
	defer f.Close()
	const ext4IocShutdown = 0x8004587D // _IOR('X', 125, __u32)
	const goingFlagsNoLogFlush = 2
	if err := unix.IoctlSetPointerInt(int(f.Fd()), ext4IocShutdown, goingFlagsNoLogFlush); err != nil {
		t.Fatalf("EXT4_IOC_SHUTDOWN %s: %v", d.Mount, err)
	}
}

// Remount remounts the drive read-only or read-write.
func (d *LoopDrive) Remount(t testing.TB, mode string) {
	t.Helper()
	run(t, "mount", "-o", "remount,"+mode, d.Mount)
}

// Unmount unmounts the drive now (Cleanup tolerates it being gone).
func (d *LoopDrive) Unmount(t testing.TB) {
	t.Helper()
	run(t, "umount", d.Mount)
}

// DropCaches writes back and drops the page cache for the whole
// machine, so that a read comes from the device.
func DropCaches() {
	unix.Sync()
	_ = os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0)
}

func unmount(dir string) {
	for i := 0; i < 20; i++ {
		if err := unix.Unmount(dir, 0); err == nil || err == unix.EINVAL || err == unix.ENOENT {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = unix.Unmount(dir, unix.MNT_DETACH) // lazily, as a last resort
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
