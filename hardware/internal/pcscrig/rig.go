// Package pcscrig starts and stops a private pcscd with the vsmartcard
// vpcd reader driver, for tests (see PIV-RIG.md §3).
//
// pcscd's socket and PID file paths are compiled in (/run/pcscd), so a
// second pcscd cannot run beside the system's, and a test must never reach
// the system's pcscd, where a real token may be plugged in. The rig
// therefore runs pcscd in a mount namespace of its own, with the rig's
// directory bound over /run/pcscd: the socket appears in the rig's
// directory, and clients reach it by setting PCSCLITE_CSOCK_NAME, which
// libpcsclite reads on its first call. Several rigs (one per test process)
// run at the same time, each with its own vpcd ports. This needs root (or
// CAP_SYS_ADMIN), as starting pcscd does anyway.
package pcscrig

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ReaderName is the rig's reader name: the name of a YubiKey's CCID
// interface, which yubico-piv-tool, ykman and piv-go's tests look for. The
// two slots of vpcd appear as "<ReaderName> 00 00" and "... 00 01".
const ReaderName = "Yubico YubiKey OTP+FIDO+CCID"

// Paths of the Debian packages the rig needs (pcscd, vsmartcard-vpcd).
var (
	pcscdPaths = []string{"/usr/sbin/pcscd", "/usr/bin/pcscd"}
	driverPath = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
)

// SocketEnv is the variable that points libpcsclite at a socket.
const SocketEnv = "PCSCLITE_CSOCK_NAME"

// Packages lists the Debian packages the rig and its tests use.
var Packages = []string{"pcscd", "libpcsclite-dev", "vsmartcard-vpcd", "yubico-piv-tool"}

// Rig is a running pcscd with two vpcd slots.
type Rig struct {
	// Dir holds the reader configuration, the socket and the log.
	Dir string
	// Socket is pcscd's socket; set SocketEnv to it.
	Socket string
	// Port is vpcd's port for slot 0; slot 1 is Port+1. The card side
	// dials 127.0.0.1:Port.
	Port int
	// Log is pcscd's output (with --apdu, every APDU).
	Log string

	cmd  *exec.Cmd
	done chan error
}

// Check says why the rig cannot run on this machine, or nil.
func Check() error {
	if _, err := pcscdPath(); err != nil {
		return err
	}
	if _, err := os.Stat(driverPath); err != nil {
		return fmt.Errorf("no vpcd reader driver at %s: install the Debian package vsmartcard-vpcd (.ci/setup test does)", driverPath)
	}
	if os.Geteuid() != 0 {
		return errors.New("the PIV rig runs its own pcscd in a private mount namespace, which needs root")
	}
	return nil
}

func pcscdPath() (string, error) {
	for _, p := range pcscdPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("pcscd"); err == nil {
		return p, nil
	}
	return "", errors.New("no pcscd: install the Debian package pcscd (.ci/setup test does)")
}

// Start starts pcscd in dir (which must exist and should be empty) and
// waits for its socket.
func Start(dir string) (*Rig, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	pcscd, _ := pcscdPath()
	port, err := freePortPair()
	if err != nil {
		return nil, fmt.Errorf("pcscrig: %w", err)
	}
	r := &Rig{Dir: dir, Port: port, Log: filepath.Join(dir, "pcscd.log"), done: make(chan error, 1)}
	runDir := filepath.Join(dir, "run")
	confDir := filepath.Join(dir, "reader.conf.d")
	r.Socket = filepath.Join(runDir, "pcscd.comm")
	for _, d := range []string{runDir, confDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("pcscrig: %w", err)
		}
	}
	conf := fmt.Sprintf("FRIENDLYNAME \"%s\"\nDEVICENAME   /dev/null:%d\nLIBPATH      %s\nCHANNELID    %d\n",
		ReaderName, port, driverPath, port)
	if err := os.WriteFile(filepath.Join(confDir, "vpcd"), []byte(conf), 0o644); err != nil {
		return nil, fmt.Errorf("pcscrig: %w", err)
	}
	logFile, err := os.Create(r.Log)
	if err != nil {
		return nil, fmt.Errorf("pcscrig: %w", err)
	}
	defer logFile.Close()
	// In the new mount namespace: keep mounts from propagating back, bind
	// the rig's run directory over /run/pcscd, and become pcscd.
	script := `mount --make-rprivate / && mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && exec "$2" --foreground --apdu --debug -c "$3"`
	r.cmd = exec.Command("/bin/sh", "-c", script, "sh", runDir, pcscd, confDir)
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Cloneflags: syscall.CLONE_NEWNS}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pcscrig: start pcscd: %w", err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(r.Socket); err == nil {
			return r, nil
		}
		select {
		case err := <-r.done:
			r.done <- err
			log, _ := os.ReadFile(r.Log)
			return nil, fmt.Errorf("pcscrig: pcscd exited at start (%v): %s", err, tail(log))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, errors.New("pcscrig: pcscd did not create its socket within 10 s")
		}
	}
}

// Addr is the address the card for slot (0 or 1) dials.
func (r *Rig) Addr(slot int) string { return "127.0.0.1:" + strconv.Itoa(r.Port+slot) }

// Reader is the PC/SC reader name of slot (0 or 1).
func (r *Rig) Reader(slot int) string { return fmt.Sprintf("%s 00 %02d", ReaderName, slot) }

// Stop ends pcscd with SIGTERM (it then removes its socket and PID file),
// and with SIGKILL if it has not ended within 5 s.
func (r *Rig) Stop() error {
	if r.cmd == nil || r.cmd.Process == nil {
		return nil
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.done:
		r.done <- err
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		err := <-r.done
		r.done <- err
	}
	return nil
}

// freePortPair finds a port p such that p and p+1 are both free.
func freePortPair() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "0.0.0.0:"+strconv.Itoa(p+1))
		l.Close()
		if err != nil {
			continue
		}
		l2.Close()
		return p, nil
	}
	return 0, errors.New("no two adjacent free TCP ports")
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
