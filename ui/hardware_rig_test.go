//go:build cgo && linux

package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// The flows through the real token path: set a factory YubiKey 4 up, give
// it a wrong PIN, generate a root key on it, and move a root key file
// onto it from the key page.
func TestHardwareFlowsThroughRig(t *testing.T) {
	// flat is the screen with its line breaks and padding folded, so that
	// a check does not depend on where a sentence wraps.
	flat := func(m *Model) string { return strings.Join(strings.Fields(screen(m)), " ") }
	rig := pivtest.Start(t)
	card := pivtest.NewYubiKey4(30000003)
	var touches atomic.Int32
	card.SetTouch(func(byte) bool { touches.Add(1); return true })
	rig.Insert(t, 0, card)
	info, s := vaulttest.Demo(t)
	m := newModel(context.Background(), Options{Store: s, Now: vaulttest.Now, Tokens: token.List})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	start(m)
	press(m, "Y")
	if out := screen(m); !strings.Contains(out, "Yubikey 30000003 · YubiKey 4 · firmware 4.3.7") || !strings.Contains(out, "factory default · 3DES") {
		t.Fatalf("Yubikeys page:\n%s", out)
	}
	if head := strings.SplitN(screen(m), "\n", 2)[0]; !strings.Contains(head, "Yubikey 30000003") && !strings.Contains(head, "YK 30000003") {
		t.Errorf("the header does not name the token:\n%s", head)
	}

	// Set up: the person types the factory PIN and PUK.
	press(m, "s")
	typeText(m, "123456")
	press(m, "enter")
	typeText(m, "12345678")
	press(m, "enter")
	out := screen(m)
	if !strings.Contains(out, "Yubikey 30000003 is set up") || strings.Contains(out, string(card.PIN())) {
		t.Fatalf("after set-up (the PIN must stay hidden):\n%s", out)
	}
	press(m, "v")
	if out := screen(m); !strings.Contains(out, string(card.PIN())) || !strings.Contains(out, string(card.PUK())) {
		t.Fatalf("v shows the new PIN and PUK:\n%s", out)
	}
	press(m, "enter")
	if out := flat(m); !strings.Contains(out, "Set up yes") {
		t.Fatalf("the page does not show the token set up:\n%s", out)
	}
	if n := card.FactoryPINVerifies(); n != 1 {
		t.Errorf("%d VERIFY commands with the factory PIN, want 1 (typed)", n)
	}
	pin := string(card.PIN())

	// A wrong PIN: the form says how many tries are left.
	press(m, "g")
	typeText(m, "00000000")
	press(m, "enter")
	if out := flat(m); !strings.Contains(out, "wrong PIN: 2 tries left before it is blocked; check the PIN and try again") {
		t.Fatalf("wrong PIN:\n%s", out)
	}
	typeText(m, pin)
	press(m, "enter")
	if out := flat(m); !strings.Contains(out, "is on Yubikey 30000003, slot 9c") || !strings.Contains(out, "no backup") {
		t.Fatalf("generated:\n%s", out)
	}
	if touches.Load() == 0 {
		t.Error("the token was never asked for a touch")
	}
	press(m, "enter", "esc")

	// Move a root key file onto the token from its key page.
	root := info.RootKeys[1]
	deliver(m, keySelectedMsg{ref: keyRef{id: root, location: vault.LocationFile}})
	press(m, "y")
	if _, ok := m.active().(*hardwarePage); !ok {
		t.Fatalf("y opened %T:\n%s", m.active(), screen(m))
	}
	typeText(m, demo.Passphrase)
	press(m, "enter")
	typeText(m, pin)
	press(m, "enter")
	if out := flat(m); !strings.Contains(out, "is on Yubikey 30000003, slot 9e") || !strings.Contains(out, "stays as its backup") {
		t.Fatalf("moved:\n%s", out)
	}
	press(m, "enter")
	kp, ok := m.active().(*keyPage)
	if !ok {
		t.Fatalf("back on %T", m.active())
	}
	// The token is the key's location only when it shows the key itself
	// beside its certificate (vault.UnprovenTokenKey); otherwise the file
	// stays the location and the certificate is noted, as the engine says.
	switch out := flat(m); {
	case kp.onToken == nil:
		t.Fatalf("the key page does not know the token holds the key:\n%s", out)
	case kp.onToken.Proven && (kp.ref.location != vault.LocationToken ||
		!strings.Contains(out, "on Yubikey 30000003, slot 9e: the token is used for it; the key file here is its backup")):
		t.Errorf("a key the token shows is not located on it:\n%s", out)
	case !kp.onToken.Proven && (kp.ref.location != vault.LocationFile ||
		!strings.Contains(out, "Certificate on Yubikey 30000003, slot 9e, but the token does not show the key itself")):
		t.Errorf("a certificate alone wins over the key file, or is not said:\n%s", out)
	}
}
