//go:build !linux

package vault

import (
	"errors"
	"fmt"
	"runtime"
)

// DrivesAt needs Linux's sysfs.
func DrivesAt(procRoot, sysRoot, runRoot string) (*Drives, error) {
	return nil, fmt.Errorf("fake /proc and /sys trees on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
