package migrate

import (
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// cachedKDF runs the real scrypt once for each (passphrase, salt, N) of the
// seeds and a cheap stand-in (SHA-256) for everything the fuzzer makes up.
// Under coverage instrumentation scrypt takes seconds, which would leave the
// fuzzer a few runs a minute; with the cache the seeds still decrypt all the
// way to PKCS#8, and mutations of the JSON, ciphertext and PEM run fast.
type cachedKDF struct {
	mu   sync.Mutex
	keys map[string][scryptKeyLen]byte
}

func kdfCacheKey(passphrase, salt []byte, n int) string {
	return string(binary.AppendUvarint(append(append([]byte{}, passphrase...), salt...), uint64(n))) + string(rune(len(passphrase)))
}

func (c *cachedKDF) remember(t testing.TB, data, passphrase []byte) {
	block, _ := pem.Decode(data)
	if block == nil {
		return
	}
	env, err := parseEnvelope(block.Bytes)
	if err != nil {
		return
	}
	k, err := deriveBoxKey(passphrase, env.KDF.Salt, env.KDF.Params.N)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.keys[kdfCacheKey(passphrase, env.KDF.Salt, env.KDF.Params.N)] = *k
	c.mu.Unlock()
}

func (c *cachedKDF) derive(passphrase, salt []byte, n int) (*[scryptKeyLen]byte, error) {
	c.mu.Lock()
	k, ok := c.keys[kdfCacheKey(passphrase, salt, n)]
	c.mu.Unlock()
	if !ok {
		k = sha256.Sum256([]byte(kdfCacheKey(passphrase, salt, n)))
	}
	return &k, nil
}

// FuzzDecodeCosignKey feeds the cosign key reader mutated key files, seeded
// with the cosign keys and the envelope vectors in testdata. It must never
// panic, a refusal must not come with a key, and a key it returns must
// encode and decode again to the same key. The scrypt step is cached (see
// cachedKDF); everything else is DecodeCosignKey's own code.
func FuzzDecodeCosignKey(f *testing.F) {
	kdf := &cachedKDF{keys: map[string][scryptKeyLen]byte{}}
	keys, _ := filepath.Glob("testdata/cosign/*.key")
	for _, k := range keys {
		b, err := os.ReadFile(k)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte(katPassphrase))
		kdf.remember(f, b, []byte(katPassphrase))
	}
	envs, _ := filepath.Glob("testdata/envelope/*.json")
	for _, e := range envs {
		b, err := os.ReadFile(e)
		if err != nil {
			f.Fatal(err)
		}
		seed := pem.EncodeToMemory(&pem.Block{Type: CosignPEMType, Bytes: b})
		f.Add(seed, []byte("supersecret"))
		kdf.remember(f, seed, []byte("supersecret"))
	}
	if len(keys) < 1 || len(envs) < 5 {
		f.Fatalf("found %d keys and %d envelopes in testdata, want at least 1 and 5", len(keys), len(envs))
	}
	f.Fuzz(func(t *testing.T, data, passphrase []byte) {
		key, err := decodeCosignKey(data, passphrase, kdf.derive)
		if err != nil {
			if key != nil {
				t.Fatal("a key and an error")
			}
			return
		}
		if len(passphrase) == 0 {
			return
		}
		out, err := encodeCosignKey(key, passphrase, CosignOptions{}, kdf.derive)
		if err != nil {
			return // a key type that is read but not exported (RSA, Ed25519)
		}
		back, err := decodeCosignKey(out, passphrase, kdf.derive)
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := key.(interface{ Equal(crypto.PrivateKey) bool }); !ok || !k.Equal(back) {
			t.Fatal("re-encoding changed the key")
		}
	})
}
