package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
)

func TestWithTokens(t *testing.T) {
	ref := vault.TokenRef{Serial: 12345678, Slot: "9c"}
	keys := []vault.Key{
		{ID: "aaa", Role: "root", Path: "/t/private/aaa.key", Location: vault.LocationFile},
		{ID: "bbb", Role: "targets", Path: "/t/private/bbb.key", Location: vault.LocationFile},
		{ID: "ddd", Role: "root", Path: "/t/private/ddd.key", Location: vault.LocationFile, Err: errors.New("unreadable")},
	}
	tks := []Key{{ID: "aaa", Role: "root", Token: ref, Proven: true}, {ID: "ccc", Role: "root", Token: vault.TokenRef{Serial: 1, Slot: "9e"}, Proven: true}}
	got := Locate(keys, tks)
	if len(got) != 4 {
		t.Fatalf("%d keys: %+v", len(got), got)
	}
	if got[0].ID != "aaa" || got[0].Location != vault.LocationToken || got[0].Token.String() != "Yubikey 12345678, slot 9c" || got[0].Path == "" {
		t.Errorf("file copy of a token key: %+v", got[0])
	}
	if got[1].Location != vault.LocationFile || got[1].Token != nil {
		t.Errorf("file key: %+v", got[1])
	}
	if got[2].ID != "ccc" || got[2].Path != "" || got[2].Location != vault.LocationToken || got[2].Role != "root" {
		t.Errorf("token-only key: %+v", got[2])
	}
	if keys[0].Location != vault.LocationFile {
		t.Error("WithTokens modified its input")
	}
	if len(Locate(keys, nil)) != 3 {
		t.Error("no tokens changed the keys")
	}
	// A certificate the token does not show a key beside does not win
	// over the file: the file stays the location, the certificate noted.
	unproven := []Key{{ID: "aaa", Role: "root", Token: ref}, {ID: "ccc", Role: "root", Token: vault.TokenRef{Serial: 1, Slot: "9e"}}}
	got = Locate(keys, unproven)
	if got[0].Location != vault.LocationFile || got[0].Token != nil || got[0].TokenCertificate == nil || *got[0].TokenCertificate != ref {
		t.Errorf("file beside an unproven token certificate: %+v", got[0])
	}
	if got[2].ID != "ccc" || got[2].Location != vault.LocationToken || got[2].TokenCertificate == nil {
		t.Errorf("token-only key with only a certificate: %+v", got[2])
	}
}

func TestTokenKeysOf(t *testing.T) {
	cert := func(cn string) *x509.Certificate {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		certPEM, err := tuf.NewRootCertificate(k, cn, time.Now(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode(certPEM)
		c, _ := x509.ParseCertificate(b.Bytes)
		return c
	}
	root, ssh, targets := cert("root"), cert("ssh-user"), cert("targets/releases")
	info := Info{Serial: 7, Version: hardware.Version{Major: 4, Minor: 3, Patch: 7}, Model: "YubiKey 4", Slots: []Slot{
		{Slot: hardware.SlotAuthentication, Certificate: ssh, Public: ssh.PublicKey},
		{Slot: hardware.SlotSignature, Certificate: root, Public: root.PublicKey, Origin: hardware.OriginGenerated},
		{Slot: hardware.SlotKeyManagement, Certificate: targets, Public: targets.PublicKey},
	}}
	tks := KeysOf([]Info{info, {Serial: 8, Err: hardware.ErrInUse}})
	if len(tks) != 2 || tks[0].Role != "root" || tks[0].Token.Slot != "9c" || !tks[0].Generated ||
		tks[1].Role != "targets/releases" || tks[1].Token.Firmware != "4.3.7" {
		t.Errorf("token keys: %+v", tks)
	}
	// Proven: the slot's own public key (attested here) is the
	// certificate's; a certificate alone, or beside another key, is not.
	if !tks[0].Proven || tks[1].Proven {
		t.Errorf("proven: root %v (want true), targets/releases %v (want false)", tks[0].Proven, tks[1].Proven)
	}
	other := cert("root")
	info.Slots[1].Public = other.PublicKey
	if tks := KeysOf([]Info{info}); tks[0].Proven {
		t.Error("a certificate beside another key is proven")
	}
	if id, _ := tuf.CanonicalID(root.PublicKey); tks[0].ID != id {
		t.Error("a token key's ID is the canonical ID of its certificate's key")
	}
}
