package vault

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/tuf"
)

const (
	dockerVectorID   = "3cc0f1a66c3cae111b418aa48e3a71bdb0d8a64f7c74dad053032eb44bbbd1f3"
	dockerVectorPass = "Test-passphrase-123"
	notaryPass       = "Notary-pass-1"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parsePublicPEM(t testing.TB, data []byte) crypto.PublicKey {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("no PEM block in public key")
	}
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// The docker-generated key of FORMAT.md §7 decrypts with its passphrase and
// its file name is the canonical ID of its public key.
func TestDockerKeyKnownAnswer(t *testing.T) {
	data := readTestdata(t, dockerVectorID+".key")
	kf, err := decodeKeyFile(data)
	if err != nil {
		t.Fatal(err)
	}
	want := Encryption{Scheme: SchemePBES2, PRF: "hmacWithSHA1", Iterations: 2048, Cipher: "aes256-cbc"}
	if kf.encryption != want {
		t.Errorf("encryption = %+v, want %+v", kf.encryption, want)
	}
	if got := kf.block.Headers[headerRole]; got != "alice" {
		t.Errorf("role header = %q, want alice", got)
	}
	key, err := kf.decrypt([]byte(dockerVectorPass))
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	id, err := tuf.CanonicalID(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	if id != dockerVectorID {
		t.Errorf("canonical ID of the private key = %s, want %s", id, dockerVectorID)
	}
	pubID, err := tuf.CanonicalID(parsePublicPEM(t, readTestdata(t, "alice.pub")))
	if err != nil {
		t.Fatal(err)
	}
	if pubID != dockerVectorID {
		t.Errorf("canonical ID of alice.pub = %s, want %s", pubID, dockerVectorID)
	}
	if _, err := kf.decrypt([]byte("Test-passphrase-124")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: err = %v, want ErrWrongPassphrase", err)
	}
}

// Re-encrypting the docker key with its own salt and IV reproduces the file
// byte for byte: the PKCS#8 plaintext, the PBES2 structure and the PEM layout
// all match what docker (notary's code) writes.
func TestGoldenByteLayout(t *testing.T) {
	data := readTestdata(t, dockerVectorID+".key")
	kf, err := decodeKeyFile(data)
	if err != nil {
		t.Fatal(err)
	}
	key, err := kf.decrypt([]byte(dockerVectorPass))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := marshalPKCS8(key)
	if err != nil {
		t.Fatal(err)
	}
	der, err := encryptPKCS8With(plain, []byte(dockerVectorPass), 2048, kf.pbes2.salt, kf.pbes2.iv)
	if err != nil {
		t.Fatal(err)
	}
	got := pem.EncodeToMemory(&pem.Block{Type: blockEncrypted, Headers: keyHeaders("alice", ""), Bytes: der})
	if !bytes.Equal(got, data) {
		t.Errorf("re-encrypted file differs from docker's:\n got %q\nwant %q", got, data)
	}
}

// A file trustvault writes has notary's structure: header order, 64-column
// base64, PBES2/PBKDF2 (no PRF, no key length), 8-byte salt, AES-256-CBC with
// a 16-byte IV; and notary's PKCS#8 variant inside.
func TestWrittenLayout(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		role, gun  string
		iterations int
		headers    string
	}{
		{"targets with gun", "targets", "docker.io/acme/app", HardenedIterations, "gun: docker.io/acme/app\nrole: targets\n\n"},
		{"root compat", "root", "", CompatIterations, "role: root\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			block, err := encryptKeyBlock(k, tc.role, tc.gun, []byte("pass-phrase"), tc.iterations, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			out := string(pem.EncodeToMemory(block))
			wantStart := "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + tc.headers
			if !strings.HasPrefix(out, wantStart) {
				t.Errorf("file starts %q, want %q", out[:min(len(out), len(wantStart))], wantStart)
			}
			if !strings.HasSuffix(out, "-----END ENCRYPTED PRIVATE KEY-----\n") {
				t.Error("file does not end with the END line and a newline")
			}
			body := strings.Split(strings.TrimSpace(strings.SplitN(out, "\n\n", 2)[1]), "\n")
			for i, line := range body[:len(body)-2] {
				if len(line) != 64 {
					t.Errorf("base64 line %d is %d characters, want 64", i, len(line))
				}
			}
			// Walk the ASN.1 with a strict structure that has no optional fields.
			var outer struct {
				Algo struct {
					OID    asn1.ObjectIdentifier
					Params struct {
						KDF struct {
							OID    asn1.ObjectIdentifier
							Params struct {
								Salt       []byte
								Iterations int
							}
						}
						Cipher struct {
							OID asn1.ObjectIdentifier
							IV  []byte
						}
					}
				}
				Data []byte
			}
			rest, err := asn1.Unmarshal(block.Bytes, &outer)
			if err != nil || len(rest) != 0 {
				t.Fatalf("strict parse: %v (rest %d)", err, len(rest))
			}
			p := outer.Algo.Params
			switch {
			case !outer.Algo.OID.Equal(oidPBES2), !p.KDF.OID.Equal(oidPBKDF2), !p.Cipher.OID.Equal(oidAES256CBC):
				t.Errorf("OIDs = %v %v %v", outer.Algo.OID, p.KDF.OID, p.Cipher.OID)
			case len(p.KDF.Params.Salt) != 8:
				t.Errorf("salt is %d bytes, want 8", len(p.KDF.Params.Salt))
			case p.KDF.Params.Iterations != tc.iterations:
				t.Errorf("iterations = %d, want %d", p.KDF.Params.Iterations, tc.iterations)
			case len(p.Cipher.IV) != 16:
				t.Errorf("IV is %d bytes, want 16", len(p.Cipher.IV))
			}
			// A strict parse of the PKCS#8 inside: version 1, two OIDs.
			kf, _ := describeBlock(block)
			plain, err := kf.pbes2.decrypt([]byte("pass-phrase"))
			if err != nil {
				t.Fatal(err)
			}
			var info notaryKeyInfo
			if rest, err := asn1.Unmarshal(plain, &info); err != nil || len(rest) != 0 {
				t.Fatalf("PKCS#8: %v", err)
			}
			if info.Version != 1 || len(info.Algorithm) != 2 || !info.Algorithm[1].Equal(oidP256) {
				t.Errorf("PKCS#8 = version %d, algorithm %v", info.Version, info.Algorithm)
			}
		})
	}
}

func TestRoundTripAlgorithms(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name string
		key  crypto.Signer
		alg  string
	}{
		{"ecdsa", ec, AlgorithmECDSA},
		{"ed25519", ed, AlgorithmED25519},
		{"rsa", rk, AlgorithmRSA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			block, err := encryptKeyBlock(tc.key, "targets", "g", []byte("pw"), 10, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			kf, err := decodeKeyFile(pem.EncodeToMemory(block))
			if err != nil {
				t.Fatal(err)
			}
			got, err := kf.decrypt([]byte("pw"))
			if err != nil {
				t.Fatal(err)
			}
			if algorithmOf(got) != tc.alg {
				t.Errorf("algorithm = %s, want %s", algorithmOf(got), tc.alg)
			}
			wantID, _ := tuf.CanonicalID(tc.key.Public())
			gotID, _ := tuf.CanonicalID(got.Public())
			if gotID != wantID {
				t.Errorf("ID after round trip = %s, want %s", gotID, wantID)
			}
		})
	}
}

// notary's Ed25519 PKCS#8: version 0, the old GnuPG OID alone, and 96 raw
// bytes public||seed||public with no inner OCTET STRING.
func TestNotaryEd25519Encoding(t *testing.T) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	der, err := marshalPKCS8(k)
	if err != nil {
		t.Fatal(err)
	}
	var info notaryKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		t.Fatal(err)
	}
	pub := k.Public().(ed25519.PublicKey)
	want := append(append(append([]byte{}, pub...), k.Seed()...), pub...)
	if info.Version != 0 || len(info.Algorithm) != 1 || !info.Algorithm[0].Equal(oidNotaryEd25519) || !bytes.Equal(info.PrivateKey, want) {
		t.Errorf("ed25519 PKCS#8 = %+v", info)
	}
	if _, err := parseNotaryEd25519(append(want[:95:95], 0)); err == nil {
		t.Error("a tampered public half was accepted")
	}
}

func TestNotaryWrittenKeysDecrypt(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("testdata", "keys", "notary"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			kf, err := decodeKeyFile(readTestdata(t, filepath.Join("notary", e.Name())))
			if err != nil {
				t.Fatal(err)
			}
			key, err := kf.decrypt([]byte(notaryPass))
			if err != nil {
				t.Fatal(err)
			}
			id, _ := tuf.CanonicalID(key.Public())
			if id+keyExt != e.Name() {
				t.Errorf("ID %s does not match file %s", id, e.Name())
			}
		})
	}
}

func TestOpenSSLFormats(t *testing.T) {
	ecPub := parsePublicPEM(t, readTestdata(t, "openssl/ec.pub.pem"))
	for _, tc := range []struct {
		file   string
		pass   string
		scheme Scheme
		prf    string
		pub    string
	}{
		{"ec-plain.pem", "", SchemeNone, "", "ec.pub.pem"},
		{"ec-legacy-aes256.pem", "Legacy-pass-1", SchemeLegacyPEM, "md5", "ec.pub.pem"},
		{"ec-pkcs8-sha256.pem", "Openssl-pass-1", SchemePBES2, "hmacWithSHA256", "ec.pub.pem"},
		{"ec-pkcs8-sha1.pem", "Openssl-pass-1", SchemePBES2, "hmacWithSHA1", "ec.pub.pem"},
		{"rsa-pkcs1.pem", "", SchemeNone, "", "rsa.pub.pem"},
		{"ed25519-rfc8410.pem", "", SchemeNone, "", "ed25519.pub.pem"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			kf, err := decodeKeyFile(readTestdata(t, "openssl/"+tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if kf.encryption.Scheme != tc.scheme || kf.encryption.PRF != tc.prf {
				t.Errorf("encryption = %+v, want %v %s", kf.encryption, tc.scheme, tc.prf)
			}
			key, err := kf.decrypt([]byte(tc.pass))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := tuf.CanonicalID(parsePublicPEM(t, readTestdata(t, "openssl/"+tc.pub)))
			got, _ := tuf.CanonicalID(key.Public())
			if got != want {
				t.Errorf("ID = %s, want %s", got, want)
			}
			if tc.pass != "" {
				if _, err := kf.decrypt([]byte(tc.pass + "x")); !errors.Is(err, ErrWrongPassphrase) {
					t.Errorf("wrong passphrase: %v", err)
				}
			}
		})
	}
	_ = ecPub
}

func TestDecodeKeyFileRejects(t *testing.T) {
	vector := readTestdata(t, dockerVectorID+".key")
	for _, tc := range []struct {
		name, data, want string
	}{
		{"empty", "", "no PEM block"},
		{"not pem", "hello", "no PEM block"},
		{"public key", string(readTestdata(t, "alice.pub")), "not a private key"},
		{"truncated", string(vector[:200]), "no PEM block"},
		{"garbage der", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "not an encrypted PKCS#8 key"},
		{"bad dek-info", "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: ROT13,00\n\nAAAA\n-----END EC PRIVATE KEY-----\n", "unsupported legacy PEM cipher"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeKeyFile([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEncryptionSummary(t *testing.T) {
	for _, tc := range []struct {
		e    Encryption
		weak bool
		want string
	}{
		{Encryption{Scheme: SchemePBES2, PRF: "hmacWithSHA1", Iterations: 2048}, true, "PBES2 SHA1 ×2048 (weak)"},
		{Encryption{Scheme: SchemePBES2, PRF: "hmacWithSHA1", Iterations: HardenedIterations}, false, "PBES2 SHA1 ×1300000"},
		{Encryption{Scheme: SchemeLegacyPEM, Cipher: "AES-256-CBC"}, true, "legacy PEM AES-256-CBC (weak)"},
		{Encryption{}, true, "none (unencrypted)"},
	} {
		if tc.e.Weak() != tc.weak || tc.e.Summary() != tc.want {
			t.Errorf("%+v: weak %v summary %q, want %v %q", tc.e, tc.e.Weak(), tc.e.Summary(), tc.weak, tc.want)
		}
	}
}

func FuzzDecodeKeyFile(f *testing.F) {
	for _, dir := range []string{"testdata/keys", "testdata/keys/notary", "testdata/keys/openssl"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && !e.IsDir() {
				f.Add(b, []byte(dockerVectorPass))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data, pass []byte) {
		kf, err := decodeKeyFile(data)
		if err != nil {
			return
		}
		if kf.pbes2 != nil && kf.pbes2.iterations > 10000 {
			return // keep each input fast
		}
		key, err := kf.decrypt(pass)
		if err == nil && key == nil {
			t.Fatal("nil key without an error")
		}
		if err == nil {
			if _, err := tuf.CanonicalID(key.Public()); err != nil {
				t.Fatalf("decrypted key has no ID: %v", err)
			}
		}
	})
}

// PBES2 parameters other writers use: an explicit key length and a PRF.
func TestPBES2OptionalFields(t *testing.T) {
	salt, iv := make([]byte, 8), make([]byte, 16)
	plain := []byte("0123456789abcdef")
	der, err := encryptPKCS8With(plain, []byte("pw"), 5, salt, iv)
	if err != nil {
		t.Fatal(err)
	}
	withKeyLen := func(keyLen int) []byte {
		kdf, _ := asn1.Marshal(struct {
			Salt       []byte
			Iterations int
			KeyLength  int
			PRF        pkix.AlgorithmIdentifier
		}{salt, 5, keyLen, pkix.AlgorithmIdentifier{Algorithm: prfs[0].oid, Parameters: asn1.NullRawValue}})
		ivParam, _ := asn1.Marshal(iv)
		params, _ := asn1.Marshal(pbes2Params{
			KDF:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
			Cipher: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivParam}},
		})
		var info encryptedKeyInfo
		asn1.Unmarshal(der, &info)
		out, _ := asn1.Marshal(encryptedKeyInfo{
			Algorithm:     pkix.AlgorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: params}},
			EncryptedData: info.EncryptedData,
		})
		return out
	}
	p, err := parsePBES2(withKeyLen(32))
	if err != nil {
		t.Fatalf("key length 32 with a PRF: %v", err)
	}
	if p.prf != "hmacWithSHA1" || p.iterations != 5 || p.keyLen != 32 {
		t.Errorf("parsed %+v", p)
	}
	if got, err := p.decrypt([]byte("pw")); err != nil || string(got) != string(plain) {
		t.Errorf("decrypt = %q, %v", got, err)
	}
	if _, err := parsePBES2(withKeyLen(16)); err == nil || !strings.Contains(err.Error(), "key length 16") {
		t.Errorf("key length 16 for AES-256: err = %v", err)
	}
}
