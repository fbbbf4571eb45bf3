package health

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// TestEd25519KeysDockerCannotUse: an Ed25519 signer key in the store is a
// problem with a way out; an Ed25519 snapshot key is not.
func TestEd25519KeysDockerCannotUse(t *testing.T) {
	s := vaulttest.NewStore(t)
	write := func(role string, seed byte) string {
		priv := ed25519.NewKeyFromSeed(append(make([]byte, 31), seed))
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		id, err := tuf.CanonicalID(priv.Public())
		if err != nil {
			t.Fatal(err)
		}
		block := &pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"role": role}, Bytes: der}
		vaulttest.WriteFile(t, filepath.Join(s.PrivateDir(), id+".key"), pem.EncodeToMemory(block))
		return id
	}
	alice := write("alice", 1)
	snap := write("snapshot", 2)
	fs := Check(s, time.Now(), "")
	var got []Finding
	for _, f := range fs {
		if f.Check == CheckAlgorithm {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].KeyID != alice || got[0].Severity != SeverityProblem ||
		!strings.Contains(got[0].Message, "unknown public key format") || !strings.Contains(got[0].Fix, "generate --role alice") {
		t.Fatalf("algorithm findings = %+v, want one problem for %s (not for the snapshot key %s)", got, vault.ShortID(alice), vault.ShortID(snap))
	}
}
