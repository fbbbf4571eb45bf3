package tuf

// TUF metadata as notary writes it: canonical JSON, key objects, and the
// signed envelope {"signed":{...},"signatures":[...]}.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/trustvault/trustvault/vault/keyrole"
)

// Signature methods in TUF metadata.
const (
	MethodECDSA  = "ecdsa"  // raw r||s over SHA-256
	MethodEdDSA  = "eddsa"  // Ed25519
	MethodRSAPSS = "rsapss" // RSASSA-PSS with SHA-256, salt length = hash length
)

// TUF "_type" values of the four base metadata files (delegations are
// "Targets" too).
const (
	TypeRoot      = "Root"
	TypeTargets   = "Targets"
	TypeSnapshot  = "Snapshot"
	TypeTimestamp = "Timestamp"
)

// Notary's default metadata lifetimes (notary.Notary*Expiry). A year is 365
// days, as notary counts it.
const (
	RootExpiry      = 10 * 365 * 24 * time.Hour
	TargetsExpiry   = 3 * 365 * 24 * time.Hour
	SnapshotExpiry  = 3 * 365 * 24 * time.Hour
	TimestampExpiry = 14 * 24 * time.Hour
)

// DefaultExpiry returns notary's default lifetime of a role's metadata:
// delegations live as long as targets.
func DefaultExpiry(role string) time.Duration {
	switch keyrole.KindOf(role) {
	case keyrole.Root:
		return RootExpiry
	case keyrole.Snapshot:
		return SnapshotExpiry
	case keyrole.Timestamp:
		return TimestampExpiry
	default:
		return TargetsExpiry
	}
}

// FormatExpires formats an expiry as notary does (RFC 3339 in UTC with
// nanoseconds, trailing zeros dropped: "2036-11-21T22:14:15.123456789Z").
func FormatExpires(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// TUFKey is a public key as TUF metadata carries it.
type Key struct {
	// Type is the "keytype": ecdsa, ecdsa-x509, rsa, rsa-x509 or ed25519.
	Type string
	// Public is the decoded "public" value: PKIX DER (ecdsa, rsa), the raw 32
	// bytes (ed25519) or PEM CERTIFICATE blocks (the x509 types).
	Public []byte
}

// ID is the key's TUF ID (for x509 keys, the x509 ID, not the file name).
func (k Key) ID() string { return KeyID(k.Type, k.Public) }

// CanonicalID is the ID of the private key file: the TUF ID, or for a
// certificate-wrapped key the canonical ID of the certificate's public key.
func (k Key) CanonicalID() (string, error) {
	if k.Type == KeyTypeECDSAX509 || k.Type == KeyTypeRSAX509 {
		return CertificateCanonicalID(k.Public)
	}
	return k.ID(), nil
}

// PublicKey parses the key into a crypto.PublicKey.
func (k Key) PublicKey() (crypto.PublicKey, error) {
	switch k.Type {
	case KeyTypeECDSA, KeyTypeRSA:
		return x509.ParsePKIXPublicKey(k.Public)
	case KeyTypeED25519:
		if len(k.Public) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("ed25519 public key is %d bytes, want %d", len(k.Public), ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(bytes.Clone(k.Public)), nil
	case KeyTypeECDSAX509, KeyTypeRSAX509:
		cert, err := firstCertificate(k.Public)
		if err != nil {
			return nil, err
		}
		return cert.PublicKey, nil
	default:
		return nil, fmt.Errorf("unsupported key type %q", k.Type)
	}
}

// json is the key object {"keytype":..,"keyval":{"private":null,"public":..}}.
func (k Key) json() map[string]any {
	return map[string]any{
		"keytype": k.Type,
		"keyval":  map[string]any{"private": nil, "public": k.Public},
	}
}

// NewTUFKey describes a bare public key (ECDSA, RSA or Ed25519).
func NewKey(pub crypto.PublicKey) (Key, error) {
	t, b, err := PublicKeyMaterial(pub)
	if err != nil {
		return Key{}, err
	}
	return Key{Type: t, Public: b}, nil
}

// NewCertificateTUFKey describes a root key by its certificate (PEM), as
// root.json carries it: ecdsa-x509 or rsa-x509.
func NewCertificateKey(certPEM []byte) (Key, error) {
	cert, err := firstCertificate(certPEM)
	if err != nil {
		return Key{}, err
	}
	switch cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return Key{Type: KeyTypeECDSAX509, Public: bytes.Clone(certPEM)}, nil
	case *rsa.PublicKey:
		return Key{Type: KeyTypeRSAX509, Public: bytes.Clone(certPEM)}, nil
	default:
		return Key{}, fmt.Errorf("unsupported certificate key type %T", cert.PublicKey)
	}
}

// firstCertificate parses the first header-less CERTIFICATE block.
func firstCertificate(certPEM []byte) (*x509.Certificate, error) {
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no CERTIFICATE block in the key's public value")
		}
		if block.Type == "CERTIFICATE" && len(block.Headers) == 0 {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse certificate: %w", err)
			}
			return cert, nil
		}
	}
}

// TUFRole is a role's key IDs and threshold, as root.json "roles" holds them.
type Role struct {
	KeyIDs    []string
	Threshold int
}

// TUFDelegation is one entry of a targets file's delegations.roles.
type Delegation struct {
	Name      string // "targets/releases"
	KeyIDs    []string
	Threshold int
	// Paths are the target path prefixes; docker delegates [""] (all).
	Paths []string
}

// TUFFileMeta is the length and hashes of a file, as targets, snapshot and
// timestamp metadata list them.
type FileMeta struct {
	Length int64
	// Hashes maps "sha256"/"sha512" to the raw digest.
	Hashes map[string][]byte
}

// NewTUFFileMeta describes data with SHA-256 and SHA-512, as notary
// describes metadata files in snapshot and timestamp.
func NewFileMeta(data []byte) FileMeta {
	s256 := sha256.Sum256(data)
	s512 := sha512.Sum512(data)
	return FileMeta{
		Length: int64(len(data)),
		Hashes: map[string][]byte{"sha256": s256[:], "sha512": s512[:]},
	}
}

func (f FileMeta) json() map[string]any {
	h := make(map[string]any, len(f.Hashes))
	for k, v := range f.Hashes {
		h[k] = v
	}
	return map[string]any{"length": f.Length, "hashes": h}
}

func fileMetaMap(files map[string]FileMeta) map[string]any {
	m := make(map[string]any, len(files))
	for name, f := range files {
		m[name] = f.json()
	}
	return m
}

func keyMap(keys map[string]Key) map[string]any {
	m := make(map[string]any, len(keys))
	for id, k := range keys {
		m[id] = k.json()
	}
	return m
}

// common holds the fields every signed object has.
func common(typ string, expires time.Time, version int) map[string]any {
	return map[string]any{"_type": typ, "expires": FormatExpires(expires), "version": version}
}

// RootSigned builds the "signed" object of root.json. roles maps "root",
// "targets", "snapshot" and "timestamp" to their keys; keys holds every key
// the roles name (the root key as NewCertificateTUFKey describes it).
func RootSigned(keys map[string]Key, roles map[string]Role, expires time.Time, version int) map[string]any {
	r := make(map[string]any, len(roles))
	for name, role := range roles {
		r[name] = map[string]any{"keyids": stringsOrEmpty(role.KeyIDs), "threshold": role.Threshold}
	}
	m := common(TypeRoot, expires, version)
	m["consistent_snapshot"] = false
	m["keys"] = keyMap(keys)
	m["roles"] = r
	return m
}

// TargetsSigned builds the "signed" object of targets.json or of a
// delegation's targets/<name>.json: targets maps target names (docker: tags)
// to their meta; delegations and their keys may be empty.
func TargetsSigned(targets map[string]FileMeta, delegationKeys map[string]Key, delegations []Delegation, expires time.Time, version int) map[string]any {
	roles := make([]any, 0, len(delegations))
	for _, d := range delegations {
		role := map[string]any{"name": d.Name, "keyids": stringsOrEmpty(d.KeyIDs), "threshold": d.Threshold}
		if len(d.Paths) > 0 { // notary: paths,omitempty
			role["paths"] = d.Paths
		}
		roles = append(roles, role)
	}
	m := common(TypeTargets, expires, version)
	m["targets"] = fileMetaMap(targets)
	m["delegations"] = map[string]any{"keys": keyMap(delegationKeys), "roles": roles}
	return m
}

// SnapshotSigned builds the "signed" object of snapshot.json: meta maps
// "root", "targets" and each delegation that has a file to its file meta.
func SnapshotSigned(meta map[string]FileMeta, expires time.Time, version int) map[string]any {
	m := common(TypeSnapshot, expires, version)
	m["meta"] = fileMetaMap(meta)
	return m
}

// TimestampSigned builds the "signed" object of timestamp.json.
func TimestampSigned(snapshot FileMeta, expires time.Time, version int) map[string]any {
	m := common(TypeTimestamp, expires, version)
	m["meta"] = fileMetaMap(map[string]FileMeta{"snapshot": snapshot})
	return m
}

func stringsOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// MetadataSigner is a key that signs metadata and the key ID its signature
// names (for a root key, the x509 TUF ID of the certificate in root.json).
type Signer struct {
	KeyID  string
	Signer crypto.Signer
}

// SignMetadata signs a "signed" object and returns the metadata file:
// {"signed":<canonical JSON>,"signatures":[...]}, as notary writes it.
// rand is passed to the signers; nil makes ECDSA software keys sign
// deterministically (RFC 6979), which a hardware signer may refuse.
func Sign(signed map[string]any, rand io.Reader, signers ...Signer) ([]byte, error) {
	msg, err := MarshalCanonical(signed)
	if err != nil {
		return nil, fmt.Errorf("encode signed metadata: %w", err)
	}
	sigs := make([]any, 0, len(signers))
	for _, s := range signers {
		method, sig, err := signTUF(s.Signer, msg, rand)
		if err != nil {
			return nil, fmt.Errorf("sign metadata with key %s: %w", shortID(s.KeyID), err)
		}
		sigs = append(sigs, map[string]any{"keyid": s.KeyID, "method": method, "sig": sig})
	}
	tail, err := MarshalCanonical(sigs)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(`{"signed":`)
	out.Write(msg)
	out.WriteString(`,"signatures":`)
	out.Write(tail)
	out.WriteByte('}')
	return out.Bytes(), nil
}

// signTUF signs msg as TUF expects for the signer's key type.
func signTUF(signer crypto.Signer, msg []byte, rand io.Reader) (method string, sig []byte, err error) {
	digest := sha256.Sum256(msg)
	switch pub := signer.Public().(type) {
	case *ecdsa.PublicKey:
		der, err := signer.Sign(rand, digest[:], crypto.SHA256)
		if err != nil {
			return "", nil, err
		}
		raw, err := ecdsaRaw(der, (pub.Curve.Params().BitSize+7)/8)
		return MethodECDSA, raw, err
	case ed25519.PublicKey:
		sig, err := signer.Sign(rand, msg, crypto.Hash(0))
		return MethodEdDSA, sig, err
	case *rsa.PublicKey:
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		sig, err := signer.Sign(rand, digest[:], opts)
		return MethodRSAPSS, sig, err
	default:
		return "", nil, fmt.Errorf("unsupported key type %T", pub)
	}
}

// ecdsaRaw converts an ASN.1 ECDSA signature to r||s, each padded to size.
func ecdsaRaw(der []byte, size int) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &rs)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("malformed ECDSA signature")
	}
	if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || len(rs.R.Bytes()) > size || len(rs.S.Bytes()) > size {
		return nil, errors.New("ECDSA signature out of range")
	}
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

// ErrBadSignature means metadata carries no valid signature by a key.
var ErrBadSignature = errors.New("no valid signature")

// VerifyMetadata checks that a metadata file carries a valid signature by
// key. The signed object is re-encoded as canonical JSON first, as notary
// does, so files that are not byte-canonical still verify.
func Verify(data []byte, key Key) error {
	m, err := Parse(data)
	if err != nil {
		return err
	}
	return m.Verify(key)
}

// Verify checks that the metadata carries a valid signature by key.
func (m *Metadata) Verify(key Key) error {
	pub, err := key.PublicKey()
	if err != nil {
		return fmt.Errorf("key %s: %w", shortID(key.ID()), err)
	}
	msg, err := canonicalizeJSON(m.Signed)
	if err != nil {
		return fmt.Errorf("re-encode signed metadata: %w", err)
	}
	id := key.ID()
	for _, s := range m.Signatures {
		if s.KeyID == id && verifyTUF(pub, s.Method, msg, s.Sig) {
			return nil
		}
	}
	return fmt.Errorf("key %s: %w", shortID(id), ErrBadSignature)
}

// verifyTUF verifies one signature; an unknown method or key type is false.
func verifyTUF(pub crypto.PublicKey, method string, msg, sig []byte) bool {
	digest := sha256.Sum256(msg)
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		size := (p.Curve.Params().BitSize + 7) / 8
		if method != MethodECDSA || len(sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(p, digest[:], r, s)
	case ed25519.PublicKey:
		return method == MethodEdDSA && ed25519.Verify(p, msg, sig)
	case *rsa.PublicKey:
		switch method {
		case MethodRSAPSS:
			opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
			return rsa.VerifyPSS(p, crypto.SHA256, digest[:], sig, opts) == nil
		case "rsapkcs1v15":
			return rsa.VerifyPKCS1v15(p, crypto.SHA256, digest[:], sig) == nil
		}
	}
	return false
}

// canonicalizeJSON decodes JSON (numbers kept as written) and re-encodes it
// as canonical JSON.
func canonicalizeJSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return MarshalCanonical(v)
}

// MarshalCanonical encodes v as canonical JSON as docker/go's
// canonical/json does for notary: object keys sorted bytewise, no
// whitespace, only '"' and '\' escaped in strings (no HTML escaping, no
// \u escapes at all: other bytes are copied as they are), integers only.
// Checked byte for byte against docker/go's MarshalCanonical as notary
// v0.7.0 pins it.
//
// v is built from nil, bool, string, int, int64, json.Number (an integer),
// []byte (standard base64, nil is null), []string, []any and map[string]any.
func MarshalCanonical(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeCanonical(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encodeCanonical(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		writeCanonicalString(b, v)
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case json.Number:
		if !isJSONInteger(string(v)) {
			return fmt.Errorf("canonical json: number %.40q is not an integer", string(v))
		}
		b.WriteString(string(v))
	case []byte:
		if v == nil {
			b.WriteString("null")
			return nil
		}
		b.WriteByte('"')
		b.WriteString(base64.StdEncoding.EncodeToString(v))
		b.WriteByte('"')
	case []string:
		b.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonicalString(b, s)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeCanonical(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonicalString(b, k)
			b.WriteByte(':')
			if err := encodeCanonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("canonical json: unsupported type %T", v)
	}
	return nil
}

// writeCanonicalString writes s the way docker/go's canonical encoder (at
// notary v0.7.0's pin) does: '"' and '\' are escaped, every other byte is
// written as it is, including control characters, U+2028/U+2029 and invalid
// UTF-8.
func writeCanonicalString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// isJSONInteger reports whether s is -?(0|[1-9][0-9]*).
func isJSONInteger(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// shortID is the first 7 characters of a key ID, as notary prints it.
func shortID(id string) string {
	if len(id) > 7 {
		return id[:7]
	}
	return id
}
