package vaulttest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

// PlaintextKeyFiles lists the files under dir that hold key in the clear:
// its raw scalar, its PKCS#8 DER, or the start of that DER in base64 (a
// PEM body). The export tests use it to show that no flow leaves a
// private key on disk unencrypted.
func PlaintextKeyFiles(t testing.TB, dir string, key *ecdsa.PrivateKey) []string {
	t.Helper()
	scalar, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b64 := []byte(base64.StdEncoding.EncodeToString(der)[:48])
	var found []string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, secret := range [][]byte{scalar, der, b64} {
			if bytes.Contains(data, secret) {
				found = append(found, p)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
