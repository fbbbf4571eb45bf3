package hardware

import (
	"fmt"
	"os/exec"
	"runtime"
)

// Ejector unmounts drives and powers them off (USB.md §3.1 step 8): only
// then is a drive safe to remove, since some sticks ignore cache flushes.
type Ejector struct {
	Run CmdRunner
	// LookPath finds a command (default exec.LookPath).
	LookPath func(string) (string, error)
	// GOOS picks the method (default runtime.GOOS).
	GOOS string
}

// NewEjector ejects with this system's commands.
func NewEjector() *Ejector {
	return &Ejector{Run: ExecCmd{}, LookPath: exec.LookPath, GOOS: runtime.GOOS}
}

// Eject unmounts d and, where the system allows it, powers its device off.
// It returns what it did, for the person: whether the drive may now be
// pulled out.
func (e *Ejector) Eject(d Drive) (string, error) {
	switch e.GOOS {
	case "darwin":
		disk := d.Identity.Disk
		if disk == "" {
			disk = d.Mount
		}
		if _, err := e.Run.Output("diskutil", "eject", disk); err != nil {
			return "", fmt.Errorf("eject %s: %w", d.Mount, err)
		}
		return fmt.Sprintf("ejected %s (diskutil eject %s): safe to remove", d.Mount, disk), nil
	case "linux":
	default:
		return "", fmt.Errorf("eject %s: not supported on %s; eject it from your file manager", d.Mount, e.GOOS)
	}
	if _, err := e.LookPath("udisksctl"); err == nil && d.Device != "" {
		if _, err := e.Run.Output("udisksctl", "unmount", "--no-user-interaction", "-b", d.Device); err != nil {
			return "", fmt.Errorf("unmount %s: %w", d.Mount, err)
		}
		if d.Identity.Disk == "" || len(d.Layers) > 0 {
			return fmt.Sprintf("unmounted %s (udisksctl unmount); not powered off: %s; safe to remove once its light stops blinking", d.Mount, poweroffNote(d)), nil
		}
		if _, err := e.Run.Output("udisksctl", "power-off", "--no-user-interaction", "-b", "/dev/"+d.Identity.Disk); err != nil {
			return fmt.Sprintf("unmounted %s (udisksctl unmount); power-off was refused (%v): safe to remove once its light stops blinking", d.Mount, err), nil
		}
		return fmt.Sprintf("unmounted %s and powered off /dev/%s (udisksctl): safe to remove", d.Mount, d.Identity.Disk), nil
	}
	if _, err := e.Run.Output("umount", d.Mount); err != nil {
		return "", fmt.Errorf("unmount %s: %w; eject it from your file manager", d.Mount, err)
	}
	return fmt.Sprintf("unmounted %s (umount; udisksctl is not installed, so it was not powered off): safe to remove once its light stops blinking", d.Mount), nil
}

func poweroffNote(d Drive) string {
	if d.Encrypted {
		return "it is an encrypted volume: lock it in your file manager first"
	}
	return "its whole disk is not known"
}
