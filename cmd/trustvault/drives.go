package main

import (
	"path/filepath"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// envSysroot, when set, is a directory holding proc/, sys/ and run/
// trees that the drive detector reads instead of the machine's (as lsblk
// --sysroot does). Tests use it to present loop-mounted images or plain
// directories as USB sticks; the mount points in its mountinfo are real.
const envSysroot = "TRUSTVAULT_SYSROOT"

// drives is the drive detector of this run.
func (a *app) drives() (*vault.Drives, error) {
	if root := a.getenv(envSysroot); root != "" {
		return vault.DrivesAt(filepath.Join(root, "proc"), filepath.Join(root, "sys"), filepath.Join(root, "run"))
	}
	return vault.SystemDrives(), nil
}

// timeNow is the clock of backup records and restore names.
func timeNow() time.Time { return time.Now() }
