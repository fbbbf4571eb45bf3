package migrate

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// katScalar is the private scalar of the known-answer P-256 key (test only).
const katScalar = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"

// katPassphrase encrypts the known-answer cosign key.
const katPassphrase = "trustvault-kat"

func katKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	d, _ := hex.DecodeString(katScalar)
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// countingReader yields 0, 1, 2, … so salt and nonce are known.
type countingReader struct{ n byte }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestEnvelopeVectors opens go-securesystemslib's published vectors, the
// envelope cosign 2.2+ writes, so the KDF and cipher are checked against an
// independent implementation.
func TestEnvelopeVectors(t *testing.T) {
	files, _ := filepath.Glob("testdata/envelope/*.json")
	if len(files) < 5 {
		t.Fatalf("found %d vectors in testdata/envelope, want 5", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			wantErr, _ := os.ReadFile(strings.TrimSuffix(f, ".json") + ".err")
			env, err := parseEnvelope(body)
			if len(wantErr) > 0 {
				if err == nil || !strings.Contains(err.Error(), string(wantErr)) {
					t.Fatalf("parseEnvelope: err %v, want one containing %q", err, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := openEnvelope(env, []byte("supersecret"), deriveBoxKey)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".plain")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("plaintext %q, want %q", got, want)
			}
			if _, err := openEnvelope(env, []byte("supersecreT"), deriveBoxKey); !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("wrong passphrase: err %v, want ErrWrongPassphrase", err)
			}
		})
	}
}

// TestCosignKnownAnswer pins the bytes written for a fixed key, passphrase,
// salt and nonce (testdata/cosign/kat-sigstore-n15.key, -update rewrites it),
// and checks the golden file decrypts to the same key.
func TestCosignKnownAnswer(t *testing.T) {
	key := katKey(t)
	got, err := EncodeCosignKey(key, []byte(katPassphrase), CosignOptions{Rand: &countingReader{}})
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/cosign/kat-sigstore-n15.key"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeCosignKey changed its output:\n%s\nwant\n%s", got, want)
	}
	back, err := DecodeCosignKey(want, []byte(katPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	if !key.Equal(back) {
		t.Fatal("the golden file decrypts to another key")
	}
}

// TestCosignGeneratedKeys reads key pairs the real cosign v3.1.3 (SIGSTORE
// label, N=2^16) and v2.0.0 (COSIGN label, N=2^15) wrote
// (testdata/cosign/README.md says how).
func TestCosignGeneratedKeys(t *testing.T) {
	for _, tt := range []struct{ name, wantType string }{
		{"cosign-v3.1.3-generated", SigstorePEMType},
		{"cosign-v2.0.0-generated", CosignPEMType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			priv, err := os.ReadFile("testdata/cosign/" + tt.name + ".key")
			if err != nil {
				t.Fatal(err)
			}
			pubPEM, err := os.ReadFile("testdata/cosign/" + tt.name + ".pub")
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := pem.Decode(priv); b == nil || b.Type != tt.wantType {
				t.Fatalf("%s is not a %q block", tt.name, tt.wantType)
			}
			key, err := DecodeCosignKey(priv, []byte(katPassphrase))
			if err != nil {
				t.Fatal(err)
			}
			ec, ok := key.(*ecdsa.PrivateKey)
			if !ok || ec.Curve != elliptic.P256() {
				t.Fatalf("cosign's key decodes to %T, want a P-256 *ecdsa.PrivateKey", key)
			}
			block, _ := pem.Decode(pubPEM)
			pub, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if !ec.PublicKey.Equal(pub) {
				t.Fatal("the decoded key does not match cosign's .pub")
			}
			// Our public key file for it is byte for byte cosign's.
			ours, err := EncodeCosignPublicKey(ec.Public())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ours, pubPEM) {
				t.Fatalf("EncodeCosignPublicKey:\n%s\ncosign wrote:\n%s", ours, pubPEM)
			}
			if _, err := DecodeCosignKey(priv, []byte("trustvault-kaT")); !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("wrong passphrase: err %v", err)
			}
		})
	}
}

// TestCosignEnvelopeShape checks the exact JSON names, types and sizes
// cosign's reader expects, for every label and N.
func TestCosignEnvelopeShape(t *testing.T) {
	key := newP256(t)
	tests := []struct {
		name     string
		opts     CosignOptions
		wantType string
		wantN    float64
	}{
		{"default", CosignOptions{}, SigstorePEMType, 1 << 15},
		{"sigstore n16", CosignOptions{Label: "SIGSTORE", LogN: 16}, SigstorePEMType, 1 << 16},
		{"cosign label", CosignOptions{Label: "COSIGN"}, CosignPEMType, 1 << 15},
		{"lowercase cosign", CosignOptions{Label: "cosign", LogN: 15}, CosignPEMType, 1 << 15},
		{"n17", CosignOptions{LogN: 17}, SigstorePEMType, 1 << 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := EncodeCosignKey(key, []byte("pw"), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			block, rest := pem.Decode(out)
			if block == nil || len(bytes.TrimSpace(rest)) != 0 || block.Type != tt.wantType || len(block.Headers) != 0 {
				t.Fatalf("PEM: %v type %q, want one block of type %q", block == nil, block.Type, tt.wantType)
			}
			var doc map[string]any
			if err := json.Unmarshal(block.Bytes, &doc); err != nil {
				t.Fatal(err)
			}
			kdf, _ := doc["kdf"].(map[string]any)
			params, _ := kdf["params"].(map[string]any)
			cipher, _ := doc["cipher"].(map[string]any)
			assertKeys(t, "top", doc, "cipher", "ciphertext", "kdf")
			assertKeys(t, "kdf", kdf, "name", "params", "salt")
			assertKeys(t, "params", params, "N", "p", "r")
			assertKeys(t, "cipher", cipher, "name", "nonce")
			if kdf["name"] != "scrypt" || cipher["name"] != "nacl/secretbox" || params["N"] != tt.wantN || params["r"] != 8.0 || params["p"] != 1.0 {
				t.Fatalf("envelope %s", block.Bytes)
			}
			salt := stdBase64(t, kdf["salt"])
			nonce := stdBase64(t, cipher["nonce"])
			ct := stdBase64(t, doc["ciphertext"])
			der, _ := x509.MarshalPKCS8PrivateKey(key)
			if len(salt) != 32 || len(nonce) != 24 || len(ct) != len(der)+16 {
				t.Fatalf("salt %d nonce %d ciphertext %d bytes, want 32, 24, %d", len(salt), len(nonce), len(ct), len(der)+16)
			}
			back, err := DecodeCosignKey(out, []byte("pw"))
			if err != nil {
				t.Fatal(err)
			}
			if !key.Equal(back) {
				t.Fatal("round trip gave another key")
			}
		})
	}
}

func assertKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("%s fields %v, want %v", what, got, want)
	}
}

// stdBase64 decodes a JSON string as standard padded base64, as Go's
// encoding/json writes []byte and cosign reads it.
func stdBase64(t *testing.T, v any) []byte {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v is not a string", v)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		t.Fatalf("%q is not standard padded base64: %v", s, err)
	}
	return b
}

func TestEncodeCosignKeyRefuses(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p256 := newP256(t)
	tests := []struct {
		name    string
		key     crypto.PrivateKey
		pass    string
		opts    CosignOptions
		want    string
		wantErr error
	}{
		{"ed25519", edKey, "pw", CosignOptions{}, "cosign#5074", ErrUnsupportedKey},
		{"rsa", rsaKey, "pw", CosignOptions{}, "RSA-2048", ErrUnsupportedKey},
		{"p384", p384, "pw", CosignOptions{}, "P-384", ErrUnsupportedKey},
		{"not a key", "hello", "pw", CosignOptions{}, "string", ErrUnsupportedKey},
		{"empty passphrase", p256, "", CosignOptions{}, "passphrase is empty", ErrEmptyPassphrase},
		{"logN 14", p256, "pw", CosignOptions{LogN: 14}, "log2(N) 14", nil},
		{"logN 18", p256, "pw", CosignOptions{LogN: 18}, "log2(N) 18", nil},
		{"label", p256, "pw", CosignOptions{Label: "NOTARY"}, `label "NOTARY"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := EncodeCosignKey(tt.key, []byte(tt.pass), tt.opts)
			if err == nil || out != nil {
				t.Fatalf("got %d bytes, err %v; want a refusal", len(out), err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %q does not say %q", err, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v is not %v", err, tt.wantErr)
			}
		})
	}
}

// envelopePEM wraps a JSON body in a cosign PEM block.
func envelopePEM(body string) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: SigstorePEMType, Bytes: []byte(body)})
}

func TestDecodeCosignKeyRefuses(t *testing.T) {
	good, err := EncodeCosignKey(katKey(t), []byte("pw"), CosignOptions{Rand: &countingReader{}})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(good)
	var env cosignEnvelope
	if err := json.Unmarshal(block.Bytes, &env); err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(e *cosignEnvelope)) []byte {
		e := env
		e.Ciphertext = slices.Clone(env.Ciphertext)
		f(&e)
		b, _ := json.Marshal(e)
		return envelopePEM(string(b))
	}
	tests := []struct {
		name    string
		in      []byte
		pass    string
		want    string
		wantErr error
	}{
		{"too big", bytes.Repeat([]byte("A"), MaxCosignKeySize+1), "pw", "more than a cosign key file holds", nil},
		{"no PEM", []byte("hello"), "pw", "no PEM block", nil},
		{"plain key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}), "pw", `"PRIVATE KEY" is not a cosign key`, nil},
		{"notary key", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), "pw", "is not a cosign key", nil},
		{"not JSON", envelopePEM("{"), "pw", "not cosign's JSON", nil},
		{"huge N", mutate(func(e *cosignEnvelope) { e.KDF.Params.N = 1 << 20 }), "pw", "N=1048576", nil},
		{"N 2^18", mutate(func(e *cosignEnvelope) { e.KDF.Params.N = 1 << 18 }), "pw", "N=262144", nil},
		{"N 2^14", mutate(func(e *cosignEnvelope) { e.KDF.Params.N = 1 << 14 }), "pw", "N=16384", nil},
		{"r 16", mutate(func(e *cosignEnvelope) { e.KDF.Params.R = 16 }), "pw", "r=16", nil},
		{"kdf", mutate(func(e *cosignEnvelope) { e.KDF.Name = "pbkdf2" }), "pw", `"pbkdf2"`, nil},
		{"cipher", mutate(func(e *cosignEnvelope) { e.Cipher.Name = "aes" }), "pw", `"aes"`, nil},
		{"short nonce", mutate(func(e *cosignEnvelope) { e.Cipher.Nonce = e.Cipher.Nonce[:12] }), "pw", "nonce is 12 bytes", nil},
		{"no salt", mutate(func(e *cosignEnvelope) { e.KDF.Salt = nil }), "pw", "salt is empty", nil},
		{"short ciphertext", mutate(func(e *cosignEnvelope) { e.Ciphertext = e.Ciphertext[:8] }), "pw", "shorter than", nil},
		{"tampered", mutate(func(e *cosignEnvelope) { e.Ciphertext[20] ^= 1 }), "pw", "wrong passphrase", ErrWrongPassphrase},
		{"wrong passphrase", good, "pW", "wrong passphrase", ErrWrongPassphrase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := DecodeCosignKey(tt.in, []byte(tt.pass))
			if err == nil || k != nil {
				t.Fatalf("got a key, err %v; want a refusal", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %q does not say %q", err, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v is not %v", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), tt.pass) && len(tt.pass) > 1 {
				t.Fatalf("the passphrase appears in the error %q", err)
			}
		})
	}
}

func TestEncodeCosignPublicKey(t *testing.T) {
	key := katKey(t)
	out, err := EncodeCosignPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(out)
	if block == nil || block.Type != "PUBLIC KEY" || len(rest) != 0 {
		t.Fatalf("cosign.pub:\n%s", out)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(pub) {
		t.Fatal("cosign.pub holds another key")
	}
	// A P-256 SubjectPublicKeyInfo is a fixed 26-byte prefix (id-ecPublicKey,
	// prime256v1, BIT STRING) and the uncompressed point.
	prefix, _ := hex.DecodeString("3059301306072a8648ce3d020106082a8648ce3d030107034200")
	point, err := key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := append(prefix, point...); !bytes.Equal(block.Bytes, want) {
		t.Fatalf("SubjectPublicKeyInfo %x, want %x", block.Bytes, want)
	}
	pub2, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := EncodeCosignPublicKey(pub2); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("Ed25519 public key: err %v, want ErrUnsupportedKey", err)
	}
}
