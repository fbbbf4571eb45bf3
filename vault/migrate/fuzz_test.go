package migrate

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeCosignKey feeds DecodeCosignKey mutated key files, seeded with
// the cosign keys and envelope vectors in testdata. It must never panic, and
// a key it returns must encode and decode again to the same key.
func FuzzDecodeCosignKey(f *testing.F) {
	keys, _ := filepath.Glob("testdata/cosign/*.key")
	for _, k := range keys {
		b, err := os.ReadFile(k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte(katPassphrase))
	}
	envs, _ := filepath.Glob("testdata/envelope/*.json")
	for _, e := range envs {
		b, err := os.ReadFile(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(pem.EncodeToMemory(&pem.Block{Type: CosignPEMType, Bytes: b}), []byte("supersecret"))
	}
	if len(keys)+len(envs) < 3 {
		f.Fatal("no seeds found in testdata")
	}
	f.Fuzz(func(t *testing.T, data, passphrase []byte) {
		key, err := DecodeCosignKey(data, passphrase)
		if err != nil {
			if key != nil {
				t.Fatal("a key and an error")
			}
			return
		}
		if len(passphrase) == 0 {
			return
		}
		out, err := EncodeCosignKey(key, passphrase, CosignOptions{})
		if err != nil {
			return // a key type that is read but not exported (RSA, Ed25519)
		}
		back, err := DecodeCosignKey(out, passphrase)
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := key.(interface{ Equal(any) bool }); ok && !k.Equal(back) {
			t.Fatal("re-encoding changed the key")
		}
	})
}
