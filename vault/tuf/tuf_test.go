package tuf

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestMarshalCanonical(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, `null`},
		{"bools", []any{true, false}, `[true,false]`},
		{"integers", []any{0, -3, int64(1) << 40, json.Number("123456789012")}, `[0,-3,1099511627776,123456789012]`},
		{"keys sorted bytewise", map[string]any{"b": 1, "_type": 2, "B": 3, "a": 4}, `{"B":3,"_type":2,"a":4,"b":1}`},
		{"nested, no whitespace", map[string]any{"x": map[string]any{"z": []string{"1", "2"}, "y": []any{}}}, `{"x":{"y":[],"z":["1","2"]}}`},
		{"empty containers", []any{map[string]any{}, []string{}}, `[{},[]]`},
		{"bytes are base64", map[string]any{"public": []byte{0xff, 0x00, 0x10}, "private": []byte(nil)}, `{"private":null,"public":"/wAQ"}`},
		{"no HTML escaping", "<a>&b", `"<a>&b"`},
		{"quote and backslash", `say "hi" \o/`, `"say \"hi\" \\o/"`},
		{"control characters are raw", "a\nb\tc\x01", "\"a\nb\tc\x01\""},
		{"unicode kept", "zürich ✓", `"zürich ✓"`},
		{"line separators raw", "a\u2028b\u2029c", "\"a\u2028b\u2029c\""},
		{"invalid utf-8 raw", "a\xffb", "\"a\xffb\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MarshalCanonical(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMarshalCanonicalRejects(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"float", 1.5},
		{"fractional number", json.Number("1.5")},
		{"exponent number", json.Number("1e3")},
		{"leading zero", json.Number("01")},
		{"nested unsupported", map[string]any{"a": []any{struct{}{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := MarshalCanonical(tt.in); err == nil {
				t.Errorf("MarshalCanonical(%v) = %s, want an error", tt.in, got)
			}
		})
	}
}

// TestMarshalCanonicalMatchesEncodingJSON checks that for plain ASCII data
// the encoder agrees with encoding/json (which also sorts map keys) with
// HTML escaping off.
func TestMarshalCanonicalMatchesEncodingJSON(t *testing.T) {
	v := RootSigned(
		map[string]Key{"ab": {Type: KeyTypeED25519, Public: bytes.Repeat([]byte{7}, 32)}},
		map[string]Role{"root": {KeyIDs: []string{"ab"}, Threshold: 1}},
		time.Date(2036, 11, 21, 22, 14, 15, 123456789, time.UTC), 3)
	got, err := MarshalCanonical(v)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if string(got) != strings.TrimSuffix(want.String(), "\n") {
		t.Errorf("got  %s\nwant %s", got, want.String())
	}
}

func TestTUFKeyID(t *testing.T) {
	for name, signer := range testSigners(t) {
		t.Run(name, func(t *testing.T) {
			k, err := NewKey(signer.Public())
			if err != nil {
				t.Fatal(err)
			}
			canon, err := CanonicalID(signer.Public())
			if err != nil {
				t.Fatal(err)
			}
			doc, err := MarshalCanonical(k.json())
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(doc)
			if got := hex.EncodeToString(sum[:]); got != k.ID() || got != canon {
				t.Errorf("hash of key object %s, TUFKey.ID %s, CanonicalID %s: want all equal", got, k.ID(), canon)
			}
			pub, err := k.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			if id, _ := CanonicalID(pub); id != canon {
				t.Errorf("PublicKey round trip gave ID %s, want %s", id, canon)
			}
		})
	}
}

func TestFormatExpires(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"nanoseconds", time.Date(2036, 11, 21, 22, 14, 15, 123456789, time.UTC), "2036-11-21T22:14:15.123456789Z"},
		{"trailing zeros dropped", time.Date(2036, 11, 21, 22, 14, 15, 120000000, time.UTC), "2036-11-21T22:14:15.12Z"},
		{"whole seconds", time.Date(2036, 11, 21, 22, 14, 15, 0, time.UTC), "2036-11-21T22:14:15Z"},
		{"converted to UTC", time.Date(2036, 11, 21, 23, 14, 15, 0, time.FixedZone("CET", 3600)), "2036-11-21T22:14:15Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatExpires(tt.in); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDefaultExpiry(t *testing.T) {
	tests := []struct {
		role string
		want time.Duration
	}{
		{"root", 3650 * 24 * time.Hour},
		{"targets", 1095 * 24 * time.Hour},
		{"targets/releases", 1095 * 24 * time.Hour},
		{"snapshot", 1095 * 24 * time.Hour},
		{"timestamp", 14 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			if got := DefaultExpiry(tt.role); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	signers := testSigners(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherKey, _ := NewKey(other.Public())
	signed := TargetsSigned(
		map[string]FileMeta{"latest": {Length: 528, Hashes: map[string][]byte{"sha256": make([]byte, 32)}}},
		nil, nil, time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC), 2)
	for name, signer := range signers {
		t.Run(name, func(t *testing.T) {
			key, _ := NewKey(signer.Public())
			file, err := Sign(signed, rand.Reader, Signer{KeyID: key.ID(), Signer: signer})
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(file, key); err != nil {
				t.Errorf("verify: %v", err)
			}
			m, err := Parse(file)
			if err != nil {
				t.Fatal(err)
			}
			if name == "ecdsa" && len(m.Signatures[0].Sig) != 64 {
				t.Errorf("ecdsa signature is %d bytes, want raw r||s of 64", len(m.Signatures[0].Sig))
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, file, "", "  "); err != nil {
				t.Fatal(err)
			}
			if err := Verify(indented.Bytes(), key); err != nil {
				t.Errorf("verify re-indented file: %v", err)
			}
			tampered := bytes.Replace(file, []byte(`"length":528`), []byte(`"length":529`), 1)
			if err := Verify(tampered, key); !errors.Is(err, ErrBadSignature) {
				t.Errorf("verify tampered file: %v, want ErrBadSignature", err)
			}
			if err := Verify(file, otherKey); !errors.Is(err, ErrBadSignature) {
				t.Errorf("verify with another key: %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestSignMetadataShape(t *testing.T) {
	signer, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := NewRootCertificate(signer, "docker.io/acme/web", time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rootKey, err := NewCertificateKey(cert)
	if err != nil {
		t.Fatal(err)
	}
	id := rootKey.ID()
	expires := time.Date(2036, 11, 21, 22, 14, 15, 123456789, time.UTC)
	signed := RootSigned(map[string]Key{id: rootKey}, map[string]Role{
		"root": {KeyIDs: []string{id}, Threshold: 1},
	}, expires, 1)
	file, err := Sign(signed, nil, Signer{KeyID: id, Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix := `{"signed":{"_type":"Root","consistent_snapshot":false,"expires":"2036-11-21T22:14:15.123456789Z","keys":{"` +
		id + `":{"keytype":"ecdsa-x509","keyval":{"private":null,"public":"LS0tLS1CRUdJTi`
	if !strings.HasPrefix(string(file), wantPrefix) {
		t.Errorf("file starts %.200s\nwant        %s", file, wantPrefix)
	}
	wantTail := `"roles":{"root":{"keyids":["` + id + `"],"threshold":1}},"version":1},"signatures":[{"keyid":"` + id + `","method":"ecdsa","sig":"`
	if !strings.Contains(string(file), wantTail) {
		t.Errorf("file %s\nlacks %s", file, wantTail)
	}
	if err := Verify(file, rootKey); err != nil {
		t.Errorf("verify root: %v", err)
	}
	again, _ := Sign(signed, nil, Signer{KeyID: id, Signer: signer})
	if !bytes.Equal(file, again) {
		t.Error("signing twice with nil rand gave different files, want RFC 6979 determinism")
	}
}

func TestTargetsSignedDelegations(t *testing.T) {
	k := Key{Type: KeyTypeECDSA, Public: []byte{1, 2}}
	signed := TargetsSigned(nil, map[string]Key{k.ID(): k}, []Delegation{
		{Name: "targets/releases", KeyIDs: []string{k.ID()}, Threshold: 1, Paths: []string{""}},
	}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 4)
	got, err := MarshalCanonical(signed)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_type":"Targets","delegations":{"keys":{"` + k.ID() + `":{"keytype":"ecdsa","keyval":{"private":null,"public":"AQI="}}},` +
		`"roles":[{"keyids":["` + k.ID() + `"],"name":"targets/releases","paths":[""],"threshold":1}]},` +
		`"expires":"2030-01-01T00:00:00Z","targets":{},"version":4}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestSnapshotTimestampMeta(t *testing.T) {
	data := []byte("root file")
	fm := NewFileMeta(data)
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	signer := ed25519.NewKeyFromSeed(make([]byte, 32))
	key, _ := NewKey(signer.Public())
	snap, err := Sign(SnapshotSigned(map[string]FileMeta{"root": fm}, exp, 1), nil, Signer{KeyID: key.ID(), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := Sign(TimestampSigned(NewFileMeta(snap), exp, 1), nil, Signer{KeyID: key.ID(), Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(ts)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Meta["snapshot"]
	sum := sha256.Sum256(snap)
	if got.Length != int64(len(snap)) || !bytes.Equal(got.Hashes["sha256"], sum[:]) || len(got.Hashes["sha512"]) != 64 {
		t.Errorf("timestamp meta.snapshot = %+v, want length %d and both hashes of snapshot.json", got, len(snap))
	}
	if m.Type != TypeTimestamp || m.Version != 1 || !m.Expires.Equal(exp) {
		t.Errorf("timestamp common fields = %s v%d %v", m.Type, m.Version, m.Expires)
	}
}

func TestECDSARawPadding(t *testing.T) {
	small := big.NewInt(5)
	der, _ := asn1.Marshal(struct{ R, S *big.Int }{small, new(big.Int).Lsh(big.NewInt(1), 255)})
	raw, err := ecdsaRaw(der, 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 64 || raw[31] != 5 || raw[0] != 0 || raw[32] != 0x80 {
		t.Errorf("raw = %x, want r left-padded to 32 bytes then s", raw)
	}
	big, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).Lsh(big.NewInt(1), 256), small})
	if _, err := ecdsaRaw(big, 32); err == nil {
		t.Error("r of 33 bytes accepted")
	}
}

// testSigners returns one key of each algorithm TUF metadata uses.
func testSigners(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"ecdsa": ec, "ed25519": ed, "rsa": rs}
}
