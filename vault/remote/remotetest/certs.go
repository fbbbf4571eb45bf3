package remotetest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// authority is the rig's own certificate authority, made at test time
// (notary's fixture certificates expired in 2021).
type authority struct{ leaf }

// leaf is a certificate (issued by the rig's authority, or self-signed) and
// its key.
type leaf struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

// newCert makes a fresh P-256 key (what names it in errors) and a
// certificate for it from tmpl, valid from an hour ago for lifetime:
// signed by issuer, or self-signed when issuer is nil.
func newCert(what string, tmpl *x509.Certificate, lifetime time.Duration, issuer *authority) (*leaf, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("remotetest: %s key: %w", what, err)
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120)); err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(lifetime)
	parent, signer := tmpl, crypto.Signer(key)
	if issuer != nil {
		parent, signer = issuer.cert, issuer.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("remotetest: %s certificate: %w", what, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &leaf{cert: cert, der: der, key: key}, nil
}

// newAuthority makes a P-256 CA valid from an hour ago for a day.
func newAuthority() (*authority, error) {
	l, err := newCert("CA", &x509.Certificate{
		Subject:               pkix.Name{CommonName: "trustvault notary rig CA"},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}, 24*time.Hour, nil)
	if err != nil {
		return nil, err
	}
	return &authority{*l}, nil
}

// issue makes a certificate for 127.0.0.1, ::1 and localhost, usable by a
// TLS server and as a TLS client certificate (notary-server presents it to
// notary-signer).
func (a *authority) issue(cn string) (*leaf, error) {
	return newCert(cn, &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}, 24*time.Hour, a)
}

// writeCert writes a certificate as PEM.
func writeCert(path string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// writeKey writes a private key as unencrypted PKCS#8 PEM, mode 0600. These
// are throw-away test keys for TLS and tokens, never trust keys.
func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// writeLeaf writes dir/name.crt and dir/name.key and returns their paths.
func writeLeaf(dir, name string, l *leaf) (certFile, keyFile string, err error) {
	certFile = filepath.Join(dir, name+".crt")
	keyFile = filepath.Join(dir, name+".key")
	if err = writeCert(certFile, l.der); err != nil {
		return "", "", err
	}
	if err = writeKey(keyFile, l.key); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// DelegationKey is a key pair for a delegation role as the notary CLI takes
// it: a self-signed certificate for `notary delegation add` and the private
// key (unencrypted PKCS#8 PEM) for `notary key import`.
type DelegationKey struct {
	CertFile string
	KeyFile  string
	Cert     *x509.Certificate
}

// NewDelegationKey writes a fresh ECDSA P-256 key and a self-signed
// certificate for it (common name cn, valid for a year) into dir.
func NewDelegationKey(dir, cn string) (*DelegationKey, error) {
	l, err := newCert("delegation", &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true,
	}, 365*24*time.Hour, nil)
	if err != nil {
		return nil, err
	}
	certFile, keyFile, err := writeLeaf(dir, cn, l)
	if err != nil {
		return nil, err
	}
	return &DelegationKey{CertFile: certFile, KeyFile: keyFile, Cert: l.cert}, nil
}
