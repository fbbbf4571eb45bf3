//go:build cgo && linux

package token

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

func TestMain(m *testing.M) { pivtest.Main(m) }

var tokenCards = []struct {
	name string
	new  func(uint32) *pivtest.Card
}{
	{"yubikey4", pivtest.NewYubiKey4},
	{"yubikey5", pivtest.NewYubiKey5},
}

// setUpToken sets a factory token up; the person typed the factory PIN and
// PUK.
func setUpToken(t *testing.T, serial uint32) SetupResult {
	t.Helper()
	res, err := SetUp(serial, Setup{PIN: []byte("123456"), PUK: []byte("12345678")})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSetupTokenGeneratesPINAndPUK(t *testing.T) {
	for _, c := range tokenCards {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.new(11000001)
			rig.Insert(t, 0, card)
			res := setUpToken(t, 11000001)
			for what, p := range map[string][]byte{"PIN": res.NewPIN, "PUK": res.NewPUK} {
				if len(p) != 8 || strings.Trim(string(p), "0123456789") != "" {
					t.Errorf("new %s %q: want 8 digits", what, p)
				}
			}
			if !bytes.Equal(card.PIN(), res.NewPIN) || !bytes.Equal(card.PUK(), res.NewPUK) {
				t.Error("the token's PIN and PUK are not the ones returned")
			}
			if !res.Info.SetUp() {
				t.Errorf("not set up: %+v", res.Info)
			}
			if n := card.FactoryPINVerifies(); n != 1 {
				t.Errorf("%d VERIFY commands with the factory PIN, want 1 (the one typed)", n)
			}
		})
	}
}

// A root key generated on the token signs a TUF root.json, and the
// signature verifies with the public key from the certificate in it.
func TestGenerateRootOnTokenSignsRoot(t *testing.T) {
	for _, c := range tokenCards {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.new(12000002)
			rig.Insert(t, 0, card)
			pin := setUpToken(t, 12000002).NewPIN
			var touches atomic.Int32
			tk, err := GenerateRoot(RootOptions{Serial: 12000002, PIN: pin, Touch: func() { touches.Add(1) }})
			if err != nil {
				t.Fatal(err)
			}
			if tk.Role != "root" || tk.Token.String() != "Yubikey 12000002, slot 9c" || !tk.Generated || tk.TouchPolicy != "always" || tk.PINPolicy != "once" {
				t.Errorf("token key: %+v", tk)
			}
			if touches.Load() < 1 {
				t.Error("no touch prompt while the certificate was signed")
			}
			_, tks, err := List()
			if err != nil || len(tks) != 1 || tks[0].ID != tk.ID {
				t.Fatalf("listed: %+v, %v", tks, err)
			}
			s := vaulttest.NewStore(t)
			pinAsked := 0
			ks, err := NewSigner(s, tk.ID, nil, Auth{
				PIN:   func(vault.TokenRef) ([]byte, error) { pinAsked++; return bytes.Clone(pin), nil },
				Touch: func(vault.TokenRef) { touches.Add(1) },
			}, func(vault.PassphraseRequest) ([]byte, error) { t.Fatal("a passphrase was asked for"); return nil, nil })
			if err != nil {
				t.Fatal(err)
			}
			defer ks.Close()
			if ks.Location != vault.LocationToken {
				t.Fatalf("signer location %v", ks.Location)
			}
			gun := "registry.example.com/team/app"
			now := time.Now()
			certPEM, err := tuf.NewRootCertificate(ks, gun, now, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			rootKey, err := tuf.NewCertificateKey(certPEM)
			if err != nil {
				t.Fatal(err)
			}
			if id, err := rootKey.CanonicalID(); err != nil || id != tk.ID {
				t.Errorf("root.json's key is %s (%v), want %s", id, err, tk.ID)
			}
			signed := tuf.RootSigned(map[string]tuf.Key{rootKey.ID(): rootKey},
				map[string]tuf.Role{"root": {KeyIDs: []string{rootKey.ID()}, Threshold: 1}}, now.Add(tuf.DefaultExpiry("root")), 1)
			data, err := tuf.Sign(signed, rand.Reader, tuf.Signer{KeyID: rootKey.ID(), Signer: ks})
			if err != nil {
				t.Fatal(err)
			}
			if err := tuf.Verify(data, rootKey); err != nil {
				t.Errorf("root.json signed on the token does not verify: %v", err)
			}
			if pinAsked == 0 {
				t.Error("the PIN was never asked for")
			}
		})
	}
}

// A root key moved to the token: the file stays as its backup, the token
// wins in listings, in repositories and when signing.
func TestImportRootTokenWins(t *testing.T) {
	for _, c := range tokenCards {
		t.Run(c.name, func(t *testing.T) {
			rig := pivtest.Start(t)
			card := c.new(13000003)
			rig.Insert(t, 0, card)
			pin := setUpToken(t, 13000003).NewPIN
			s := vaulttest.NewStore(t)
			k, err := s.Generate("root", "", vault.AlgorithmECDSA, vaulttest.PassFunc("root passphrase 1234"))
			if err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(k.Path)
			repo := writeTokenRepo(t, s, k.ID, "example.com/app")
			tk, err := ImportRoot(s, k.ID[:7], vaulttest.PassFunc("root passphrase 1234"), RootOptions{Serial: 13000003, PIN: pin, TouchCached: true})
			if err != nil {
				t.Fatal(err)
			}
			if tk.ID != k.ID || tk.Generated || tk.Token.Slot != "9c" {
				t.Errorf("token key %+v", tk)
			}
			if after, _ := os.ReadFile(k.Path); !bytes.Equal(before, after) {
				t.Error("the key file changed; it must stay as the backup")
			}
			_, tks, err := List()
			if err != nil {
				t.Fatal(err)
			}
			keys, err := s.Keys()
			if err != nil {
				t.Fatal(err)
			}
			merged := Locate(keys, tks)
			// A YubiKey 5 shows the imported key in its metadata: the token
			// wins. A YubiKey 4 shows only the certificate: the file stays
			// the key's location, the certificate is noted.
			proven := c.name == "yubikey5"
			if len(tks) != 1 || tks[0].Proven != proven {
				t.Fatalf("token keys: %+v, want proven %v", tks, proven)
			}
			switch {
			case len(merged) != 1 || merged[0].Path != k.Path:
				t.Errorf("merged keys: %+v", merged)
			case proven && (merged[0].Location != vault.LocationToken || merged[0].Token == nil ||
				merged[0].Token.String() != "Yubikey 13000003, slot 9c" || merged[0].TokenCertificate != nil):
				t.Errorf("proven: merged key %+v", merged[0])
			case !proven && (merged[0].Location != vault.LocationFile || merged[0].Token != nil ||
				merged[0].TokenCertificate == nil || merged[0].TokenCertificate.String() != "Yubikey 13000003, slot 9c"):
				t.Errorf("unproven: merged key %+v", merged[0])
			}
			r := vault.ReadRepository(s.Dir(), repo, merged)
			ri, _ := r.Role("root")
			wantLoc := vault.LocationFile
			if proven {
				wantLoc = vault.LocationToken
			}
			if len(ri.Keys) != 1 || ri.Keys[0].Location != wantLoc || proven && (ri.Keys[0].Token == nil || ri.Keys[0].Token.Serial != 13000003) {
				t.Errorf("root role: %+v", ri.Keys)
			}
			ks, err := NewSigner(s, k.ID, tks, Auth{PIN: func(vault.TokenRef) ([]byte, error) { return bytes.Clone(pin), nil }},
				func(vault.PassphraseRequest) ([]byte, error) { t.Fatal("the file was used"); return nil, nil })
			if err != nil {
				t.Fatal(err)
			}
			defer ks.Close()
			if ks.Location != vault.LocationToken || ks.Token.Serial != 13000003 {
				t.Errorf("signer: %+v", ks)
			}
			// Unplugged, the file copy signs.
			ks.Close()
			rig.Eject(0)
			ks2, err := NewSigner(s, k.ID, nil, Auth{}, vaulttest.PassFunc("root passphrase 1234"))
			if err != nil {
				t.Fatal(err)
			}
			if ks2.Location != vault.LocationFile {
				t.Errorf("without the token: %v", ks2.Location)
			}
		})
	}
}

// writeTokenRepo writes a root.json for gun whose root key is the key file
// id, and returns the GUN.
func writeTokenRepo(t *testing.T, s *vault.Store, id, gun string) string {
	t.Helper()
	pk, err := s.Unlock(id, vaulttest.PassFunc("root passphrase 1234"))
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := tuf.NewRootCertificate(pk.Signer, gun, time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rootKey, _ := tuf.NewCertificateKey(certPEM)
	signed := tuf.RootSigned(map[string]tuf.Key{rootKey.ID(): rootKey},
		map[string]tuf.Role{"root": {KeyIDs: []string{rootKey.ID()}, Threshold: 1}}, time.Now().Add(time.Hour), 1)
	data, err := tuf.Sign(signed, rand.Reader, tuf.Signer{KeyID: rootKey.ID(), Signer: pk.Signer})
	if err != nil {
		t.Fatal(err)
	}
	vaulttest.WriteFile(t, filepath.Join(s.Dir(), "tuf", gun, "metadata", "root.json"), data)
	return gun
}
