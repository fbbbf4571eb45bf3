package tuf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// TUF key types as they appear in metadata "keytype" fields.
const (
	KeyTypeECDSA     = "ecdsa"
	KeyTypeECDSAX509 = "ecdsa-x509"
	KeyTypeRSA       = "rsa"
	KeyTypeRSAX509   = "rsa-x509"
	KeyTypeED25519   = "ed25519"
)

// TUFKeyID is the TUF key ID of a public key as metadata carries it: the
// SHA-256 of the canonical JSON
// {"keytype":"<t>","keyval":{"private":null,"public":"<base64>"}}.
// Key types, and base64 of standard alphabet, contain no character that
// canonical JSON would escape, so the bytes are built directly.
func KeyID(keyType string, public []byte) string {
	doc := `{"keytype":"` + keyType + `","keyval":{"private":null,"public":"` +
		base64.StdEncoding.EncodeToString(public) + `"}}`
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// PublicKeyMaterial returns the TUF key type and the "public" bytes of a bare
// public key: PKIX DER for ECDSA and RSA, the raw 32 bytes for Ed25519.
func PublicKeyMaterial(pub crypto.PublicKey) (keyType string, public []byte, err error) {
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(p)
		return KeyTypeECDSA, der, err
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(p)
		return KeyTypeRSA, der, err
	case ed25519.PublicKey:
		return KeyTypeED25519, []byte(p), nil
	default:
		return "", nil, fmt.Errorf("unsupported public key type %T", pub)
	}
}

// CanonicalID is the canonical key ID of a public key: the ID notary and
// docker use for file names and `notary key list`.
func CanonicalID(pub crypto.PublicKey) (string, error) {
	t, b, err := PublicKeyMaterial(pub)
	if err != nil {
		return "", err
	}
	return KeyID(t, b), nil
}

// CertificateCanonicalID maps the "public" value of an ecdsa-x509 or rsa-x509
// key in root.json (PEM CERTIFICATE blocks) to the canonical ID of the
// certificate's public key, which is the ID of the private key file. It takes
// the first CERTIFICATE block without headers, as notary does.
func CertificateCanonicalID(certPEM []byte) (string, error) {
	cert, err := firstCertificate(certPEM)
	if err != nil {
		return "", err
	}
	return CanonicalID(cert.PublicKey)
}
