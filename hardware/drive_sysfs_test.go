//go:build linux

package hardware_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/hardware"
	"github.com/trustvault/trustvault/hardware/drivetest"
)

// fakeOps answers the detector's system calls for a fake tree: every
// mount has 1 GiB with 512 MiB free, and is writable unless listed.
type fakeOps struct {
	readOnly map[string]bool
	devs     map[string][2]uint32
}

func (o fakeOps) Statfs(path string) (hardware.Space, error) {
	return hardware.Space{Total: 1 << 30, Free: 1 << 29, ReadOnly: o.readOnly[path]}, nil
}

func (o fakeOps) Writable(dir string) error {
	if o.readOnly[dir] {
		return errors.New("read-only file system")
	}
	return nil
}

func (o fakeOps) DevOf(path string) (uint32, uint32, error) {
	if d, ok := o.devs[path]; ok {
		return d[0], d[1], nil
	}
	return 0, 0, fs.ErrNotExist
}

// machine is a laptop with everything the detector must tell apart.
type machine struct {
	tree *drivetest.Tree
	det  *hardware.Sysfs
}

func newMachine(t *testing.T) *machine {
	t.Helper()
	tr := drivetest.NewTree(t.TempDir())

	nvme := tr.NVMe("nvme0n1", 259, 0)
	root := nvme.Partition(2)
	tr.Mount(nvme.Partition(1), "/boot/efi", "vfat", "rw,relatime")
	tr.Mount(root, "/", "ext4", "rw,relatime")
	tr.BindMount(root, "/var/lib/docker", "/var/lib/docker", "ext4") // same device, shown once
	tr.MountAnon(25, "/tmp", "tmpfs", "tmpfs", "rw")
	snap := tr.Loop(9, "/var/lib/snapd/snaps/core_1.snap")
	tr.Mount(snap, "/snap/core/1", "squashfs", "ro")

	// A stick with two partitions: one identity.
	stick := tr.USB("1-1", "SanDisk", "Cruzer Blade", "4C530001")
	sdb := stick.Disk("sdb", 8, 16, true)
	a, b := sdb.Partition(1), sdb.Partition(2)
	tr.Label(a, "KEYS-A")
	tr.Mount(a, "/media/alice/KEYS-A", "vfat", "rw,nosuid,nodev")
	tr.Mount(b, "/media/alice/KEYS-B", "exfat", "rw,nosuid,nodev")

	// A two-slot card reader: two disks, one identity.
	reader := tr.USB("1-2", "Generic", "USB3.0 Card Reader", "000000001536")
	tr.Mount(reader.Disk("sdc", 8, 32, true).Partition(1), "/media/alice/SD", "vfat", "rw")
	tr.Mount(reader.Disk("sdd", 8, 48, true).Partition(1), "/media/alice/CF", "vfat", "rw")

	// Two sticks of a cheap model with one serial: two identities.
	c1 := tr.USB("2-1", "Generic", "Mass Storage", "0123456789ABCDEF")
	tr.Mount(c1.Disk("sde", 8, 64, true).Partition(1), "/media/alice/CLONE1", "vfat", "rw")
	c2 := tr.USB("2-2", "Generic", "Mass Storage", "0123456789ABCDEF")
	tr.Mount(c2.Disk("sdf", 8, 80, true).Partition(1), "/media/alice/CLONE2", "vfat", "rw")

	// A USB SSD says removable=0 and is still a candidate.
	ssd := tr.USB("2-3", "Samsung", "Portable SSD T7", "S5TDNS0R")
	tr.Mount(ssd.Disk("sdg", 8, 96, false).Partition(1), "/media/alice/T7", "exfat", "rw")

	// A card in the built-in SD slot: mmc, removable=0.
	tr.Mount(tr.MMC("mmcblk0", "SD32G", "0x1234abcd", 179, 0).Partition(1), "/media/alice/CAMERA", "exfat", "rw")

	// A LUKS stick: dm-crypt over the stick's partition.
	luks := tr.USB("2-4", "Kingston", "DataTraveler", "LUKS0001")
	tr.Mount(tr.Crypt(0, 0, luks.Disk("sdh", 8, 112, true).Partition(1)), "/media/alice/VAULT", "ext4", "rw")

	// A loop device whose image file is on the internal disk.
	tr.Mount(tr.Loop(3, "/home/alice/stick.img"), "/mnt/image", "ext4", "rw")

	// Read-only: a mount with ro, and a stick with its switch set.
	ro := tr.USB("3-1", "Verbatim", "Store n Go", "RO0001")
	tr.Mount(ro.Disk("sdi", 8, 128, true).Partition(1), "/media/alice/RO", "vfat", "ro,nosuid")
	wp := tr.USB("3-2", "Lexar", "JumpDrive", "WP0001")
	wpDisk := wp.Disk("sdj", 8, 144, true).ReadOnly()
	tr.Mount(wpDisk.Partition(1), "/media/alice/LOCKED", "vfat", "ro")

	// A stale mount: the stick was pulled without unmounting.
	gone := tr.USB("3-3", "PNY", "Attache", "GONE0001")
	goneDisk := gone.Disk("sdk", 8, 160, true)
	tr.Mount(goneDisk.Partition(1), "/media/alice/GONE", "vfat", "rw")
	goneDisk.Remove()

	// FUSE FAT has no device; RAID spans two disks.
	tr.MountAnon(39, "/media/alice/FUSEFAT", "fuse.fusefat", "fusefat", "rw")
	r1 := tr.USB("3-4", "A", "B", "R1").Disk("sdl", 8, 176, true)
	r2 := tr.USB("3-5", "A", "B", "R2").Disk("sdm", 8, 192, true)
	tr.Mount(tr.RAID(0, 0, r1, r2), "/media/alice/RAID", "ext4", "rw")

	if err := tr.Write(); err != nil {
		t.Fatal(err)
	}
	ops := fakeOps{
		readOnly: map[string]bool{"/media/alice/RO": true, "/media/alice/LOCKED": true},
		devs:     map[string][2]uint32{"/home/alice/stick.img": {259, 2}},
	}
	det := &hardware.Sysfs{ProcRoot: tr.ProcRoot, SysRoot: tr.SysRoot, RunRoot: tr.RunRoot, Ops: ops, User: "alice"}
	return &machine{tree: tr, det: det}
}

func TestSysfsDrives(t *testing.T) {
	m := newMachine(t)
	ds, err := m.det.Drives()
	if err != nil {
		t.Fatal(err)
	}
	got := byMount(t, ds)
	for _, mp := range []string{"/tmp", "/snap/core/1", "/var/lib/docker"} {
		if _, ok := got[mp]; ok {
			t.Errorf("%s is listed; want it left out", mp)
		}
	}
	for _, tc := range []struct {
		name, mount string
		eligible    bool
		reason      string // a part of it
		transport   string
		encrypted   bool
		identity    string // a part of the key
		label       string
	}{
		{"internal root", "/", false, "internal disk", "", false, "block:devices/pci0000:00/0000:00:1d.0/nvme/nvme0/block/nvme0n1", ""},
		{"EFI partition", "/boot/efi", false, "internal disk", "", false, "nvme0n1", ""},
		{"stick, first partition", "/media/alice/KEYS-A", true, "", "usb", false, "usb:devices/pci0000:00/0000:00:14.0/usb1/1-1", "KEYS-A"},
		{"stick, second partition", "/media/alice/KEYS-B", true, "", "usb", false, "usb1/1-1", "KEYS-B"},
		{"card reader slot 1", "/media/alice/SD", true, "", "usb", false, "usb1/1-2", ""},
		{"card reader slot 2", "/media/alice/CF", true, "", "usb", false, "usb1/1-2", ""},
		{"clone 1", "/media/alice/CLONE1", true, "", "usb", false, "usb2/2-1", ""},
		{"clone 2", "/media/alice/CLONE2", true, "", "usb", false, "usb2/2-2", ""},
		{"USB SSD, removable=0", "/media/alice/T7", true, "", "usb", false, "usb2/2-3", ""},
		{"SD card in a built-in slot", "/media/alice/CAMERA", true, "", "mmc", false, "mmc:devices/platform/sdhci.0/mmc_host/mmc0/mmc0:aaaa", ""},
		{"LUKS stick", "/media/alice/VAULT", true, "", "usb", true, "usb2/2-4", ""},
		{"loop image on the internal disk", "/mnt/image", false, "internal disk", "", false, "nvme0n1", ""},
		{"mounted read-only", "/media/alice/RO", false, hardware.ReasonMountedRO, "usb", false, "usb3/3-1", ""},
		{"write-protect switch", "/media/alice/LOCKED", false, hardware.ReasonProtected, "usb", false, "usb3/3-2", ""},
		{"stale mount", "/media/alice/GONE", false, "device disconnected", "", false, "dev:8:161", ""},
		{"FUSE FAT", "/media/alice/FUSEFAT", false, "cannot be identified", "", false, "dev:0:39", ""},
		{"RAID", "/media/alice/RAID", false, "spans several devices", "", false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := got[tc.mount]
			if !ok {
				t.Fatalf("%s is not listed", tc.mount)
			}
			if d.Eligible != tc.eligible || !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("eligible %v (%q); want %v (%q)", d.Eligible, d.Reason, tc.eligible, tc.reason)
			}
			if d.Transport != tc.transport {
				t.Errorf("transport %q, want %q", d.Transport, tc.transport)
			}
			if d.Encrypted != tc.encrypted {
				t.Errorf("encrypted %v, want %v", d.Encrypted, tc.encrypted)
			}
			if !strings.Contains(d.Identity.Key, tc.identity) {
				t.Errorf("identity %q, want it to contain %q", d.Identity.Key, tc.identity)
			}
			if tc.label != "" && d.Label != tc.label {
				t.Errorf("label %q, want %q", d.Label, tc.label)
			}
			if tc.eligible && d.FreeBytes != 1<<29 {
				t.Errorf("free %d", d.FreeBytes)
			}
		})
	}
	// Eligible first, and under /media/alice.
	if !ds[0].Eligible || !strings.HasPrefix(ds[0].Mount, "/media/alice/") {
		t.Errorf("first drive %s (eligible %v); want an eligible one under /media/alice", ds[0].Mount, ds[0].Eligible)
	}
	seenIneligible := false
	for _, d := range ds {
		if !d.Eligible {
			seenIneligible = true
		} else if seenIneligible {
			t.Errorf("eligible %s listed after an ineligible drive", d.Mount)
		}
	}

	same := func(a, b string) bool { return got[a].Identity.Same(got[b].Identity) }
	for _, pair := range [][2]string{{"/media/alice/KEYS-A", "/media/alice/KEYS-B"}, {"/media/alice/SD", "/media/alice/CF"}, {"/", "/mnt/image"}} {
		if !same(pair[0], pair[1]) {
			t.Errorf("%s and %s: different identities, want one device", pair[0], pair[1])
		}
		if err := hardware.CheckPair(got[pair[0]], got[pair[1]]); !errors.Is(err, hardware.ErrSameDevice) {
			t.Errorf("CheckPair(%s, %s) = %v, want ErrSameDevice", pair[0], pair[1], err)
		}
	}
	if same("/media/alice/CLONE1", "/media/alice/CLONE2") {
		t.Error("the two clones with one serial are one identity; want two")
	}
	if err := hardware.CheckPair(got["/media/alice/CLONE1"], got["/media/alice/CLONE2"]); err != nil {
		t.Errorf("CheckPair(clones) = %v", err)
	}
	for _, mp := range []string{"/media/alice/CLONE1", "/media/alice/CLONE2"} {
		if w := got[mp].Warnings; len(w) != 1 || !strings.Contains(w[0], "same serial (0123456789ABCDEF)") {
			t.Errorf("%s warnings %q, want one about the shared serial", mp, w)
		}
	}
	if w := got["/media/alice/KEYS-A"].Warnings; len(w) != 0 {
		t.Errorf("KEYS-A warnings %q", w)
	}
	luks := got["/media/alice/VAULT"]
	if luks.Identity.Serial != "LUKS0001" || luks.Identity.Vendor != "Kingston" || fmt.Sprint(luks.Layers) != "[dm-0 (crypt)]" {
		t.Errorf("LUKS stick: %+v", luks)
	}
	if s := got["/media/alice/KEYS-A"].Identity.String(); s != "SanDisk Cruzer Blade, serial 4C530001, usb 1-1" {
		t.Errorf("identity string %q", s)
	}
	if l := got["/mnt/image"].Layers; len(l) != 1 || !strings.HasPrefix(l[0], "loop3") {
		t.Errorf("loop layers %q", l)
	}
}

func TestSysfsLocate(t *testing.T) {
	m := newMachine(t)
	for _, tc := range []struct{ path, mount string }{
		{"/media/alice/KEYS-A/backups/2026", "/media/alice/KEYS-A"},
		{"/media/alice/KEYS-A", "/media/alice/KEYS-A"},
		{"/home/alice/.docker/trust", "/"},
		{"/media/alice/KEYS-AB", "/"},
	} {
		d, err := m.det.Locate(tc.path)
		if err != nil {
			t.Fatalf("Locate(%s): %v", tc.path, err)
		}
		if d.Mount != tc.mount {
			t.Errorf("Locate(%s) = %s, want %s", tc.path, d.Mount, tc.mount)
		}
	}
	d, _ := m.det.Locate("/media/alice/CLONE1/x")
	if len(d.Warnings) != 1 {
		t.Errorf("Locate keeps the serial warning: %q", d.Warnings)
	}
}

func TestSysfsNoMountTable(t *testing.T) {
	det := &hardware.Sysfs{ProcRoot: t.TempDir(), SysRoot: t.TempDir(), Ops: fakeOps{}}
	if _, err := det.Drives(); err == nil {
		t.Fatal("no error without a mount table")
	}
}

// TestSysfsLsblkOracle checks the fake tree against lsblk: it reads the
// same sysfs through --sysroot and must agree on removable and hotplug
// (lsblk 2.38 takes the transport from udev, which the tree has not).
func TestSysfsLsblkOracle(t *testing.T) {
	lsblk, err := exec.LookPath("lsblk")
	if err != nil {
		t.Skip("lsblk not installed (util-linux)")
	}
	m := newMachine(t)
	// lsblk --sysroot reads <root>/sys; the tree's root is its parent.
	out, err := exec.Command(lsblk, "--sysroot", m.tree.Dir, "--json", "-o", "NAME,RM,HOTPLUG").CombinedOutput()
	if err != nil {
		t.Skipf("lsblk --sysroot does not take the fake tree here: %v\n%s", err, out)
	}
	var got struct {
		Blockdevices []struct {
			Name    string `json:"name"`
			RM      any    `json:"rm"`
			Hotplug any    `json:"hotplug"`
		} `json:"blockdevices"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]string{ // name -> rm hotplug
		"sdb": "true true", "sdc": "true true", "sdg": "false true",
		"nvme0n1": "false false", "mmcblk0": "false true",
	}
	seen := 0
	for _, d := range got.Blockdevices {
		w, ok := want[d.Name]
		if !ok {
			continue
		}
		seen++
		g := fmt.Sprintf("%v %v", boolish(d.RM), boolish(d.Hotplug))
		if g != w {
			t.Errorf("lsblk says %s is %q, want %q", d.Name, g, w)
		}
	}
	if seen == 0 {
		t.Skipf("lsblk listed none of the fake disks:\n%s", out)
	}
}

// boolish reads lsblk's booleans, which older versions print as "0"/"1".
func boolish(v any) string {
	switch x := v.(type) {
	case bool:
		return fmt.Sprint(x)
	case string:
		return fmt.Sprint(x == "1")
	}
	return fmt.Sprint(v)
}
