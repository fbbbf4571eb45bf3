//go:build linux

package hardware

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// Sysfs detects drives on Linux from the mount table and /sys (USB.md
// §1.2). Its roots and system calls are fields so that tests run it on
// fake trees; NewSysfs fills in the real ones.
type Sysfs struct {
	// ProcRoot holds self/mountinfo ("/proc"), SysRoot the sysfs tree
	// ("/sys"), RunRoot the udev database under udev/data ("/run"; only
	// labels come from it, and it may be absent).
	ProcRoot, SysRoot, RunRoot string
	Ops                        SysOps
	// User ranks /media/$USER and /run/media/$USER first.
	User string
}

// SysOps are the system calls a detector makes on real paths.
type SysOps interface {
	// Statfs reports a mount's size and free space.
	Statfs(path string) (Space, error)
	// Writable checks that the caller may create files in dir.
	Writable(dir string) error
	// DevOf is the device number of the filesystem holding path.
	DevOf(path string) (major, minor uint32, err error)
}

var _ Detector = (*Sysfs)(nil)

// NewSysfs is the detector on this machine's /proc, /sys and /run.
func NewSysfs() *Sysfs {
	return &Sysfs{ProcRoot: "/proc", SysRoot: "/sys", RunRoot: "/run", Ops: realOps{}, User: currentUser()}
}

// mountEntry is one line of mountinfo with its device number resolved.
type mountEntry struct {
	info         *mountinfo.Info
	major, minor int
}

func (s *Sysfs) mounts() ([]mountEntry, error) {
	f, err := os.Open(filepath.Join(s.ProcRoot, "self", "mountinfo"))
	if err != nil {
		return nil, fmt.Errorf("read the mount table: %w", err)
	}
	defer f.Close()
	infos, err := mountinfo.GetMountsFromReader(f, nil)
	if err != nil {
		return nil, fmt.Errorf("read the mount table: %w", err)
	}
	out := make([]mountEntry, 0, len(infos))
	for _, in := range infos {
		e := mountEntry{info: in, major: in.Major, minor: in.Minor}
		// btrfs and some others report an anonymous 0:N: the source names
		// the device.
		if e.major == 0 && strings.HasPrefix(in.Source, "/dev/") {
			if maj, min, ok := s.classDev(filepath.Base(in.Source)); ok {
				e.major, e.minor = maj, min
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// classDev reads /sys/class/block/<name>/dev.
func (s *Sysfs) classDev(name string) (int, int, bool) {
	b, err := os.ReadFile(filepath.Join(s.SysRoot, "class", "block", name, "dev"))
	if err != nil {
		return 0, 0, false
	}
	return parseMajMin(strings.TrimSpace(string(b)))
}

func parseMajMin(s string) (int, int, bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, false
	}
	maj, err1 := strconv.Atoi(a)
	min, err2 := strconv.Atoi(b)
	return maj, min, err1 == nil && err2 == nil
}

// listed reports whether a mount is worth listing: a block device, or a
// FUSE mount of removable media (whose device cannot be known).
func listed(e mountEntry) bool {
	if e.info.FSType == "squashfs" {
		return false // snaps and live images
	}
	if e.major != 0 {
		return true
	}
	if strings.HasPrefix(e.info.FSType, "fuse") {
		for _, p := range []string{"/media/", "/run/media/", "/mnt/", "/Volumes/"} {
			if strings.HasPrefix(e.info.Mountpoint, p) {
				return true
			}
		}
	}
	return false
}

// Drives lists the mounted block devices, one per device number (a bind
// mount is shown once, at the mount of its filesystem's root).
func (s *Sysfs) Drives() ([]Drive, error) {
	entries, err := s.mounts()
	if err != nil {
		return nil, err
	}
	seen := map[string]int{} // maj:min -> index in picked
	var picked []mountEntry
	for _, e := range entries {
		if !listed(e) {
			continue
		}
		id := fmt.Sprintf("%d:%d", e.major, e.minor)
		if e.major == 0 {
			id = e.info.Mountpoint // anonymous devices: one per mount
		}
		if i, ok := seen[id]; ok {
			if picked[i].info.Root != "/" && e.info.Root == "/" {
				picked[i] = e
			}
			continue
		}
		seen[id] = len(picked)
		picked = append(picked, e)
	}
	out := make([]Drive, 0, len(picked))
	for _, e := range picked {
		out = append(out, s.drive(e, entries))
	}
	warnSameSerials(out)
	rank(out, s.User)
	return out, nil
}

// Locate returns the drive of the mount that holds path: the longest
// mount point that is a prefix of its real path.
func (s *Sysfs) Locate(path string) (Drive, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Drive{}, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	entries, err := s.mounts()
	if err != nil {
		return Drive{}, err
	}
	best := -1
	for i, e := range entries {
		mp := e.info.Mountpoint
		if abs == mp || mp == "/" || strings.HasPrefix(abs, strings.TrimSuffix(mp, "/")+"/") {
			if best < 0 || len(mp) >= len(entries[best].info.Mountpoint) {
				best = i
			}
		}
	}
	if best < 0 {
		return Drive{}, fmt.Errorf("%s: %w", path, ErrNotMounted)
	}
	d := s.drive(entries[best], entries)
	var all []Drive
	if ds, err := s.Drives(); err == nil {
		all = ds
	}
	// Serial warnings need the other drives.
	all = append(all, d)
	warnSameSerials(all)
	return all[len(all)-1], nil
}

// drive describes one mount.
func (s *Sysfs) drive(e mountEntry, all []mountEntry) Drive {
	in := e.info
	d := Drive{Mount: in.Mountpoint, Filesystem: in.FSType, Label: filepath.Base(in.Mountpoint)}
	if strings.HasPrefix(in.Source, "/dev/") {
		d.Device = in.Source
	}
	if hasOpt(in.Options, "ro") || hasOpt(in.VFSOptions, "ro") {
		d.ReadOnly = true
	}
	devRO := false
	if e.major == 0 {
		d.Identity = Identity{Key: fmt.Sprintf("dev:%d:%d", e.major, e.minor)}
	} else {
		d.MajorMinor = fmt.Sprintf("%d:%d", e.major, e.minor)
		if label := s.udevLabel(e.major, e.minor); label != "" {
			d.Label = label
		}
		r := s.resolve(e.major, e.minor, all, 0)
		switch {
		case errors.Is(r.err, ErrDeviceGone):
			d.Stale = true
		case r.err != nil:
			d.Reason = r.err.Error()
		}
		d.Identity, d.Transport, d.Removable, d.Hotplug = r.identity, r.transport, r.removable, r.hotplug
		d.Encrypted, d.Layers, d.SizeBytes = r.encrypted, r.layers, r.size
		if r.ro {
			d.ReadOnly, devRO = true, true
		}
	}
	var spaceErr, writeErr error
	if !d.Stale {
		var sp Space
		if sp, spaceErr = s.Ops.Statfs(d.Mount); spaceErr == nil {
			if sp.Total > 0 {
				d.SizeBytes = sp.Total
			}
			d.FreeBytes = sp.Free
			d.ReadOnly = d.ReadOnly || sp.ReadOnly
		}
		writeErr = s.Ops.Writable(d.Mount)
	}
	reason := d.Reason
	d.judge(spaceErr, writeErr)
	if reason != "" && !d.Stale {
		d.Eligible, d.Reason = false, reason
	}
	if d.Reason == ReasonMountedRO && devRO {
		d.Reason = ReasonProtected
	}
	return d
}

func hasOpt(opts, o string) bool {
	for _, x := range strings.Split(opts, ",") {
		if x == o {
			return true
		}
	}
	return false
}

// resolved is what the walk down the device stack and up the sysfs chain
// found.
type resolved struct {
	identity  Identity
	transport string
	removable bool
	hotplug   bool
	encrypted bool
	ro        bool
	size      uint64
	layers    []string
	err       error
}

// maxDepth bounds the walk down stacked devices.
const maxDepth = 8

// resolve follows a device number down to its physical device.
func (s *Sysfs) resolve(major, minor int, mounts []mountEntry, depth int) (r resolved) {
	r.identity = Identity{Key: fmt.Sprintf("dev:%d:%d", major, minor)}
	if depth > maxDepth {
		r.err = errors.New("devices stacked too deep")
		return r
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(s.SysRoot, "dev", "block", fmt.Sprintf("%d:%d", major, minor)))
	if err != nil {
		r.err = ErrDeviceGone
		return r
	}
	r.size = readUint(filepath.Join(dir, "size")) * 512
	r.ro = readUint(filepath.Join(dir, "ro")) == 1
	if _, err := os.Stat(filepath.Join(dir, "partition")); err == nil {
		dir = filepath.Dir(dir)
		r.ro = r.ro || readUint(filepath.Join(dir, "ro")) == 1
	}
	name := filepath.Base(dir)

	// A loop device: the physical device is the one holding its file.
	if b, err := os.ReadFile(filepath.Join(dir, "loop", "backing_file")); err == nil {
		return s.resolveLoop(r, name, string(b), mounts, depth)
	}

	// dm (LUKS, LVM) and md: follow the single slave.
	if slaves, err := os.ReadDir(filepath.Join(dir, "slaves")); err == nil && len(slaves) > 0 {
		layer := name
		crypt := false
		if uuid, err := os.ReadFile(filepath.Join(dir, "dm", "uuid")); err == nil && strings.HasPrefix(string(uuid), "CRYPT-") {
			layer += " (crypt)"
			crypt = true
		} else if _, err := os.Stat(filepath.Join(dir, "md")); err == nil {
			layer += " (md)"
		}
		r.layers = append(r.layers, layer)
		if len(slaves) > 1 {
			r.err = errors.New(ReasonSeveral)
			return r
		}
		maj, min, ok := s.classDev(slaves[0].Name())
		if !ok {
			r.err = ErrDeviceGone
			return r
		}
		below := s.resolve(maj, min, mounts, depth+1)
		below.layers = append(r.layers, below.layers...)
		below.encrypted = below.encrypted || crypt
		below.ro = below.ro || r.ro
		below.size = r.size
		return below
	}

	return s.resolveDisk(r, dir, name)
}

// resolveLoop follows a loop device to the device holding its file.
func (s *Sysfs) resolveLoop(r resolved, name, backing string, mounts []mountEntry, depth int) resolved {
	file := strings.TrimSuffix(strings.TrimSpace(backing), " (deleted)")
	r.layers = append(r.layers, name+" ("+file+")")
	maj, min, err := s.Ops.DevOf(file)
	if err != nil {
		r.err = fmt.Errorf("loop device %s: its file %s: %w", name, file, err)
		return r
	}
	mj, mn := int(maj), int(min)
	if mj == 0 {
		// The file is on an anonymous device (tmpfs, overlay): the
		// mount table may name a real one.
		for _, m := range mounts {
			if m.info.Major == mj && m.info.Minor == mn && m.major != 0 {
				mj, mn = m.major, m.minor
				break
			}
		}
	}
	if mj == 0 {
		r.identity = Identity{Key: fmt.Sprintf("dev:%d:%d", mj, mn)}
		r.err = fmt.Errorf("loop device %s: its file %s is on a virtual filesystem, not a physical device", name, file)
		return r
	}
	below := s.resolve(mj, mn, mounts, depth+1)
	below.layers = append(r.layers, below.layers...)
	below.ro = below.ro || r.ro
	below.size = r.size
	return below
}

// resolveDisk describes a disk: its removable bit, then up the chain for
// the bus.
func (s *Sysfs) resolveDisk(r resolved, dir, name string) resolved {
	r.identity.Disk = name
	r.removable = readUint(filepath.Join(dir, "removable")) == 1
	r.hotplug = r.removable
	rel, _ := filepath.Rel(s.SysRoot, dir)
	r.identity.Key, r.identity.Known = "block:"+filepath.ToSlash(rel), true
	r.identity.Vendor = readTrim(filepath.Join(dir, "device", "vendor"))
	r.identity.Product = readTrim(filepath.Join(dir, "device", "model"))
	r.identity.Serial = readTrim(filepath.Join(dir, "device", "serial"))
	if strings.HasPrefix(rel, "devices/virtual/") {
		r.identity.Known = false
		r.identity.Key = "virtual:" + name
		r.err = errors.New(ReasonUnknown)
		return r
	}
	devices := filepath.Join(s.SysRoot, "devices")
	for up := filepath.Dir(dir); strings.HasPrefix(up, devices+string(filepath.Separator)); up = filepath.Dir(up) {
		switch subsystem(up) {
		case "usb":
			r.transport, r.hotplug = "usb", true
			if _, err := os.Stat(filepath.Join(up, "idVendor")); err != nil {
				continue // a USB interface; the device node is above it
			}
			rel, _ := filepath.Rel(s.SysRoot, up)
			r.identity = Identity{
				Key: "usb:" + filepath.ToSlash(rel), Known: true, Disk: name,
				Vendor:  firstNonEmpty(readTrim(filepath.Join(up, "manufacturer")), r.identity.Vendor),
				Product: firstNonEmpty(readTrim(filepath.Join(up, "product")), r.identity.Product),
				Serial:  readTrim(filepath.Join(up, "serial")),
				Bus:     "usb " + filepath.Base(up),
			}
			return r
		case "mmc":
			if r.transport == "usb" {
				continue
			}
			r.transport, r.hotplug = "mmc", true
			rel, _ := filepath.Rel(s.SysRoot, up)
			r.identity = Identity{
				Key: "mmc:" + filepath.ToSlash(rel), Known: true, Disk: name,
				Product: readTrim(filepath.Join(up, "name")),
				Serial:  readTrim(filepath.Join(up, "serial")),
				Bus:     "mmc " + filepath.Base(up),
			}
			return r
		}
	}
	return r
}

// subsystem is the basename of dir/subsystem's link.
func subsystem(dir string) string {
	l, err := os.Readlink(filepath.Join(dir, "subsystem"))
	if err != nil {
		return ""
	}
	return filepath.Base(l)
}

// udevLabel reads the filesystem label from the udev database.
func (s *Sysfs) udevLabel(major, minor int) string {
	if s.RunRoot == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(s.RunRoot, "udev", "data", fmt.Sprintf("b%d:%d", major, minor)))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "E:ID_FS_LABEL="); ok {
			return v
		}
	}
	return ""
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readUint(path string) uint64 {
	n, _ := strconv.ParseUint(readTrim(path), 10, 64)
	return n
}
