package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/hardware/drivetest"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestTerminalBackup runs the built binary in tmux on a demo vault and two
// fake drives: loop-mounted ext4 images that a fake sysfs presents as two
// USB sticks (TRUSTVAULT_SYSROOT). It picks both, writes a plain backup,
// sees both verified, ejects them, and drills the backup from the restore
// page. Without root (no loop devices) the drives are plain directories.
func TestTerminalBackup(t *testing.T) {
	bin := tools.Trustvault(t)
	base := t.TempDir()
	var a, b string
	loops := drivetest.LoopUnavailable() == ""
	if loops {
		a = drivetest.NewLoopDrive(t, drivetest.LoopOptions{Name: "KEYS-A"}).Mount
		b = drivetest.NewLoopDrive(t, drivetest.LoopOptions{Name: "KEYS-B"}).Mount
	} else {
		t.Logf("the drives are plain directories: %s", drivetest.LoopUnavailable())
		a, b = filepath.Join(base, "KEYS-A"), filepath.Join(base, "KEYS-B")
		os.Mkdir(a, 0o755)
		os.Mkdir(b, 0o755)
	}
	sysroot := filepath.Join(base, "sysroot")
	if _, err := drivetest.FakeMachine(sysroot, a, b); err != nil {
		t.Fatal(err)
	}
	info, err := demo.Generate(filepath.Join(base, "trust"), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tm := tools.StartTmux(t, 120, 36, "env", "TRUSTVAULT_SYSROOT="+sysroot, bin, "--trust-dir", info.Dir)

	tm.WaitFor("repositories", "Repositories", "docker.io/acme/tools")
	tm.Send("b")
	tm.WaitFor("drives", "Back up to two drives", "Choose two drives", "[ ] KEYS-A", "[ ] KEYS-B",
		"SanDisk Cruzer Blade, serial TV000001, usb 1-1", "not offered: it holds the trust directory")
	tm.Send("Space")
	tm.WaitFor("first drive chosen", "[1] KEYS-A")
	tm.Send("Space")
	tm.WaitFor("unchosen", "[ ] KEYS-A")
	tm.Send("Space", "j", "Space")
	tm.WaitFor("two drives chosen", "[1] KEYS-A", "[2] KEYS-B")
	tm.Send("Enter")
	tm.WaitFor("plain or encrypted", "▸ Plain tar.gz", "Encrypted with age", "to "+a)
	tm.Send("Enter")
	tm.WaitFor("written and verified", "2 of 2 copies verified: 10 keys in keys-backup-",
		"✓ "+a+": verified, read back from the drive", "✓ "+b+": verified", "e eject both")
	for _, d := range []string{a, b} {
		m, _ := filepath.Glob(filepath.Join(d, "keys-backup-*.tar.gz"))
		if len(m) != 1 {
			t.Fatalf("%s holds %v", d, m)
		}
	}

	tm.Send("Escape")
	tm.WaitFor("back, the backups counted", "REPOSITORY")
	tm.Send("R")
	screen := tm.WaitFor("restore page offers the newest archive", "Restore or drill a backup", "keys-backup-")
	if !strings.Contains(screen, filepath.Base(a)) && !strings.Contains(screen, filepath.Base(b)) {
		t.Fatalf("no archive offered:\n%s", screen)
	}
	tm.Send("Enter")
	tm.WaitFor("drilled", "Drill: the archive opens and every digest matches: 10 keys the same as here, 0 changed here since")
	tm.Send("Escape")
	tm.WaitFor("back", "REPOSITORY")

	if loops {
		tm.Send("b")
		tm.WaitFor("drives again", "[ ] KEYS-A")
		tm.Send("Space", "j", "Space", "Enter")
		tm.WaitFor("mode", "▸ Plain tar.gz")
		tm.Send("Enter")
		tm.WaitFor("second backup", "2 of 2 copies verified")
		tm.Send("e")
		tm.WaitFor("ejected", "✓ unmounted "+a, "✓ unmounted "+b)
		tm.Send("Enter")
	}
	tm.WaitFor("repositories", "REPOSITORY")
	tm.Send("q")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
