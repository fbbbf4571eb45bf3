package hardware_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/trustvault/trustvault/hardware"
)

// decodePlist is what NewDetector sets on macOS.
func decodePlist(data []byte, v any) error {
	_, err := plist.Unmarshal(data, v)
	return err
}

// recorded answers diskutil from testdata/diskutil: list.plist and
// info-<id>.plist. The plists are written from the keys Apple documents
// and public samples show, not captured on a Mac (see README).
type recorded struct{ t *testing.T }

func (r recorded) Output(name string, args ...string) ([]byte, error) {
	if name != "diskutil" || len(args) < 2 || args[len(args)-2] != "-plist" && args[1] != "-plist" {
		return nil, fmt.Errorf("unexpected command %s %q", name, args)
	}
	file := "list.plist"
	if args[0] == "info" {
		file = "info-" + args[2] + ".plist"
	}
	return os.ReadFile(filepath.Join("testdata", "diskutil", file))
}

func TestDiskutilDrives(t *testing.T) {
	det := &hardware.Diskutil{Run: recorded{t}, Decode: decodePlist}
	ds, err := det.Drives()
	if err != nil {
		t.Fatal(err)
	}
	got := byMount(t, ds)
	keys, t7, data, locked := got["/Volumes/KEYS"], got["/Volumes/T7"], got["/System/Volumes/Data"], got["/Volumes/LOCKED"]
	if !keys.Eligible || keys.Transport != "usb" || keys.Identity.Key != "disk:disk4" || keys.Filesystem != "msdos" || keys.Label != "KEYS" || keys.FreeBytes != 8e9 {
		t.Errorf("FAT stick: %+v", keys)
	}
	// APFS: the volume's container disk6 is synthesized; the identity is
	// the physical disk5 under it.
	if !t7.Eligible || t7.Identity.Key != "disk:disk5" || !t7.Encrypted || !strings.Contains(t7.Identity.String(), "Samsung PSSD T7") {
		t.Errorf("APFS SSD: %+v", t7)
	}
	if data.Eligible || data.Identity.Key != "disk:disk0" {
		t.Errorf("internal data volume: %+v", data)
	}
	if locked.Eligible || !locked.ReadOnly {
		t.Errorf("write-protected stick: %+v", locked)
	}
	if !ds[0].Eligible || ds[len(ds)-1].Eligible {
		t.Errorf("not ranked eligible first: %v", ds)
	}
	d, err := det.Locate("/Volumes/KEYS/backups")
	if err != nil || d.Mount != "/Volumes/KEYS" {
		t.Errorf("Locate = %v, %v", d.Mount, err)
	}
	if err := hardware.CheckPair(keys, t7); err != nil {
		t.Errorf("CheckPair: %v", err)
	}
}

func TestParseDiskutilInfoRejectsGarbage(t *testing.T) {
	if _, err := (&hardware.Diskutil{Decode: decodePlist}).ParseInfo([]byte("Device Identifier: disk4s1")); err == nil {
		t.Error("text output parsed as a plist")
	}
}

func byMount(t *testing.T, ds []hardware.Drive) map[string]hardware.Drive {
	t.Helper()
	m := map[string]hardware.Drive{}
	for _, d := range ds {
		if _, dup := m[d.Mount]; dup {
			t.Errorf("%s listed twice", d.Mount)
		}
		m[d.Mount] = d
	}
	return m
}

// fixed answers `diskutil list -plist` with list and every `diskutil info
// -plist` with info.
type fixed struct{ list, info []byte }

func (f fixed) Output(name string, args ...string) ([]byte, error) {
	if len(args) > 0 && args[0] == "list" {
		return f.list, nil
	}
	return f.info, nil
}

// FuzzDiskutil feeds the plist reader whatever diskutil might print: it
// never panics, an info that parses is described as a drive, and no drive
// it lists lacks a mount point or is eligible on the system volume.
func FuzzDiskutil(f *testing.F) {
	dir := filepath.Join("testdata", "diskutil")
	list, err := os.ReadFile(filepath.Join(dir, "list.plist"))
	if err != nil {
		f.Fatal(err)
	}
	infos, err := filepath.Glob(filepath.Join(dir, "info-*.plist"))
	if err != nil || len(infos) == 0 {
		f.Fatalf("no info plists in %s: %v", dir, err)
	}
	for _, p := range infos {
		info, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(list, info)
	}
	f.Add([]byte("Device Identifier: disk4s1"), []byte{})
	f.Fuzz(func(t *testing.T, list, info []byte) {
		_, infoErr := (&hardware.Diskutil{Decode: decodePlist}).ParseInfo(info)
		ds, err := (&hardware.Diskutil{Run: fixed{list, info}, Decode: decodePlist}).Drives()
		if err != nil {
			return
		}
		for _, d := range ds {
			if d.Mount == "" {
				t.Errorf("a drive without a mount point: %+v", d)
			}
			if d.Eligible && (d.Mount == "/" || strings.HasPrefix(d.Mount, "/System/Volumes/")) {
				t.Errorf("the system volume is eligible: %+v", d)
			}
			if infoErr != nil && d.Eligible {
				t.Errorf("eligible from an info that does not parse (%v): %+v", infoErr, d)
			}
		}
	})
}
