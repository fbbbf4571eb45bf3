package ui

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	mathrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/hardware"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// fakeTokens is a YubiKey 4 from the factory and a set-up YubiKey 5 that
// holds the demo vault's first root key in slot 9c.
func fakeTokens(t testing.TB, info *demo.Info, s *vault.Store) []token.Info {
	t.Helper()
	pk, err := s.Unlock(info.RootKeys[0], func(vault.PassphraseRequest) ([]byte, error) { return []byte(demo.Passphrase), nil })
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := tuf.NewRootCertificate(pk.Signer, "root", vaulttest.Now(), mathrand.NewChaCha8([32]byte{'y', 'k'}))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	cert, _ := x509.ParseCertificate(block.Bytes)
	yk4 := token.Info{
		Reader: "Yubico YubiKey OTP+FIDO+CCID 00 00", Serial: 10000001, Version: hardware.Version{Major: 4, Minor: 3, Patch: 7}, Model: "YubiKey 4",
		PIN: token.Credential{State: token.StateUnknown, Source: "a YubiKey 4 cannot say without a try", Retries: 3, Total: -1},
		PUK: token.Credential{State: token.StateUnknown, Source: "a YubiKey 4 cannot say without a try", Retries: -1, Total: -1},
		ManagementKey: hardware.ManagementKeyInfo{State: token.StateFactory, Algorithm: "3DES",
			Source: "the token accepted the factory key in a challenge (which costs no retry)"},
	}
	yk5 := token.Info{
		Reader: "Yubico YubiKey OTP+FIDO+CCID 00 01", Serial: 20000002, Version: hardware.Version{Major: 5, Minor: 4, Patch: 3}, Model: "YubiKey 5",
		PIN: token.Credential{State: token.StateChanged, Source: "the token says so (GET METADATA)", Retries: 3, Total: 3},
		PUK: token.Credential{State: token.StateChanged, Source: "the token says so (GET METADATA)", Retries: 3, Total: 3},
		ManagementKey: hardware.ManagementKeyInfo{State: token.StateChanged, Algorithm: "AES-192", Stored: true,
			Source: "the token says so (GET METADATA)"},
		Slots: []token.Slot{{Slot: hardware.SlotSignature, Origin: hardware.OriginImported, Algorithm: "ECCP256",
			PINPolicy: hardware.PINPolicyOnce, TouchPolicy: hardware.TouchPolicyAlways, Public: cert.PublicKey, Certificate: cert}},
	}
	return []token.Info{yk4, yk5}
}

// lister returns a TokenLister that answers with infos (or err).
func lister(infos []token.Info, err error) TokenLister {
	return func() ([]token.Info, []token.Key, error) {
		if err != nil {
			return nil, nil, err
		}
		return infos, token.KeysOf(infos), nil
	}
}

// TestHardwareGolden renders the Yubikeys page, its forms and a root key
// that is on a token, from the demo vault with two fake tokens.
func TestHardwareGolden(t *testing.T) {
	info, s := sharedDemo(t)
	tokens := fakeTokens(t, info, s)
	root := info.RootKeys[0]
	withTokens := relocatedWith(t, s, lister(tokens, nil))
	noPCSCD := fmt.Errorf("list tokens: connect to the smart card service: %w (pcsc 0x8010001d)", token.ErrNoService)
	cases := []struct {
		name  string
		snap  *snapshot
		setup func(m *Model)
	}{
		{"yubikeys", withTokens, func(m *Model) { press(m, "Y") }},
		{"yubikeys-none", relocatedWith(t, s, lister(nil, nil)), func(m *Model) { press(m, "Y") }},
		{"yubikeys-no-pcscd", relocatedWith(t, s, lister(nil, noPCSCD)), func(m *Model) { press(m, "Y") }},
		{"setup-form", withTokens, func(m *Model) { press(m, "Y", "s") }},
		{"generate-form", withTokens, func(m *Model) { press(m, "Y", "j", "g") }},
		{"key-root-on-token", withTokens, func(m *Model) {
			deliver(m, keySelectedMsg{ref: keyRef{id: root, location: vault.LocationFile}})
		}},
		{"repository-root-on-token", withTokens, func(m *Model) { press(m, "enter") }},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, tc := range cases {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(t, s, tc.snap, size[0], size[1])
				tc.setup(m)
				golden(t, name, screen(m))
			})
		}
	}
}

func TestHardwarePage(t *testing.T) {
	info, s := sharedDemo(t)
	tokens := fakeTokens(t, info, s)
	snap := relocatedWith(t, s, lister(tokens, nil))
	m := newTestModel(t, s, snap, 160, 40)
	if out := screen(m); !strings.Contains(out, "2 Yubikeys") {
		t.Errorf("the header does not name the tokens:\n%s", out)
	}
	// The token wins on the key page; the file is the backup.
	deliver(m, keySelectedMsg{ref: keyRef{id: info.RootKeys[0], location: vault.LocationFile}})
	if out := screen(m); !strings.Contains(out, "on Yubikey 20000002, slot 9c: the token is used for it; the key file here is its backup") {
		t.Errorf("key page of a root key on a token:\n%s", out)
	}
	if kp := m.active().(*keyPage); kp.keys.Yubikey.Enabled() {
		t.Error("a root key already on a token is offered to move")
	}
	press(m, "esc", "Y")
	hp, ok := m.active().(*hardwarePage)
	if !ok {
		t.Fatalf("Y opened %T", m.active())
	}
	if !hp.keys.Setup.Enabled() || hp.keys.Generate.Enabled() || hp.keys.Unblock.Enabled() {
		t.Error("a factory token: set up only")
	}
	press(m, "j")
	if !hp.keys.Generate.Enabled() {
		t.Error("a set-up token: generate a root key")
	}
	// A form takes every key; esc cancels it and forgets what was typed.
	press(m, "g", "1", "2", "3")
	if !hp.Capturing() || hp.flow.form.fields[0].input.Value() != "123" {
		t.Fatalf("generate form: %+v", hp.flow)
	}
	fields := hp.flow.form.fields
	press(m, "esc")
	if hp.flow != nil || fields[0].input.Value() != "" {
		t.Error("esc left the form or its PIN")
	}
	// While the token waits for a touch the page says so.
	press(m, "g")
	hp.flow.form.busy, hp.flow.touch = true, newTouchSignal()
	m.Update(touchRequestedMsg{sig: newTouchSignal()}) // another operation's: ignored
	if hp.flow.touching {
		t.Error("a stale touch request was taken")
	}
	hp.flow.touch.notify()
	for _, msg := range run(waitTouchCmd(hp.flow.touch)) {
		m.Update(msg) // not deliver: the next wait blocks, as the real one does
	}
	if out := screen(m); !strings.Contains(out, "Touch the Yubikey when it blinks.") {
		t.Errorf("no touch prompt:\n%s", out)
	}
	// New secrets are shown only after v, and zeroed when the flow closes.
	pin := []byte("12345678")
	m.Update(tokenUnblockedMsg{pin: pin})
	out := screen(m)
	if strings.Contains(out, "12345678") || !strings.Contains(out, "••••••••") {
		t.Errorf("the new PIN shows before v:\n%s", out)
	}
	press(m, "v")
	if out := screen(m); !strings.Contains(out, "12345678") {
		t.Errorf("v did not reveal the PIN:\n%s", out)
	}
	press(m, "enter")
	if hp.flow != nil || !bytes.Equal(pin, make([]byte, 8)) {
		t.Errorf("closing the flow left the PIN: %q", pin)
	}
}

// A blocked PIN: the page offers the unblock and nothing else.
func TestHardwarePageBlockedPIN(t *testing.T) {
	info, s := sharedDemo(t)
	tokens := fakeTokens(t, info, s)
	tokens[1].PIN.Retries = 0
	m := newTestModel(t, s, relocatedWith(t, s, lister(tokens, nil)), 120, 40)
	press(m, "Y", "j")
	hp := m.active().(*hardwarePage)
	if hp.keys.Setup.Enabled() || hp.keys.Generate.Enabled() || !hp.keys.Unblock.Enabled() {
		t.Error("a blocked PIN: unblock only")
	}
	if out := screen(m); !strings.Contains(out, "blocked: press u to unblock it with the PUK") {
		t.Errorf("blocked PIN not shown:\n%s", out)
	}
}
