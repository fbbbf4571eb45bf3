package vault

import "github.com/trustvault/trustvault/hardware"

// DrivesAt finds drives in other /proc, /sys and /run trees (fake ones,
// for tests and demonstrations); the mount points are real.
func DrivesAt(procRoot, sysRoot, runRoot string) (*Drives, error) {
	return NewDrives(hardware.NewSysfsAt(procRoot, sysRoot, runRoot), nil), nil
}
