package migrate

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// An older cosign, given by TRUSTVAULT_COSIGN2 (a cosign v2.x binary; not
// installed by .ci/setup, as it would add a second long build to CI). The
// label and scrypt N that each cosign reads are facts from cosign's history:
// only "ENCRYPTED COSIGN PRIVATE KEY" up to v2.0.0, both labels from v2.0.1;
// only N=2^15 before v2.2.0, 2^15..2^17 from then on. This test checks
// those facts against the binary, so the CosignOptions that trustvault
// offers for old cosign ("--label cosign", N=2^15) are proven where it
// matters, and the others are shown to fail there.

var cosignVersionRE = regexp.MustCompile(`GitVersion:\s+v(\d+)\.(\d+)\.(\d+)`)

// cosign2CLI returns the binary and its version as major, minor, patch, or
// skips when TRUSTVAULT_COSIGN2 is not set.
func cosign2CLI(t *testing.T) (string, [3]int) {
	t.Helper()
	p := os.Getenv("TRUSTVAULT_COSIGN2")
	if p == "" {
		t.Skip("TRUSTVAULT_COSIGN2 is not set (a cosign v2 binary, e.g. built with go install github.com/sigstore/cosign/v2/cmd/cosign@v2.0.0)")
	}
	out, err := exec.Command(p, "version").CombinedOutput()
	m := cosignVersionRE.FindSubmatch(out)
	if err != nil || m == nil || string(m[1]) != "2" {
		t.Fatalf("TRUSTVAULT_COSIGN2=%s is not cosign v2: %v\n%s", p, err, out)
	}
	var v [3]int
	for i := range v {
		fmt.Sscan(string(m[i+1]), &v[i])
	}
	return p, v
}

func versionBefore(v [3]int, major, minor, patch int) bool {
	w := [3]int{major, minor, patch}
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func TestCosignV2ReadsExportedKey(t *testing.T) {
	bin, v := cosign2CLI(t)
	tests := []struct {
		name   string
		opts   CosignOptions
		readBy func(v [3]int) bool
	}{
		{"cosign label n15", CosignOptions{Label: LabelCosign}, func([3]int) bool { return true }},
		{"sigstore label n15", CosignOptions{}, func(v [3]int) bool { return !versionBefore(v, 2, 0, 1) }},
		{"cosign label n16", CosignOptions{Label: LabelCosign, LogN: 16}, func(v [3]int) bool { return !versionBefore(v, 2, 2, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const password = "old cosign"
			dir, _ := cosignDir(t, password, tt.opts)
			out, err := runCosign(t, bin, dir, password, "sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--output-signature", "blob.sig", "--yes", "blob")
			if !tt.readBy(v) {
				if err == nil {
					t.Fatalf("cosign v%d.%d.%d read a key it should not:\n%s", v[0], v[1], v[2], out)
				}
				t.Logf("cosign v%d.%d.%d refuses it, as expected: %s", v[0], v[1], v[2], lastLine(out))
				return
			}
			if err != nil {
				t.Fatalf("cosign v%d.%d.%d sign-blob: %v\n%s", v[0], v[1], v[2], err, out)
			}
			// cosign v2.0.x loads the CT log keys from Sigstore's TUF
			// mirror even for a key-based check, which needs the network;
			// SIGSTORE_CT_LOG_PUBLIC_KEY_FILE gives it a key file instead
			// (never used to check a key-based signature).
			verify := func(blob string) (string, error) {
				return runCosign(t, bin, dir, "", "verify-blob", "--key", "cosign.pub", "--signature", "blob.sig", "--insecure-ignore-tlog", blob)
			}
			t.Setenv("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE", filepath.Join(dir, "cosign.pub"))
			if out, err := verify("blob"); err != nil {
				t.Fatalf("cosign verify-blob: %v\n%s", err, out)
			}
			if out, err := verify("other"); err == nil {
				t.Fatalf("cosign verified the signature for another blob:\n%s", out)
			}
		})
	}
	t.Run("generated", func(t *testing.T) {
		dir := t.TempDir()
		const password = "old cosign generated this"
		if out, err := runCosign(t, bin, dir, password, "generate-key-pair", "--output-key-prefix", "gen"); err != nil {
			t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
		}
		priv, _ := os.ReadFile(filepath.Join(dir, "gen.key"))
		pubPEM, _ := os.ReadFile(filepath.Join(dir, "gen.pub"))
		t.Logf("cosign v%d.%d.%d writes %q", v[0], v[1], v[2], strings.SplitN(string(priv), "\n", 2)[0])
		key, err := DecodeCosignKey(priv, []byte(password))
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(pubPEM)
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		ours, _ := EncodeCosignPublicKey(pub)
		if ec, ok := key.(*ecdsa.PrivateKey); !ok || !ec.PublicKey.Equal(pub) || !bytes.Equal(ours, pubPEM) {
			t.Fatal("the decoded key does not match cosign's gen.pub")
		}
	})
}
