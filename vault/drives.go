package vault

// Drives for backups: what hardware detects, with the rules of a backup
// applied (never the device of the trust directory; two targets, two
// devices).

import (
	"errors"
	"fmt"

	"github.com/trustvault/trustvault/hardware"
)

// Drive is a mounted filesystem and its physical device.
type Drive = hardware.Drive

// Errors a caller may branch on.
var (
	// ErrSameDevice: two backup targets on one physical device.
	ErrSameDevice = hardware.ErrSameDevice
	// ErrTrustDevice: a backup target on the device of the trust
	// directory.
	ErrTrustDevice = errors.New("on the device that holds the trust directory")
)

// ReasonTrustDevice is why the drive of the trust directory is not
// offered.
const ReasonTrustDevice = "it holds the trust directory: a copy there is lost with the keys"

// Drives finds drives and ejects them.
type Drives struct {
	det   hardware.Detector
	eject func(Drive) (string, error)
}

// SystemDrives finds this machine's drives.
func SystemDrives() *Drives {
	return &Drives{det: hardware.NewDetector(), eject: hardware.NewEjector().Eject}
}

// NewDrives wraps a detector and an ejector (nil: this system's).
func NewDrives(det hardware.Detector, eject func(Drive) (string, error)) *Drives {
	if eject == nil {
		eject = hardware.NewEjector().Eject
	}
	return &Drives{det: det, eject: eject}
}

// List lists the drives, marking the one that holds the trust directory
// as not eligible.
func (d *Drives) List(trustDir string) ([]Drive, error) {
	ds, err := d.det.Drives()
	if err != nil {
		return nil, fmt.Errorf("list drives: %w", err)
	}
	if home, err := d.det.Locate(trustDir); err == nil {
		for i := range ds {
			if sameDevice(ds[i], home) {
				ds[i].Eligible, ds[i].Reason = false, ReasonTrustDevice
			}
		}
	}
	return ds, nil
}

// Locate returns the drive that holds a path.
func (d *Drives) Locate(path string) (Drive, error) { return d.det.Locate(path) }

// Eject unmounts a drive and powers it off where it can; it says what it
// did.
func (d *Drives) Eject(dr Drive) (string, error) { return d.eject(dr) }

// sameDevice: one physical identity, or, when either is unknown, one
// device number.
func sameDevice(a, b Drive) bool {
	if a.Identity.Same(b.Identity) {
		return true
	}
	return a.MajorMinor != "" && a.MajorMinor == b.MajorMinor
}
