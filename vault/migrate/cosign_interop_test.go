package migrate

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// Interoperability with the real cosign CLI: v3 (TRUSTVAULT_COSIGN, else
// cosign on PATH; `make test` installs v3.1.3 into .tools/bin and puts it on
// PATH) signs and verifies with keys EncodeCosignKey wrote, and
// DecodeCosignKey reads keys cosign generated. A missing cosign skips these
// tests, or fails them under TRUSTVAULT_REQUIRE_INTEROP=1.

// cosignCLI returns the cosign v3 binary (tools.Cosign), or skips (fails,
// when interop is required) if there is none.
func cosignCLI(t *testing.T) string { return tools.Cosign(t) }

// runCosign runs cosign in dir with only the environment it needs: no
// network configuration, a private HOME, and COSIGN_PASSWORD.
func runCosign(t *testing.T, bin, dir, password string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"HOME=" + dir,
		"PATH=" + os.Getenv("PATH"),
		"COSIGN_PASSWORD=" + password,
		"TUF_ROOT=" + filepath.Join(dir, ".sigstore"),
	}
	if f := os.Getenv("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE"); f != "" {
		cmd.Env = append(cmd.Env, "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="+f)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

// cosignDir makes a directory with a fresh P-256 key exported as cosign.key
// (under password, with opts) and cosign.pub, and two blobs, blob and other.
func cosignDir(t *testing.T, password string, opts CosignOptions) (string, *ecdsa.PrivateKey) {
	t.Helper()
	dir := t.TempDir()
	key := newP256(t)
	priv, err := EncodeCosignKey(key, []byte(password), opts)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := EncodeCosignPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cosign.key"), priv, 0o600)
	writeFile(t, filepath.Join(dir, "cosign.pub"), pub, 0o644)
	writeFile(t, filepath.Join(dir, "blob"), []byte("release 1.0\n"), 0o644)
	writeFile(t, filepath.Join(dir, "other"), []byte("release 1.1\n"), 0o644)
	return dir, key
}

// TestCosignSignsWithExportedKey: a P-256 key written by EncodeCosignKey
// signs a blob with the real cosign v3 (no Rekor upload), the bundle
// verifies against EncodeCosignPublicKey's cosign.pub, and does not verify
// for another blob; the wrong password is refused. cosign.pub carries the
// same key as the DCT key (same canonical ID).
func TestCosignSignsWithExportedKey(t *testing.T) {
	bin := cosignCLI(t)
	tests := []struct {
		name string
		opts CosignOptions
	}{
		{"sigstore n15", CosignOptions{}},
		{"sigstore n16", CosignOptions{LogN: 16}},
		{"sigstore n17", CosignOptions{LogN: 17}},
		{"cosign label", CosignOptions{Label: LabelCosign}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const password = "correct horse battery staple"
			dir, key := cosignDir(t, password, tt.opts)
			pub, err := os.ReadFile(filepath.Join(dir, "cosign.pub"))
			if err != nil {
				t.Fatal(err)
			}
			assertSameCanonicalID(t, key, pub)

			sign := []string{"sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--use-signing-config=false", "--bundle", "blob.bundle", "--yes", "blob"}
			if out, err := runCosign(t, bin, dir, password, sign...); err != nil {
				t.Fatalf("cosign sign-blob: %v\n%s", err, out)
			}
			verify := func(blob string) (string, error) {
				return runCosign(t, bin, dir, "", "verify-blob", "--key", "cosign.pub", "--insecure-ignore-tlog", "--bundle", "blob.bundle", blob)
			}
			if out, err := verify("blob"); err != nil {
				t.Fatalf("cosign verify-blob: %v\n%s", err, out)
			}
			out, err := verify("other")
			if err == nil {
				t.Fatalf("cosign verified the signature for another blob:\n%s", out)
			}
			t.Logf("another blob: cosign says %s", strings.TrimSpace(lastLine(out)))

			assertNoPlaintextKey(t, dir, key)

			out, err = runCosign(t, bin, dir, "wrong password", "sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--use-signing-config=false", "--bundle", "wrong.bundle", "--yes", "blob")
			if err == nil || !strings.Contains(out, "decryption failed") {
				t.Fatalf("cosign with the wrong password: err %v\n%s", err, out)
			}
		})
	}
}

// assertSameCanonicalID checks cosign.pub holds the DCT key's public key, by
// the vault's canonical key ID.
func assertSameCanonicalID(t *testing.T, key *ecdsa.PrivateKey, pubPEM []byte) {
	t.Helper()
	block, _ := pem.Decode(pubPEM)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tuf.CanonicalID(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	got, err := tuf.CanonicalID(pub)
	if err != nil || got != want {
		t.Fatalf("cosign.pub has canonical ID %s (%v), the key %s", got, err, want)
	}
}

// assertNoPlaintextKey fails when a file under dir holds the private key in
// the clear.
func assertNoPlaintextKey(t *testing.T, dir string, key *ecdsa.PrivateKey) {
	t.Helper()
	for _, p := range vaulttest.PlaintextKeyFiles(t, dir, key) {
		t.Errorf("%s holds the private key in the clear", p)
	}
}

// TestPlaintextKeyScan shows the scan (vaulttest.PlaintextKeyFiles) finds a plaintext key file (the
// kind Notation needs) and passes the cosign key file.
func TestPlaintextKeyScan(t *testing.T) {
	dir := t.TempDir()
	key := newP256(t)
	plain, err := PlainKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := EncodeCosignKey(key, []byte("pw"), CosignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scalar, _ := key.Bytes()
	writeFile(t, filepath.Join(dir, "plain.key"), plain, 0o600)
	writeFile(t, filepath.Join(dir, "raw"), append([]byte("x"), scalar...), 0o600)
	writeFile(t, filepath.Join(dir, "cosign.key"), enc, 0o600)
	found := vaulttest.PlaintextKeyFiles(t, dir, key)
	want := []string{filepath.Join(dir, "plain.key"), filepath.Join(dir, "raw")}
	if strings.Join(found, ",") != strings.Join(want, ",") {
		t.Fatalf("found %v, want %v", found, want)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}

// TestCosignGeneratedKeyDecodes: a key pair from cosign generate-key-pair is
// read by DecodeCosignKey, and its private key matches cosign's .pub; the
// wrong password gives ErrWrongPassphrase.
func TestCosignGeneratedKeyDecodes(t *testing.T) {
	bin := cosignCLI(t)
	dir := t.TempDir()
	const password = "cosign generated this"
	if out, err := runCosign(t, bin, dir, password, "generate-key-pair", "--output-key-prefix", "gen"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	priv, err := os.ReadFile(filepath.Join(dir, "gen.key"))
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := os.ReadFile(filepath.Join(dir, "gen.pub"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := DecodeCosignKey(priv, []byte(password))
	if err != nil {
		t.Fatalf("DecodeCosignKey on cosign's own key: %v", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("cosign generated a %T, want *ecdsa.PrivateKey", key)
	}
	block, _ := pem.Decode(pubPEM)
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !ec.PublicKey.Equal(pub) {
		t.Fatal("the decoded private key does not match cosign's gen.pub")
	}
	if _, err := DecodeCosignKey(priv, []byte("not the password")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong password: err %v, want ErrWrongPassphrase", err)
	}
}
