package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware/drivetest"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// Interoperability of backup archives with the tools people restore them
// with when trustvault is not at hand: GNU tar (docker's documented
// command, reversed) and the age CLI. `make test` installs age and sets
// TRUSTVAULT_REQUIRE_INTEROP=1, which turns a missing tool into a failure
// (tools.Require).

// backupFixture is a demo vault backed up with the built binary to two
// directories presented as sticks; it returns the trust dir and the
// archive on the first drive.
func backupFixture(t *testing.T, tv string, env ...string) (trust, arch string) {
	t.Helper()
	base := t.TempDir()
	trust = filepath.Join(base, "trust")
	vaulttest.LiveDemo(t, trust)
	a, b := filepath.Join(base, "A"), filepath.Join(base, "B")
	os.Mkdir(a, 0o755)
	os.Mkdir(b, 0o755)
	if _, err := drivetest.FakeMachine(filepath.Join(base, "sysroot"), a, b); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tv, "--trust-dir", trust, "backup", "--to", a, "--to", b)
	if len(env) > 0 {
		cmd.Args = append(cmd.Args, "--encrypt")
	}
	cmd.Env = passphraseFreeEnv(append(env, envSysroot+"="+filepath.Join(base, "sysroot"))...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	entries, _ := os.ReadDir(a)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "keys-backup-") && !strings.HasSuffix(e.Name(), ".sha256") {
			arch = filepath.Join(a, e.Name())
		}
	}
	return trust, arch
}

// sameKeys compares two private/ directories file by file, and checks the
// restored modes.
func sameKeys(t *testing.T, want, got string) {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(want, "private"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(got, rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s not restored as it was: %v", rel, err)
		}
		if fi, err := os.Stat(filepath.Join(got, rel)); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s restored with mode %o", rel, fi.Mode().Perm())
		}
		n++
		return nil
	})
	if n < 10 {
		t.Errorf("only %d key files compared", n)
	}
}

// TestBackupPlainWithGNUTar: docker's documented command, reversed,
// restores a plain archive; so does trustvault restore.
func TestBackupPlainWithGNUTar(t *testing.T) {
	tools.GNUTar(t)
	tv := tools.Trustvault(t)
	trust, arch := backupFixture(t, tv)
	dest := filepath.Join(t.TempDir(), "trust")
	os.MkdirAll(dest, 0o700)
	out, err := exec.Command("sh", "-c", `umask 077; tar -xzf "$1" -C "$2"`, "sh", arch, dest).CombinedOutput()
	if err != nil {
		t.Fatalf("tar -xzf: %v\n%s", err, out)
	}
	sameKeys(t, trust, dest)
	// The modes are in the headers, not only on disk.
	list, err := exec.Command("tar", "-tvzf", arch).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		if !strings.HasPrefix(line, "-rw------- ") && !strings.HasPrefix(line, "drwx------ ") {
			t.Errorf("tar -tv: %s", line)
		}
	}
	dest2 := filepath.Join(t.TempDir(), "trust")
	if out, err := exec.Command(tv, "--trust-dir", dest2, "restore", arch).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	sameKeys(t, trust, dest2)
}

// TestBackupEncryptedWithAgeCLI: the age CLI decrypts an encrypted archive
// with the passphrase (typed on a terminal: age reads only from one) and
// GNU tar extracts it; trustvault restore does the same.
func TestBackupEncryptedWithAgeCLI(t *testing.T) {
	age := tools.Find(t, "age", "Debian package age; .ci/setup test installs it")
	tools.Find(t, "script", "Debian package bsdutils")
	tv := tools.Trustvault(t)
	const pass = "leaf-orbit-candle-mosaic-thunder-velvet-harbor"
	trust, arch := backupFixture(t, tv, envArchivePassphrase+"="+pass, envScryptWorkFactor+"=12")
	if !strings.HasSuffix(arch, ".tar.gz.age") {
		t.Fatalf("archive %s", arch)
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "backup.tar.gz")
	// script gives age a terminal; the passphrase is typed into it.
	cmd := exec.Command("script", "-qec", age+" -d -o "+plain+" "+arch, "/dev/null")
	cmd.Stdin = &slowReader{data: []byte(pass + "\n"), delay: 300 * time.Millisecond}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("age -d: %v\n%s", err, out)
	}
	dest := filepath.Join(dir, "trust")
	os.MkdirAll(dest, 0o700)
	if out, err := exec.Command("tar", "-xzf", plain, "-C", dest).CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf: %v\n%s", err, out)
	}
	sameKeys(t, trust, dest)

	dest2 := filepath.Join(dir, "trust2")
	restore := exec.Command(tv, "--trust-dir", dest2, "restore", arch)
	restore.Env = passphraseFreeEnv(envArchivePassphrase + "=" + pass)
	if out, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	sameKeys(t, trust, dest2)
}

// slowReader waits before giving its data, so that the program behind
// the terminal has asked for it.
type slowReader struct {
	data  []byte
	delay time.Duration
	done  bool
}

func (r *slowReader) Read(p []byte) (int, error) {
	if r.done {
		time.Sleep(2 * time.Second) // keep the terminal open until age is done
		return 0, io.EOF
	}
	time.Sleep(r.delay)
	r.done = true
	return copy(p, r.data), nil
}

// TestBackupLoopDrives: backup, verify, drill and restore on two real
// loop-mounted ext4 filesystems (skipped, saying why, without root).
func TestBackupLoopDrives(t *testing.T) {
	a := drivetest.NewLoopDrive(t, drivetest.LoopOptions{})
	b := drivetest.NewLoopDrive(t, drivetest.LoopOptions{})
	base := t.TempDir()
	trust := filepath.Join(base, "trust")
	vaulttest.LiveDemo(t, trust)
	if _, err := drivetest.FakeMachine(filepath.Join(base, "sysroot"), a.Mount, b.Mount); err != nil {
		t.Fatal(err)
	}
	env := []string{envSysroot + "=" + filepath.Join(base, "sysroot")}
	tv := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(append([]string{"--trust-dir", trust}, args...), strings.NewReader(""), &out, &errOut, env); code != 0 {
			t.Fatalf("trustvault %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String()
	}
	out := tv("backup", "--to", a.Mount, "--to", b.Mount)
	if !strings.Contains(out, "2 of 2 copies verified") {
		t.Fatal(out)
	}
	drivetest.DropCaches()
	entries, _ := os.ReadDir(b.Mount)
	var arch string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tar.gz") {
			arch = filepath.Join(b.Mount, e.Name())
		}
	}
	tv("verify", arch)
	tv("drill", arch)
	trust2 := filepath.Join(base, "restored")
	var o, e bytes.Buffer
	if code := run([]string{"--trust-dir", trust2, "restore", arch}, strings.NewReader(""), &o, &e, env); code != 0 {
		t.Fatalf("restore: %s%s", o.String(), e.String())
	}
	sameKeys(t, trust, trust2)
}
