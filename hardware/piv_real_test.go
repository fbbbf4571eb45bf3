//go:build cgo && (linux || darwin)

package hardware_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/trustvault/trustvault/hardware"
	"github.com/trustvault/trustvault/hardware/pivtest"
)

// TestRealYubiKey runs the token path against a real YubiKey through the
// system's pcscd. It ERASES the token's PIV application (keys,
// certificates, PIN, PUK, management key) before and after, so it runs only
// with TRUSTVAULT_REAL_YUBIKEY=wipe-ok; with several tokens plugged in,
// TRUSTVAULT_REAL_YUBIKEY_SERIAL picks one. Touch the key when it blinks
// (each signature waits about 15 seconds for it).
//
//	TRUSTVAULT_REAL_YUBIKEY=wipe-ok go test -count=1 -v -run TestRealYubiKey ./hardware/
func TestRealYubiKey(t *testing.T) {
	if os.Getenv(pivtest.RealEnv) != "wipe-ok" {
		t.Skipf("set %s=wipe-ok to run against a real YubiKey (its PIV application is reset: its keys are erased)", pivtest.RealEnv)
	}
	info := realToken(t)
	wipe(t, info.Reader)
	t.Cleanup(func() { wipe(t, info.Reader) })

	tokens, err := hardware.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range tokens {
		if ti.Serial != info.Serial {
			continue
		}
		t.Logf("%s: %s %s, PIN %v (%s), management key %v (%s)", ti.Name(), ti.Model, ti.Version, ti.PIN.State, ti.PIN.Source, ti.ManagementKey.State, ti.ManagementKey.Source)
		if ti.PIN.Retries != 3 || ti.ManagementKey.State != hardware.StateFactory {
			t.Errorf("after a reset: %+v", ti)
		}
		if ti.Version.AtLeast(5, 3, 0) && (ti.PIN.State != hardware.StateFactory || ti.PUK.Retries != 3) {
			t.Errorf("after a reset, GET METADATA: PIN %+v PUK %+v", ti.PIN, ti.PUK)
		}
	}

	tok, err := hardware.Open(info.Serial)
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	pin, puk := []byte("24681357"), []byte("97531864")
	if err := tok.Setup(hardware.SetupRequest{PIN: []byte(piv.DefaultPIN), PUK: []byte(piv.DefaultPUK), NewPIN: pin, NewPUK: puk}); err != nil {
		t.Fatal(err)
	}
	after, err := tok.Info()
	if err != nil || !after.SetUp() {
		t.Fatalf("after set-up: %+v, %v", after, err)
	}

	var ae *hardware.AuthError
	if err := tok.VerifyPIN([]byte("11111111")); !errors.As(err, &ae) || ae.Retries != 2 {
		t.Errorf("wrong PIN: %v", err)
	}
	if err := tok.VerifyPIN(pin); err != nil {
		t.Fatal(err)
	}

	t.Log("generating a key in 9c; touch the YubiKey when it blinks")
	pub, err := tok.GenerateKey(pin, hardware.SlotSignature, hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyCached}, false)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(slot hardware.Slot, pub crypto.PublicKey) {
		t.Helper()
		s, err := tok.Signer(slot, hardware.SignerOptions{
			PIN:   func() ([]byte, error) { return bytes.Clone(pin), nil },
			Touch: func() { t.Logf("touch the YubiKey now (slot %s)", slot) },
		})
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256([]byte("trustvault real token test"))
		sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), digest[:], sig) {
			t.Errorf("slot %s: the signature does not verify", slot)
		}
	}
	sign(hardware.SlotSignature, pub)

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := tok.ImportKey(pin, hardware.SlotCardAuthentication, key, hardware.KeyPolicy{PIN: hardware.PINPolicyOnce, Touch: hardware.TouchPolicyCached}, false); err != nil {
		t.Fatal(err)
	}
	sign(hardware.SlotCardAuthentication, &key.PublicKey)

	for range 3 {
		_ = tok.VerifyPIN([]byte("11111111"))
	}
	if err := tok.VerifyPIN(pin); !errors.As(err, &ae) || !ae.Blocked() {
		t.Errorf("blocked PIN: %v", err)
	}
	if err := tok.UnblockPIN(puk, pin); err != nil {
		t.Fatal(err)
	}
	if err := tok.VerifyPIN(pin); err != nil {
		t.Errorf("after unblock: %v", err)
	}
}

// realToken picks the token to wipe.
func realToken(t *testing.T) hardware.TokenInfo {
	t.Helper()
	tokens, err := hardware.Tokens()
	if err != nil {
		t.Fatal(err)
	}
	want := os.Getenv("TRUSTVAULT_REAL_YUBIKEY_SERIAL")
	var found []hardware.TokenInfo
	for _, ti := range tokens {
		if ti.Err == nil && (want == "" || strconv.FormatUint(uint64(ti.Serial), 10) == want) {
			found = append(found, ti)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d YubiKeys match (plugged in: %+v); set TRUSTVAULT_REAL_YUBIKEY_SERIAL", len(found), tokens)
	}
	return found[0]
}

// wipe resets the PIV application with piv-go (blocking PIN and PUK
// first, as a reset requires).
func wipe(t *testing.T, reader string) {
	t.Helper()
	yk, err := piv.Open(reader)
	if err != nil {
		t.Fatalf("open %s to reset it: %v", reader, err)
	}
	defer yk.Close()
	if err := yk.Reset(); err != nil {
		t.Fatalf("reset %s: %v", reader, err)
	}
}
