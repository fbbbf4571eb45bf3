// Package drivetest builds fake /proc and /sys trees for the drive
// detector, and real loop-mounted filesystems, for tests in any package.
//
// A Tree is described in Go and written under a temporary directory; its
// symbolic links are made at test time, relative as the kernel makes them
// (module zips drop symlinks, so none is committed). The shapes follow the
// sysfs chains recorded in USB.md §1.2: a USB stick is
// pci0000:00/0000:00:14.0/usb1/1-1 [usb, idVendor] / 1-1:1.0 [usb
// interface] / host0 / target0:0:0 / 0:0:0:0 [scsi] / block/sdb.
package drivetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Tree is a fake /proc, /sys and /run.
type Tree struct {
	Dir                        string
	ProcRoot, SysRoot, RunRoot string

	mounts  []string
	mountID int
	scsi    int // next SCSI host number
	err     error
}

// NewTree starts an empty tree under dir.
func NewTree(dir string) *Tree {
	t := &Tree{Dir: dir, ProcRoot: filepath.Join(dir, "proc"), SysRoot: filepath.Join(dir, "sys"), RunRoot: filepath.Join(dir, "run"), mountID: 20}
	for _, d := range []string{"bus/usb", "bus/scsi", "bus/pci", "bus/mmc", "bus/platform", "class/block", "dev/block", "block"} {
		t.mkdir(filepath.Join(t.SysRoot, d))
	}
	t.mkdir(filepath.Join(t.ProcRoot, "self"))
	return t
}

// Err is the first error met while building.
func (t *Tree) Err() error { return t.err }

func (t *Tree) mkdir(p string) {
	if t.err == nil {
		t.err = os.MkdirAll(p, 0o755)
	}
}

func (t *Tree) file(p, content string) {
	t.mkdir(filepath.Dir(p))
	if t.err == nil {
		t.err = os.WriteFile(p, []byte(content+"\n"), 0o644)
	}
}

// link makes from a relative symlink to to, both absolute paths.
func (t *Tree) link(from, to string) {
	t.mkdir(filepath.Dir(from))
	if t.err != nil {
		return
	}
	rel, err := filepath.Rel(filepath.Dir(from), to)
	if err != nil {
		t.err = err
		return
	}
	_ = os.Remove(from)
	t.err = os.Symlink(rel, from)
}

// node makes a device directory with its subsystem link.
func (t *Tree) node(rel, subsystem string) string {
	p := filepath.Join(t.SysRoot, "devices", rel)
	t.mkdir(p)
	bus := filepath.Join(t.SysRoot, "bus", subsystem)
	if subsystem == "block" {
		bus = filepath.Join(t.SysRoot, "class", "block")
	}
	t.link(filepath.Join(p, "subsystem"), bus)
	return p
}

// Disk is a block device in the tree (a whole disk or a partition).
type Disk struct {
	t            *Tree
	Name         string
	Major, Minor int
	dir          string // absolute sysfs dir
	parts        int
}

// Dev is "M:m".
func (d *Disk) Dev() string { return fmt.Sprintf("%d:%d", d.Major, d.Minor) }

func (t *Tree) block(dir, name string, major, minor int, sectors uint64) *Disk {
	t.link(filepath.Join(dir, "subsystem"), filepath.Join(t.SysRoot, "class", "block"))
	t.file(filepath.Join(dir, "dev"), fmt.Sprintf("%d:%d", major, minor))
	t.file(filepath.Join(dir, "size"), fmt.Sprint(sectors))
	t.file(filepath.Join(dir, "ro"), "0")
	t.link(filepath.Join(t.SysRoot, "dev", "block", fmt.Sprintf("%d:%d", major, minor)), dir)
	t.link(filepath.Join(t.SysRoot, "class", "block", name), dir)
	return &Disk{t: t, Name: name, Major: major, Minor: minor, dir: dir}
}

func (t *Tree) wholeDisk(parent, name string, major, minor int, removable bool, sectors uint64) *Disk {
	dir := filepath.Join(parent, "block", name)
	t.mkdir(dir)
	d := t.block(dir, name, major, minor, sectors)
	t.file(filepath.Join(dir, "removable"), map[bool]string{true: "1", false: "0"}[removable])
	t.link(filepath.Join(dir, "device"), parent)
	t.link(filepath.Join(t.SysRoot, "block", name), dir)
	return d
}

// Partition adds partition n (minor = the disk's + n).
func (d *Disk) Partition(n int) *Disk {
	name := d.Name + fmt.Sprint(n)
	if strings.ContainsAny(d.Name[len(d.Name)-1:], "0123456789") {
		name = d.Name + "p" + fmt.Sprint(n)
	}
	dir := filepath.Join(d.dir, name)
	d.t.mkdir(dir)
	p := d.t.block(dir, name, d.Major, d.Minor+n, 1<<20)
	d.t.file(filepath.Join(dir, "partition"), fmt.Sprint(n))
	return p
}

// ReadOnly sets the device's ro attribute (a write-protect switch).
func (d *Disk) ReadOnly() *Disk {
	d.t.file(filepath.Join(d.dir, "ro"), "1")
	return d
}

// Remove deletes the device from sysfs, as a yank does, leaving any
// mount of it behind (a stale mount).
func (d *Disk) Remove() {
	t := d.t
	if t.err != nil {
		return
	}
	for _, p := range []string{
		filepath.Join(t.SysRoot, "dev", "block", d.Dev()),
		filepath.Join(t.SysRoot, "class", "block", d.Name),
		filepath.Join(t.SysRoot, "block", d.Name),
	} {
		_ = os.Remove(p)
	}
	t.err = os.RemoveAll(d.dir)
}

// USBDevice is a USB device node (a stick, a card reader, an enclosure).
type USBDevice struct {
	t    *Tree
	dir  string // absolute
	port string
	host int
	luns int
}

// USB adds a USB device at port ("1-1", "2-3") of the xHCI controller.
func (t *Tree) USB(port, vendor, product, serial string) *USBDevice {
	bus, _, _ := strings.Cut(port, "-")
	pci := "pci0000:00/0000:00:14.0"
	t.node(pci, "pci")
	t.node(pci+"/usb"+bus, "usb")
	dev := t.node(pci+"/usb"+bus+"/"+port, "usb")
	t.file(filepath.Join(dev, "idVendor"), "0781")
	t.file(filepath.Join(dev, "idProduct"), "5567")
	t.file(filepath.Join(dev, "manufacturer"), vendor)
	t.file(filepath.Join(dev, "product"), product)
	if serial != "" {
		t.file(filepath.Join(dev, "serial"), serial)
	}
	t.file(filepath.Join(dev, "removable"), "unknown") // describes the port: ignored
	h := t.scsi
	t.scsi++
	return &USBDevice{t: t, dir: dev, port: port, host: h}
}

// Disk adds a logical unit (a stick's disk, or one slot of a card
// reader) with its SCSI chain.
func (u *USBDevice) Disk(name string, major, minor int, removable bool) *Disk {
	t := u.t
	rel, _ := filepath.Rel(filepath.Join(t.SysRoot, "devices"), u.dir)
	iface := rel + "/" + u.port + ":1.0"
	t.node(iface, "usb")
	host := fmt.Sprintf("%s/host%d", iface, u.host)
	hostDir := t.node(host, "scsi")
	sh := filepath.Join(hostDir, "scsi_host", fmt.Sprintf("host%d", u.host))
	t.file(filepath.Join(sh, "proc_name"), "usb-storage")
	t.link(filepath.Join(t.SysRoot, "class", "scsi_host", fmt.Sprintf("host%d", u.host)), sh)
	target := fmt.Sprintf("%s/target%d:0:0", host, u.host)
	t.node(target, "scsi")
	lun := t.node(fmt.Sprintf("%s/%d:0:0:%d", target, u.host, u.luns), "scsi")
	u.luns++
	t.file(filepath.Join(lun, "vendor"), "Generic")
	t.file(filepath.Join(lun, "model"), "Flash Disk")
	return t.wholeDisk(lun, name, major, minor, removable, 1<<22)
}

// NVMe adds an internal NVMe disk.
func (t *Tree) NVMe(name string, major, minor int) *Disk {
	t.node("pci0000:00/0000:00:1d.0", "pci")
	ctl := t.node("pci0000:00/0000:00:1d.0/nvme/nvme0", "nvme")
	t.file(filepath.Join(ctl, "model"), "Internal NVMe SSD")
	t.file(filepath.Join(ctl, "serial"), "NVME0001")
	return t.wholeDisk(ctl, name, major, minor, false, 1<<30)
}

// MMC adds a card in a built-in SD slot (removable=0, on the mmc bus).
func (t *Tree) MMC(name, cardName, serial string, major, minor int) *Disk {
	t.node("platform", "platform")
	t.node("platform/sdhci.0", "platform")
	t.node("platform/sdhci.0/mmc_host/mmc0", "mmc_host")
	card := t.node("platform/sdhci.0/mmc_host/mmc0/mmc0:aaaa", "mmc")
	t.file(filepath.Join(card, "name"), cardName)
	t.file(filepath.Join(card, "serial"), serial)
	return t.wholeDisk(card, name, major, minor, false, 1<<24)
}

// Loop adds loop device loopN backed by file (whose device the test's
// SysOps.DevOf reports).
func (t *Tree) Loop(n int, file string) *Disk {
	name := fmt.Sprintf("loop%d", n)
	dir := filepath.Join(t.SysRoot, "devices", "virtual", "block", name)
	t.mkdir(dir)
	d := t.block(dir, name, 7, n, 1<<20)
	t.file(filepath.Join(dir, "removable"), "0")
	t.file(filepath.Join(dir, "loop", "backing_file"), file)
	t.link(filepath.Join(t.SysRoot, "block", name), dir)
	return d
}

// Crypt adds dm-N, a dm-crypt (LUKS) mapping over slave.
func (t *Tree) Crypt(n int, minor int, slave *Disk) *Disk {
	name := fmt.Sprintf("dm-%d", n)
	dir := filepath.Join(t.SysRoot, "devices", "virtual", "block", name)
	t.mkdir(dir)
	d := t.block(dir, name, 254, minor, 1<<20)
	t.file(filepath.Join(dir, "removable"), "0")
	t.file(filepath.Join(dir, "dm", "uuid"), "CRYPT-LUKS2-0123456789abcdef0123456789abcdef-luks-stick")
	t.file(filepath.Join(dir, "dm", "name"), "luks-stick")
	t.link(filepath.Join(dir, "slaves", slave.Name), slave.dir)
	t.link(filepath.Join(slave.dir, "holders", name), dir)
	t.link(filepath.Join(t.SysRoot, "block", name), dir)
	return d
}

// RAID adds mdN over several disks.
func (t *Tree) RAID(n int, minor int, members ...*Disk) *Disk {
	name := fmt.Sprintf("md%d", n)
	dir := filepath.Join(t.SysRoot, "devices", "virtual", "block", name)
	t.mkdir(dir)
	d := t.block(dir, name, 9, minor, 1<<20)
	t.mkdir(filepath.Join(dir, "md"))
	for _, m := range members {
		t.link(filepath.Join(dir, "slaves", m.Name), m.dir)
	}
	return d
}

// Label records a filesystem label in the udev database.
func (t *Tree) Label(d *Disk, label string) {
	t.file(filepath.Join(t.RunRoot, "udev", "data", "b"+d.Dev()), "E:ID_FS_LABEL="+label+"\nE:ID_FS_TYPE=vfat")
}

// Mount adds a mount of d (nil for a virtual filesystem with major 0,
// minor n given as anonMinor) at mountpoint. opts are the per-mount
// options ("rw,nosuid" or "ro,...").
func (t *Tree) Mount(d *Disk, mountpoint, fstype, opts string) {
	dev, source := "0:0", "none"
	if d != nil {
		dev, source = d.Dev(), "/dev/"+strings.TrimPrefix(d.Name, "/dev/")
		if strings.HasPrefix(d.Name, "dm-") {
			source = "/dev/mapper/luks-stick"
		}
	}
	t.mountLine(dev, "/", mountpoint, opts, fstype, source, "rw")
}

// MountAnon adds a mount with an anonymous device (tmpfs, FUSE).
func (t *Tree) MountAnon(minor int, mountpoint, fstype, source, opts string) {
	t.mountLine(fmt.Sprintf("0:%d", minor), "/", mountpoint, opts, fstype, source, "rw")
}

// BindMount adds a bind mount of a directory of d.
func (t *Tree) BindMount(d *Disk, root, mountpoint, fstype string) {
	t.mountLine(d.Dev(), root, mountpoint, "rw", fstype, "/dev/"+d.Name, "rw")
}

func (t *Tree) mountLine(dev, root, mountpoint, opts, fstype, source, super string) {
	t.mountID++
	esc := strings.NewReplacer(" ", `\040`, "\t", `\011`, "\n", `\012`, `\`, `\134`)
	t.mounts = append(t.mounts, fmt.Sprintf("%d 1 %s %s %s %s shared:%d - %s %s %s",
		t.mountID, dev, esc.Replace(root), esc.Replace(mountpoint), opts, t.mountID, fstype, source, super))
}

// Write writes proc/self/mountinfo. Call it after the last Mount.
func (t *Tree) Write() error {
	t.file(filepath.Join(t.ProcRoot, "self", "mountinfo"), strings.Join(t.mounts, "\n"))
	return t.err
}

// FakeMachine is a laptop with an internal NVMe disk mounted at / and one
// USB stick per mount point given (real directories: the detector's
// statfs and write checks run on them), each on a device of its own,
// labelled with the mount point's last element. Write has been called.
func FakeMachine(dir string, mounts ...string) (*Tree, error) {
	t := NewTree(dir)
	nvme := t.NVMe("nvme0n1", 259, 0)
	t.Mount(nvme.Partition(1), "/", "ext4", "rw,relatime")
	for i, mp := range mounts {
		stick := t.USB(fmt.Sprintf("1-%d", i+1), "SanDisk", "Cruzer Blade", fmt.Sprintf("TV%06d", i+1))
		part := stick.Disk(fmt.Sprintf("sd%c", 'b'+i), 8, 16*(i+1), true).Partition(1)
		t.Label(part, filepath.Base(mp))
		t.Mount(part, mp, "vfat", "rw,nosuid,nodev")
	}
	return t, t.Write()
}
