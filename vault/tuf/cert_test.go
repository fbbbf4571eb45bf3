package tuf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"testing"
	"time"
)

func TestNewRootCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const gun = "notary.internal.example.com:4443/platform-team/app"
	certPEM, err := NewRootCertificate(key, gun, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" || len(block.Headers) != 0 || len(rest) != 0 {
		t.Fatalf("want exactly one header-less CERTIFICATE block, got %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}

	checks := []struct {
		name string
		ok   bool
	}{
		{"subject CN is the GUN", cert.Subject.CommonName == gun && cert.Subject.String() == "CN="+gun},
		{"issuer is the subject", cert.Issuer.String() == cert.Subject.String()},
		{"ECDSA with SHA-256", cert.SignatureAlgorithm == x509.ECDSAWithSHA256},
		{"serial of at most 128 bits", cert.SerialNumber.Sign() > 0 && cert.SerialNumber.BitLen() <= 128},
		{"valid from now", cert.NotBefore.Equal(now)},
		{"valid 10 years", cert.NotAfter.Equal(now.Add(3650 * 24 * time.Hour))},
		{"key usage", cert.KeyUsage == x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment},
		{"ext key usage code signing", len(cert.ExtKeyUsage) == 1 && cert.ExtKeyUsage[0] == x509.ExtKeyUsageCodeSigning},
		{"not a CA", cert.BasicConstraintsValid && !cert.IsCA},
		{"key usage critical", extensionCritical(cert, asn1.ObjectIdentifier{2, 5, 29, 15})},
		{"basic constraints critical", extensionCritical(cert, asn1.ObjectIdentifier{2, 5, 29, 19})},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: false", c.name)
		}
	}
}

func extensionCritical(cert *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical
		}
	}
	return false
}

func TestRootCertificateIDs(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := CanonicalID(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	x509IDs := map[string]string{}
	for _, gun := range []string{"docker.io/acme/web", "docker.io/acme/api"} {
		certPEM, err := NewRootCertificate(key, gun, time.Now(), nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := CertificateCanonicalID(certPEM)
		if err != nil {
			t.Fatal(err)
		}
		if id != canon {
			t.Errorf("%s: CertificateCanonicalID = %s, want the key's canonical ID %s", gun, id, canon)
		}
		tk, err := NewCertificateKey(certPEM)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Type != KeyTypeECDSAX509 || tk.ID() != KeyID(KeyTypeECDSAX509, certPEM) {
			t.Errorf("%s: TUF key %s %s, want ecdsa-x509 over the PEM", gun, tk.Type, tk.ID())
		}
		if id, _ := tk.CanonicalID(); id != canon {
			t.Errorf("%s: TUFKey.CanonicalID = %s, want %s", gun, id, canon)
		}
		if tk.ID() == canon {
			t.Errorf("%s: x509 ID equals the canonical ID", gun)
		}
		x509IDs[tk.ID()] = gun
	}
	if len(x509IDs) != 2 {
		t.Error("the x509 TUF ID is the same in two repositories, want one per GUN")
	}
}

func TestNewRootCertificateEmptyGUN(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := NewRootCertificate(key, "", time.Now(), nil); err == nil {
		t.Error("empty GUN accepted")
	}
}
