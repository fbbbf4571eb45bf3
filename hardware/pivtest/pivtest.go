//go:build cgo

// Package pivtest gives tests an emulated YubiKey behind the real pcscd:
// a private pcscd with the vsmartcard vpcd reader driver
// (hardware/internal/pcscrig) and the project's PIV card emulator
// (hardware/internal/pivemu), so that the code under test goes through
// piv-go, libpcsclite and pcscd exactly as with a real token.
//
// Use it from tests only. A package whose tests use it runs them through
// Main, which starts the rig before any test (libpcsclite reads the socket
// variable once) and stops it afterwards:
//
//	func TestMain(m *testing.M) { pivtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		rig := pivtest.Start(t) // skips (or fails) when the rig cannot run
//		card := pivtest.NewYubiKey4(10000001)
//		rig.Insert(t, 0, card)
//		...
//	}
//
// Without the Debian packages or root, Start skips the test with the
// reason, or fails it when TRUSTVAULT_REQUIRE_INTEROP=1. With
// TRUSTVAULT_REAL_YUBIKEY set, no rig is started, Start skips, and the
// process talks to the system's pcscd (for the real-token tests).
//
// The rig has two slots (0 and 1); tests against one card must not run in
// parallel, because piv-go holds a card exclusively.
package pivtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware/internal/pcscrig"
	"github.com/trustvault/trustvault/hardware/internal/pivemu"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// Environment variables.
const (
	// RequireEnv set (to anything but 0) turns a skip for a missing rig
	// into a failure.
	RequireEnv = tools.RequireEnv
	// RealEnv set to "wipe-ok" allows tests that change a real YubiKey.
	RealEnv = "TRUSTVAULT_REAL_YUBIKEY"
)

// Types of the emulator, for tests outside hardware/.
type (
	Card    = pivemu.Card
	Options = pivemu.Options
	Reader  = pivemu.Reader
	Command = pivemu.Command
)

// Factory values of the emulated card.
var (
	FactoryPIN           = pivemu.FactoryPIN
	FactoryPUK           = pivemu.FactoryPUK
	FactoryManagementKey = pivemu.FactoryManagementKey
)

// NewCard makes a card in factory state.
func NewCard(o Options) *Card { return pivemu.New(o) }

// NewYubiKey4 is a YubiKey 4 with firmware 4.3.7.
func NewYubiKey4(serial uint32) *Card { return pivemu.NewYubiKey4(serial) }

// NewYubiKey5 is a YubiKey 5 with firmware 5.4.3.
func NewYubiKey5(serial uint32) *Card { return pivemu.NewYubiKey5(serial) }

// Rig is the running pcscd and its two readers.
type Rig struct {
	pcscd   *pcscrig.Rig
	readers [2]*pivemu.Reader
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex // one test at a time per rig
}

var (
	startOnce sync.Once
	shared    *Rig
	startErr  error
	tmpDir    string
)

// Main starts the rig (when it can run), runs the tests and stops it.
func Main(m *testing.M) {
	startOnce.Do(start)
	code := m.Run()
	Stop()
	os.Exit(code)
}

// M wraps m for a TestMain that hands it to another runner, such as
// testscript.Main: Run starts the rig, runs the tests and stops the rig.
func M(m *testing.M) interface{ Run() int } { return runner{m} }

type runner struct{ m *testing.M }

func (r runner) Run() int {
	startOnce.Do(start)
	defer Stop()
	return r.m.Run()
}

// Available reports whether the rig runs, and why not.
func Available() error {
	startOnce.Do(start)
	return startErr
}

func start() {
	if os.Getenv(RealEnv) != "" {
		startErr = fmt.Errorf("%s is set: the tests use the system's pcscd and a real token", RealEnv)
		return
	}
	dir, err := os.MkdirTemp("", "trustvault-pivrig-")
	if err != nil {
		startErr = err
		return
	}
	tmpDir = dir
	// Whatever happens, this process never talks to the system's pcscd,
	// where a real token may be plugged in.
	os.Setenv(pcscrig.SocketEnv, dir+"/run/pcscd.comm")
	p, err := pcscrig.Start(dir)
	if err != nil {
		startErr = err
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Rig{pcscd: p, cancel: cancel}
	for i := range r.readers {
		r.readers[i] = &pivemu.Reader{}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			_ = pivemu.ServeVPCD(ctx, p.Addr(i), r.readers[i])
		}()
	}
	shared = r
}

// Stop stops the rig started by Main or Start.
func Stop() {
	if shared != nil {
		shared.cancel()
		shared.wg.Wait()
		shared.pcscd.Stop()
		shared = nil
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
		tmpDir = ""
	}
}

// Start returns the rig, empty, for one test, and empties it again when
// the test ends. It skips the test when the rig cannot run (fails it with
// TRUSTVAULT_REQUIRE_INTEROP=1).
func Start(t testing.TB) *Rig {
	t.Helper()
	startOnce.Do(start)
	if startErr != nil {
		if tools.Required() && os.Getenv(RealEnv) == "" {
			t.Fatalf("PIV test rig: %v (%s=1 makes this a failure; run .ci/setup test as root)", startErr, RequireEnv)
		}
		t.Skipf("PIV test rig unavailable: %v (install with .ci/setup test, as root)", startErr)
	}
	r := shared
	r.mu.Lock()
	t.Cleanup(func() {
		for i := range r.readers {
			if r.readers[i].Card() == nil {
				continue
			}
			if err := connectExclusive(r.ReaderName(i)); err != nil {
				t.Errorf("pivtest: the card in %s is still held at the end of the test (a handle was not closed): %v", r.ReaderName(i), err)
			}
		}
		for i := range r.readers {
			r.readers[i].Eject()
		}
		r.waitGone(t)
		r.mu.Unlock()
	})
	return r
}

// ReaderName is the PC/SC reader name of slot 0 or 1.
func (r *Rig) ReaderName(slot int) string { return r.pcscd.Reader(slot) }

// Reader is slot 0 or 1 (for RemoveAfter).
func (r *Rig) Reader(slot int) *Reader { return r.readers[slot] }

// Env is what a child process needs to reach the rig's pcscd.
func (r *Rig) Env() []string { return []string{pcscrig.SocketEnv + "=" + r.pcscd.Socket} }

// Log is pcscd's log (every APDU), for a failing test to show.
func (r *Rig) Log() string {
	b, _ := os.ReadFile(r.pcscd.Log)
	return string(b)
}

// Insert puts card into slot (taking out the card there first) and waits
// until pcscd sees it.
func (r *Rig) Insert(t testing.TB, slot int, card *Card) {
	t.Helper()
	if err := r.Put(slot, card); err != nil {
		t.Fatal(err)
	}
}

// Put is Insert for callers without a testing.TB (testscript commands); a
// nil card leaves the slot empty.
// A card already in the slot is taken out, and pcscd left to notice,
// first: a swap it did not see would surface later as a removed card.
func (r *Rig) Put(slot int, card *Card) error {
	if r.readers[slot].Card() != nil {
		r.readers[slot].Eject()
		if err := r.waitState(slot, false); err != nil {
			return err
		}
	}
	if card == nil {
		return nil
	}
	r.readers[slot].Insert(card)
	return r.waitState(slot, true)
}

// Empty takes the cards out of both slots and waits until pcscd sees them
// empty.
func (r *Rig) Empty() error {
	for i := range r.readers {
		if r.readers[i].Card() == nil {
			continue
		}
		r.readers[i].Eject()
		if err := r.waitState(i, false); err != nil {
			return err
		}
	}
	return nil
}

// waitState waits until pcscd sees slot with a card (present) or empty.
func (r *Rig) waitState(slot int, present bool) error {
	name := r.ReaderName(slot)
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var p, e bool
		p, e, err = readerState(name)
		if err == nil && (present && p || !present && e) {
			return nil
		}
	}
	return fmt.Errorf("pivtest: %s did not become %s within 5 s (%v)\npcscd log:\n%s", name, map[bool]string{true: "present", false: "empty"}[present], err, tailLog(r.Log()))
}

// WaitReady waits until pcscd sees the card in slot.
func (r *Rig) WaitReady(t testing.TB, slot int) {
	t.Helper()
	if err := r.waitState(slot, true); err != nil {
		t.Fatal(err)
	}
}

// Eject pulls the card out of slot.
func (r *Rig) Eject(slot int) { r.readers[slot].Eject() }

// waitGone waits until pcscd sees both slots empty, so that the next test
// starts from an empty rig.
func (r *Rig) waitGone(t testing.TB) {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		busy := false
		for i := range r.readers {
			if _, empty, err := readerState(r.ReaderName(i)); err != nil || !empty {
				busy = true
			}
		}
		if !busy {
			return
		}
	}
	t.Errorf("pivtest: a card was still visible 5 s after the test ended")
}

func tailLog(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	return strings.Join(lines, "\n")
}
