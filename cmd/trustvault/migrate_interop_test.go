package main

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// Interoperability of `trustvault migrate cosign` with the real cosign v3
// (TRUSTVAULT_COSIGN, else cosign in .tools/bin or on PATH; .ci/setup
// installs v3.1.3): the built binary exports a DCT key, cosign signs a blob
// with cosign.key and no Rekor upload, the bundle verifies with cosign.pub
// and not for another blob, cosign.pub is the DCT key's public key, and no
// file holds the private key in the clear.

const (
	migTargetsPass = "Targets-pass-1-Kq7Zr2Vm9Tx4Lp"
	migCosignPass  = "Cosign-pass-7Hq2Vx9Lm4Tz"
)

// runMig runs a program with exactly env (plus PATH) in dir.
func runMig(t *testing.T, dir string, env []string, bin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMigrateCosignWithRealCosign(t *testing.T) {
	cosign := tools.Cosign(t)
	tv := tools.Trustvault(t)
	work := t.TempDir()
	dockerConfig := filepath.Join(work, ".docker")
	env := []string{"DOCKER_CONFIG=" + dockerConfig, "NOTARY_TARGETS_PASSPHRASE=" + migTargetsPass, "COSIGN_PASSWORD=" + migCosignPass}

	out, err := runMig(t, work, env, tv, "generate", "--compat", "--role", "targets", "--gun", "docker.io/team/app")
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	id := strings.TrimSpace(strings.Split(out, "\n")[0])
	if !vault.IsKeyID(id) {
		t.Fatalf("generate printed %q, not a key ID", out)
	}
	if out, err := runMig(t, work, env, tv, "migrate", "cosign", id[:7], "-o", "cos"); err != nil {
		t.Fatalf("migrate cosign: %v\n%s", err, out)
	}
	dir := filepath.Join(work, "cos")

	// cosign.pub is the DCT key's public key: the same canonical ID.
	pubPEM, err := os.ReadFile(filepath.Join(dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pubPEM)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("cosign.pub is not a PEM PUBLIC KEY:\n%s", pubPEM)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tuf.CanonicalID(pub); err != nil || got != id {
		t.Fatalf("cosign.pub has canonical ID %s (%v); the DCT key is %s", got, err, id)
	}

	blob, other := filepath.Join(work, "blob"), filepath.Join(work, "other")
	if err := os.WriteFile(blob, []byte("release 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("release 1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cosEnv := []string{"COSIGN_PASSWORD=" + migCosignPass, "TUF_ROOT=" + filepath.Join(work, ".sigstore")}
	bundle := filepath.Join(work, "B")
	if out, err := runMig(t, dir, cosEnv, cosign, "sign-blob", "--key", "cosign.key", "--tlog-upload=false",
		"--use-signing-config=false", "--bundle", bundle, "--yes", blob); err != nil {
		t.Fatalf("cosign sign-blob with trustvault's cosign.key: %v\n%s", err, out)
	}
	if out, err := runMig(t, dir, cosEnv, cosign, "verify-blob", "--key", "cosign.pub", "--insecure-ignore-tlog",
		"--bundle", bundle, blob); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("cosign verify-blob: %v\n%s", err, out)
	}
	if out, err := runMig(t, dir, cosEnv, cosign, "verify-blob", "--key", "cosign.pub", "--insecure-ignore-tlog",
		"--bundle", bundle, other); err == nil {
		t.Fatalf("cosign verified the signature for another blob:\n%s", out)
	}
	// A wrong COSIGN_PASSWORD does not open cosign.key.
	if out, err := runMig(t, dir, []string{"COSIGN_PASSWORD=not-the-passphrase", "TUF_ROOT=" + filepath.Join(work, ".sigstore")}, cosign,
		"sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--use-signing-config=false", "--bundle", bundle+"2", "--yes", blob); err == nil {
		t.Fatalf("cosign signed with a wrong COSIGN_PASSWORD:\n%s", out)
	}

	// No file in the output directory, nor anywhere in the work directory,
	// holds the key in the clear.
	s, err := vault.Open(filepath.Join(dockerConfig, "trust"))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := s.Unlock(id, func(vault.PassphraseRequest) ([]byte, error) { return []byte(migTargetsPass), nil })
	if err != nil {
		t.Fatal(err)
	}
	key, ok := pk.Signer.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("the generated key is %T, not ECDSA", pk.Signer)
	}
	for _, p := range vaulttest.PlaintextKeyFiles(t, work, key) {
		t.Errorf("%s holds the private key in the clear", p)
	}
}

// TestMigrateNotationPlainKeyIsFound: the plaintext scan finds the one plaintext
// file migrate notation writes (with --plain-key), so its silence on the
// cosign export means something.
func TestMigrateNotationPlainKeyIsFound(t *testing.T) {
	tv := tools.Trustvault(t)
	work := t.TempDir()
	dockerConfig := filepath.Join(work, ".docker")
	env := []string{"DOCKER_CONFIG=" + dockerConfig, "NOTARY_TARGETS_PASSPHRASE=" + migTargetsPass}
	out, err := runMig(t, work, env, tv, "generate", "--compat", "--role", "targets", "--gun", "docker.io/team/app")
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	id := strings.TrimSpace(out)
	if out, err := runMig(t, work, env, tv, "migrate", "notation", id, "-o", "note", "--plain-key",
		"--subject", "C=US, ST=WA, O=Example, CN=signer"); err != nil {
		t.Fatalf("migrate notation: %v\n%s", err, out)
	}
	s, err := vault.Open(filepath.Join(dockerConfig, "trust"))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := s.Unlock(id, func(vault.PassphraseRequest) ([]byte, error) { return []byte(migTargetsPass), nil })
	if err != nil {
		t.Fatal(err)
	}
	found := vaulttest.PlaintextKeyFiles(t, work, pk.Signer.(*ecdsa.PrivateKey))
	want := filepath.Join(work, "note", "localkeys", "trustvault-"+id[:7]+".key")
	if len(found) != 1 || found[0] != want {
		t.Fatalf("plaintext key files: %q; want only %s", found, want)
	}
}
