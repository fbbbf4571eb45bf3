package vault

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"testing"
)

// TestDeriveKeyRFC6070 checks deriveKey against the PBKDF2-HMAC-SHA1 test
// vectors of RFC 6070 (the 16,777,216-iteration one is left to -short=false).
func TestDeriveKeyRFC6070(t *testing.T) {
	for _, tc := range []struct {
		pass, salt string
		iter, n    int
		want       string
	}{
		{"password", "salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
		{"password", "salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
		{"password", "salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"},
		{"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
		{"pass\x00word", "sa\x00lt", 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"},
	} {
		got, err := deriveKey(sha1.New, []byte(tc.pass), []byte(tc.salt), tc.iter, tc.n)
		if err != nil || hex.EncodeToString(got) != tc.want {
			t.Errorf("deriveKey(%q, %q, %d, %d) = %x, %v; want %s", tc.pass, tc.salt, tc.iter, tc.n, got, err, tc.want)
		}
	}
	if testing.Short() {
		return
	}
	got, _ := deriveKey(sha1.New, []byte("password"), []byte("salt"), 16777216, 20)
	if hex.EncodeToString(got) != "eefe3d61cd4da4e4e9945b3d6ba2158c2634e984" {
		t.Errorf("16777216 iterations: %x", got)
	}
}

// TestDeriveKeyMatchesStdlib: several blocks, other hashes and lengths that
// are not a multiple of the hash size agree with crypto/pbkdf2.
func TestDeriveKeyMatchesStdlib(t *testing.T) {
	for _, n := range []int{1, 19, 20, 21, 32, 64, 100} {
		for _, h := range []struct {
			name string
			f    func() hashFunc
		}{{"sha1", func() hashFunc { return sha1.New }}, {"sha256", func() hashFunc { return sha256.New }}} {
			want, err := pbkdf2.Key(h.f(), "correct horse", []byte("NaCl-salt"), 1000, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := deriveKey(h.f(), []byte("correct horse"), []byte("NaCl-salt"), 1000, n)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s, %d bytes: %x, %v; want %x", h.name, n, got, err, want)
			}
		}
	}
	if _, err := deriveKey(sha1.New, nil, nil, 0, 32); err == nil {
		t.Error("0 iterations accepted")
	}
}

type hashFunc = func() hash.Hash

// BenchmarkUnlockKDF is the derivation of one hardened key: PBKDF2-HMAC-SHA1,
// 1,300,000 iterations, a 32-byte AES-256 key; against crypto/pbkdf2.
func BenchmarkUnlockKDF(b *testing.B) {
	salt := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	b.Run("vault", func(b *testing.B) {
		for b.Loop() {
			deriveKey(sha1.New, []byte("secret"), salt, 1_300_000, 32)
		}
	})
	b.Run("crypto-pbkdf2", func(b *testing.B) {
		for b.Loop() {
			pbkdf2.Key(sha1.New, "secret", salt, 1_300_000, 32)
		}
	})
}
