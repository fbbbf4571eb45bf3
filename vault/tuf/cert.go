package tuf

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// RootCertificateValidity is how long notary's root certificates are valid.
const RootCertificateValidity = 10 * 365 * 24 * time.Hour

// NewRootCertificate makes the certificate that wraps a root key in
// root.json, as notary does when it initialises a repository: self-signed
// (ECDSA with SHA-256 for a P-256 key), subject and issuer CN = gun, a random
// 128-bit serial, valid from now for 10 years, KeyUsage DigitalSignature and
// KeyEncipherment (critical), ExtKeyUsage CodeSigning, BasicConstraints
// CA:FALSE (critical). It returns one PEM CERTIFICATE block.
//
// Because the CN is the GUN, one root key has a different certificate, and
// so a different x509 TUF ID, in each repository. random (nil: crypto/rand)
// supplies the serial and is passed to the signer.
func NewRootCertificate(signer crypto.Signer, gun string, now time.Time, random io.Reader) (certPEM []byte, err error) {
	if gun == "" {
		return nil, errors.New("root certificate: empty GUN")
	}
	if random == nil {
		random = rand.Reader
	}
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("root certificate for %s: serial: %w", gun, err)
	}
	start := now.UTC()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: gun},
		NotBefore:             start,
		NotAfter:              start.Add(RootCertificateValidity),
		KeyUsage:              x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("root certificate for %s: %w", gun, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
