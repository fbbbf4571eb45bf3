//go:build cgo && linux

package token_test

// The advice health gives for token errors, on the emulated card: in an
// external test package, because health imports token.

import (
	"errors"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/token"
)

func setUp(t *testing.T, serial uint32) token.SetupResult {
	t.Helper()
	res, err := token.SetUp(serial, token.Setup{PIN: []byte("123456"), PUK: []byte("12345678")})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestTokenErrorsSayWhatToDo(t *testing.T) {
	rig := pivtest.Start(t)
	card := pivtest.NewYubiKey4(14000004)
	rig.Insert(t, 0, card)
	// Not set up: no root key on a token with the factory management key.
	_, err := token.GenerateRoot(token.RootOptions{Serial: 14000004, PIN: []byte("123456")})
	if !errors.Is(err, token.ErrNotSetUp) || !strings.Contains(health.Advice(err), "trustvault yubikey setup") {
		t.Errorf("factory token: %v / %s", err, health.Advice(err))
	}
	pin := setUp(t, 14000004).NewPIN
	_, err = token.GenerateRoot(token.RootOptions{Serial: 14000004, PIN: []byte("00000000")})
	var ae *token.AuthError
	if !errors.As(err, &ae) || ae.Retries != 2 || !strings.Contains(err.Error(), "wrong PIN: 2 tries left") || health.Advice(err) != "check the PIN and try again" {
		t.Errorf("wrong PIN: %v / %s", err, health.Advice(err))
	}
	card.SetTouch(func(byte) bool { return false })
	_, err = token.GenerateRoot(token.RootOptions{Serial: 14000004, PIN: pin})
	if !errors.Is(err, token.ErrTouchTimeout) || !strings.Contains(health.Advice(err), "touch the Yubikey when it blinks") {
		t.Errorf("no touch: %v / %s", err, health.Advice(err))
	}
	_, err = token.GenerateRoot(token.RootOptions{Serial: 99})
	if !errors.Is(err, token.ErrNotFound) {
		t.Errorf("absent token: %v", err)
	}
}
