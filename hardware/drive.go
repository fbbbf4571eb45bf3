package hardware

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Drive is one mounted filesystem and the device under it, as a candidate
// for a backup.
type Drive struct {
	// Mount is the mount point.
	Mount string
	// Device is the mount's source ("/dev/sdb1"), MajorMinor its device
	// number ("8:17"); either may be empty when unknown.
	Device     string
	MajorMinor string
	// Label is the filesystem label, else the mount point's last element.
	Label      string
	Filesystem string
	SizeBytes  uint64
	FreeBytes  uint64
	// ReadOnly: mounted read-only, or the device is write-protected.
	ReadOnly bool
	// Encrypted: the filesystem sits on dm-crypt (LUKS), or on an
	// encrypted APFS volume.
	Encrypted bool
	// Transport is "usb", "mmc" or "" (internal, virtual or unknown).
	Transport string
	// Removable is the disk's removable bit (a USB SSD says false).
	Removable bool
	// Hotplug: on a USB or MMC bus, or removable.
	Hotplug  bool
	Identity Identity
	// Layers are the stacked devices followed down to the disk, top first
	// ("dm-0 (crypt)", "loop3").
	Layers []string
	// Stale: the mount is still listed but its device is gone.
	Stale bool
	// Eligible: a backup may go there; Reason says why not otherwise.
	Eligible bool
	Reason   string
	// Warnings are worth showing even on an eligible drive.
	Warnings []string
}

// Identity is a physical device. Two drives with the same Key are on the
// same device, whatever their partitions, slots or mounts.
type Identity struct {
	// Key is comparable: "usb:devices/pci0000:00/0000:00:14.0/usb1/1-1" for
	// a USB device node, "mmc:..." for an SD or MMC card, "block:..." for
	// another whole disk, "disk:disk4" on macOS, "dev:M:m" when the device
	// could not be identified (Known is then false).
	Key   string
	Known bool
	// Disk is the whole disk's name ("sdb", "disk4").
	Disk string
	// Vendor, Product and Serial are for people, never the key: cheap
	// sticks share serials.
	Vendor  string
	Product string
	Serial  string
	// Bus is where the device sits ("usb 1-1"), shown to tell apart two
	// sticks of one model.
	Bus string
}

// Same reports whether two identities are one physical device.
func (i Identity) Same(o Identity) bool { return i.Key != "" && i.Key == o.Key }

// String describes the device for a person: "SanDisk Cruzer Blade,
// serial 4C53, usb 1-2".
func (i Identity) String() string {
	var parts []string
	if name := strings.TrimSpace(i.Vendor + " " + i.Product); name != "" {
		parts = append(parts, name)
	} else if i.Disk != "" {
		parts = append(parts, i.Disk)
	}
	if i.Serial != "" {
		parts = append(parts, "serial "+i.Serial)
	}
	if i.Bus != "" {
		parts = append(parts, i.Bus)
	}
	if len(parts) == 0 {
		if i.Known {
			return i.Key
		}
		return "unidentified device"
	}
	return strings.Join(parts, ", ")
}

// Space is what statfs says about a mount.
type Space struct {
	Total, Free uint64
	ReadOnly    bool
}

// Detector lists drives.
type Detector interface {
	// Drives lists every mounted block device (and FUSE mounts of
	// removable media), eligible ones first, each with the reason it is
	// not eligible.
	Drives() ([]Drive, error)
	// Locate returns the drive that holds path, eligible or not.
	Locate(path string) (Drive, error)
}

// Errors a caller may branch on.
var (
	// ErrSameDevice: two targets on one physical device.
	ErrSameDevice = errors.New("same physical device")
	// ErrNotMounted: no mount holds the path (or none could be read).
	ErrNotMounted = errors.New("no mounted filesystem holds it")
	// ErrDeviceGone: the mount is listed, its device is not.
	ErrDeviceGone = errors.New("device disconnected")
)

// Reasons a drive is not offered. They are sentences for people.
const (
	ReasonStale       = "device disconnected: the mount is still listed but its device is gone (unmount it)"
	ReasonUnknown     = "its physical device cannot be identified (FUSE, network or virtual filesystem)"
	ReasonSeveral     = "it spans several devices (RAID or LVM), so one backup could not be told from another"
	ReasonReadOnlyFS  = "read-only filesystem type"
	ReasonMountedRO   = "mounted read-only"
	ReasonProtected   = "write-protected (the device's switch, or its read-only flag)"
	ReasonInternal    = "internal disk (not USB or MMC, not removable)"
	ReasonSystem      = "a system mount point"
	ReasonNotWritable = "not writable by you"
	ReasonNoSpace     = "cannot read its free space"
)

// readOnlyTypes never take a backup.
var readOnlyTypes = []string{"squashfs", "iso9660", "udf", "erofs", "cramfs"}

// systemMounts are never offered, whatever the disk under them.
var systemMounts = []string{"/", "/boot", "/boot/efi", "/efi", "/usr", "/var", "/home", "/opt", "/srv", "/tmp", "/nix", "/snap"}

// judge fills Eligible and Reason from the facts already set. writable is
// the result of the write-access check (nil when it passed).
func (d *Drive) judge(spaceErr, writable error) {
	d.Eligible, d.Reason = false, ""
	switch {
	case d.Stale:
		d.Reason = ReasonStale
	case !d.Identity.Known && d.Reason == "":
		d.Reason = ReasonUnknown
	case slices.Contains(readOnlyTypes, d.Filesystem):
		d.Reason = ReasonReadOnlyFS + " (" + d.Filesystem + ")"
	case d.ReadOnly:
		d.Reason = ReasonMountedRO
	case !d.Hotplug && !d.Removable && d.Transport == "":
		d.Reason = ReasonInternal
	case slices.Contains(systemMounts, d.Mount):
		d.Reason = ReasonSystem
	case spaceErr != nil:
		d.Reason = ReasonNoSpace + ": " + spaceErr.Error()
	case writable != nil:
		d.Reason = ReasonNotWritable
	default:
		d.Eligible = true
	}
}

// warnSameSerials warns about different devices that report one serial.
func warnSameSerials(ds []Drive) {
	for i := range ds {
		for j := range ds {
			a, b := ds[i].Identity, ds[j].Identity
			if i == j || a.Serial == "" || a.Serial != b.Serial || a.Same(b) || !a.Known || !b.Known {
				continue
			}
			w := fmt.Sprintf("%s reports the same serial (%s) as the device at %s: they are told apart by where they are plugged in, not by serial", ds[i].Mount, a.Serial, ds[j].Mount)
			if !slices.Contains(ds[i].Warnings, w) {
				ds[i].Warnings = append(ds[i].Warnings, w)
			}
		}
	}
}

// rank sorts drives: eligible first, then those under /media/$USER or
// /run/media/$USER, then by mount point.
func rank(ds []Drive, user string) {
	score := func(d Drive) int {
		s := 0
		if !d.Eligible {
			s += 2
		}
		if !(user != "" && (strings.HasPrefix(d.Mount, "/media/"+user+"/") || strings.HasPrefix(d.Mount, "/run/media/"+user+"/"))) {
			s++
		}
		return s
	}
	slices.SortStableFunc(ds, func(a, b Drive) int {
		if sa, sb := score(a), score(b); sa != sb {
			return sa - sb
		}
		return strings.Compare(a.Mount, b.Mount)
	})
}

// CheckPair refuses two targets on one physical device.
func CheckPair(a, b Drive) error {
	if a.Identity.Same(b.Identity) {
		return fmt.Errorf("%s and %s are on one device (%s): %w", a.Mount, b.Mount, a.Identity, ErrSameDevice)
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
