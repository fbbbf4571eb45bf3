package hardware

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Diskutil detects drives on macOS from `diskutil list -plist` and
// `diskutil info -plist` (USB.md §1.3). It runs anywhere: the commands go
// through Run, so tests feed it recorded plists.
//
// The plist keys are those Apple documents and public samples show; they
// have not been checked against every macOS release (see README).
type Diskutil struct {
	Run CmdRunner
	// Space reports a mount's size and free space; nil uses what diskutil
	// says.
	Space func(mount string) (Space, error)
	// Writable checks that the caller may create files in a directory;
	// nil trusts diskutil's WritableVolume.
	Writable func(dir string) error
	// Decode decodes a plist into v (plist.Unmarshal, set by NewDetector on
	// macOS and by the tests). The package imports no plist library itself,
	// so that the binaries for other systems neither link one nor pay for
	// its initialisation (and encoding/xml's) at every start.
	Decode func(data []byte, v any) error
}

// CmdRunner runs a command and returns its standard output.
type CmdRunner interface {
	Output(name string, args ...string) ([]byte, error)
}

// ExecCmd runs commands with os/exec.
type ExecCmd struct{}

func (ExecCmd) Output(name string, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

var _ Detector = (*Diskutil)(nil)

// diskutilList is `diskutil list -plist`.
type diskutilList struct {
	AllDisksAndPartitions []struct {
		DeviceIdentifier string
		MountPoint       string
		Partitions       []diskutilVolume
		APFSVolumes      []diskutilVolume
	}
}

type diskutilVolume struct {
	DeviceIdentifier string
	MountPoint       string
	VolumeName       string
}

// DiskutilInfo is the part of `diskutil info -plist` the detector reads.
type DiskutilInfo struct {
	DeviceIdentifier               string
	ParentWholeDisk                string
	MountPoint                     string
	VolumeName                     string
	FilesystemType                 string
	BusProtocol                    string
	Internal                       bool
	RemovableMedia                 bool
	Removable                      bool
	Ejectable                      bool
	RemovableMediaOrExternalDevice bool
	WritableVolume                 bool
	WritableMedia                  bool
	Encrypted                      bool
	FileVault                      bool
	VirtualOrPhysical              string
	MediaName                      string
	IORegistryEntryName            string
	TotalSize                      uint64
	FreeSpace                      uint64
	APFSContainerFree              uint64
	APFSPhysicalStores             []struct{ APFSPhysicalStore string }
}

// ParseInfo parses `diskutil info -plist` output.
func (d *Diskutil) ParseInfo(data []byte) (DiskutilInfo, error) {
	var in DiskutilInfo
	if err := d.decode(data, &in); err != nil {
		return in, fmt.Errorf("parse diskutil info: %w", err)
	}
	return in, nil
}

func (d *Diskutil) decode(data []byte, v any) error {
	if d.Decode == nil {
		return errors.New("no plist decoder (Diskutil.Decode)")
	}
	return d.Decode(data, v)
}

func (d *Diskutil) info(id string) (DiskutilInfo, error) {
	out, err := d.Run.Output("diskutil", "info", "-plist", id)
	if err != nil {
		return DiskutilInfo{}, err
	}
	return d.ParseInfo(out)
}

// Drives lists every mounted volume diskutil knows.
func (d *Diskutil) Drives() ([]Drive, error) {
	out, err := d.Run.Output("diskutil", "list", "-plist")
	if err != nil {
		return nil, err
	}
	var l diskutilList
	if err := d.decode(out, &l); err != nil {
		return nil, fmt.Errorf("parse diskutil list: %w", err)
	}
	var ds []Drive
	for _, disk := range l.AllDisksAndPartitions {
		vols := append(append([]diskutilVolume{}, disk.Partitions...), disk.APFSVolumes...)
		if disk.MountPoint != "" {
			vols = append(vols, diskutilVolume{DeviceIdentifier: disk.DeviceIdentifier, MountPoint: disk.MountPoint})
		}
		for _, v := range vols {
			if v.MountPoint == "" {
				continue
			}
			dr, err := d.volume(v.DeviceIdentifier)
			if err == nil && dr.Mount != v.MountPoint {
				// Unmounted or remounted between the two calls: what info
				// said is not about the volume the list showed.
				err = fmt.Errorf("diskutil info says %s is mounted at %q, diskutil list at %q", v.DeviceIdentifier, dr.Mount, v.MountPoint)
			}
			if err != nil {
				dr = Drive{Mount: v.MountPoint, Label: v.VolumeName, Device: "/dev/" + v.DeviceIdentifier, Reason: err.Error(),
					Identity: Identity{Key: "dev:" + v.DeviceIdentifier}}
			}
			ds = append(ds, dr)
		}
	}
	warnSameSerials(ds)
	rank(ds, "")
	return ds, nil
}

// Locate asks diskutil about the volume mounted at the longest prefix of
// path among the listed drives.
func (d *Diskutil) Locate(path string) (Drive, error) {
	ds, err := d.Drives()
	if err != nil {
		return Drive{}, err
	}
	abs, _ := filepath.Abs(path)
	best := -1
	for i, dr := range ds {
		mp := dr.Mount
		if abs == mp || mp == "/" || strings.HasPrefix(abs, strings.TrimSuffix(mp, "/")+"/") {
			if best < 0 || len(mp) > len(ds[best].Mount) {
				best = i
			}
		}
	}
	if best < 0 {
		return Drive{}, fmt.Errorf("%s: %w", path, ErrNotMounted)
	}
	return ds[best], nil
}

// volume describes one mounted volume, following an APFS volume to the
// physical disk of its container.
func (d *Diskutil) volume(id string) (Drive, error) {
	in, err := d.info(id)
	if err != nil {
		return Drive{}, err
	}
	dr := Drive{
		Mount: in.MountPoint, Device: "/dev/" + in.DeviceIdentifier, Label: in.VolumeName,
		Filesystem: in.FilesystemType, SizeBytes: in.TotalSize, FreeBytes: in.FreeSpace,
		ReadOnly: !in.WritableVolume, Encrypted: in.Encrypted || in.FileVault,
	}
	if dr.FreeBytes == 0 {
		dr.FreeBytes = in.APFSContainerFree
	}
	if dr.Label == "" {
		dr.Label = filepath.Base(in.MountPoint)
	}
	phys := in
	if len(in.APFSPhysicalStores) == 1 {
		store, err := d.info(in.APFSPhysicalStores[0].APFSPhysicalStore)
		if err != nil {
			return dr, err
		}
		dr.Layers = append(dr.Layers, in.ParentWholeDisk+" (APFS container)")
		phys = store
	} else if len(in.APFSPhysicalStores) > 1 {
		dr.Reason = ReasonSeveral
	}
	whole := firstNonEmpty(phys.ParentWholeDisk, phys.DeviceIdentifier)
	dr.Identity = Identity{Key: "disk:" + whole, Known: true, Disk: whole, Product: firstNonEmpty(phys.MediaName, phys.IORegistryEntryName)}
	switch strings.ToLower(phys.BusProtocol) {
	case "usb":
		dr.Transport = "usb"
	case "secure digital":
		dr.Transport = "mmc"
	}
	if dr.Transport != "" {
		dr.Identity.Bus = strings.ToLower(phys.BusProtocol) + " " + whole
	}
	dr.Removable = phys.RemovableMedia || phys.Removable
	dr.Hotplug = dr.Removable || phys.Ejectable || phys.RemovableMediaOrExternalDevice || !phys.Internal
	if phys.Internal && dr.Transport == "" {
		dr.Hotplug, dr.Removable = false, false
	}
	if !phys.WritableMedia && phys.DeviceIdentifier != "" {
		dr.ReadOnly = true
	}
	var spaceErr, writeErr error
	if d.Space != nil {
		var sp Space
		if sp, spaceErr = d.Space(dr.Mount); spaceErr == nil {
			dr.SizeBytes, dr.FreeBytes = sp.Total, sp.Free
			dr.ReadOnly = dr.ReadOnly || sp.ReadOnly
		}
	}
	if d.Writable != nil {
		writeErr = d.Writable(dr.Mount)
	}
	reason := dr.Reason
	dr.judge(spaceErr, writeErr)
	if reason != "" {
		dr.Eligible, dr.Reason = false, reason
	}
	if dr.Mount == "/" || strings.HasPrefix(dr.Mount, "/System/Volumes/") {
		dr.Eligible, dr.Reason = false, ReasonSystem
	}
	return dr, nil
}
