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
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// DefaultCertValidity is how long a certificate from NotationCertificate is
// valid when CertOptions.NotAfter is zero: one year, as notation cert
// generate-test does.
const DefaultCertValidity = 365 * 24 * time.Hour

// CertOptions describes the certificate NotationCertificate mints.
type CertOptions struct {
	// Subject must hold exactly one Country (two letters), Province (ST) and
	// Organization: a Notation trust policy names a trusted signer by an
	// x509.subject that must contain C, ST and O. Other attributes are
	// optional, at most one value each. ParseSubject reads the
	// "C=US, ST=WA, O=Example, CN=signer" form.
	Subject pkix.Name
	// NotBefore defaults to now; NotAfter to NotBefore + DefaultCertValidity.
	// Notation checks that the signing time falls inside them.
	NotBefore, NotAfter time.Time
	// Issuer and IssuerSigner sign the certificate when set: Issuer must be a
	// self-signed CA certificate with keyCertSign, and IssuerSigner its key.
	// Both nil gives a self-signed certificate.
	Issuer       *x509.Certificate
	IssuerSigner crypto.Signer
	// Rand supplies the serial number and is passed to the signer; nil means
	// crypto/rand.
	Rand io.Reader
}

// NotationCertificate mints a code-signing certificate for signer's key that
// Notation accepts when it signs and when it verifies
// (notation-core-go's code-signing certificate rules): KeyUsage present,
// critical and digitalSignature only; ExtKeyUsage codeSigning; Basic
// Constraints CA=false; a random 128-bit serial. It returns the PEM chain
// Notation's certPath file holds: the leaf, then the issuer when there is one.
//
// The key must be ECDSA P-256, P-384 or P-521, or RSA 2048, 3072 or 4096;
// Notation has no Ed25519. Never hand Notation notary's own root certificate
// instead: it sets keyEncipherment, which Notation rejects.
func NotationCertificate(signer crypto.Signer, opts CertOptions) ([]byte, error) {
	if signer == nil {
		return nil, errors.New("notation certificate: no key")
	}
	if err := notationKeySpec(signer.Public()); err != nil {
		return nil, err
	}
	if err := checkSubject(opts.Subject); err != nil {
		return nil, err
	}
	notBefore, notAfter, err := validity(opts)
	if err != nil {
		return nil, err
	}
	random := opts.Rand
	if random == nil {
		random = rand.Reader
	}
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("notation certificate: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)), // never 0
		Subject:               opts.Subject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	parent, parentSigner := tmpl, signer
	if opts.Issuer != nil || opts.IssuerSigner != nil {
		if err := checkIssuer(opts.Issuer, opts.IssuerSigner, notBefore, notAfter); err != nil {
			return nil, err
		}
		parent, parentSigner = opts.Issuer, opts.IssuerSigner
	}
	der, err := x509.CreateCertificate(random, tmpl, parent, signer.Public(), parentSigner)
	if err != nil {
		return nil, fmt.Errorf("notation certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("notation certificate: %w", err)
	}
	if err := CheckNotationLeaf(leaf); err != nil {
		return nil, err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if opts.Issuer != nil {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: opts.Issuer.Raw})...)
	}
	return out, nil
}

// validity fills in the defaults and checks the period.
func validity(opts CertOptions) (notBefore, notAfter time.Time, err error) {
	now := time.Now().UTC().Truncate(time.Second)
	notBefore = opts.NotBefore.UTC().Truncate(time.Second)
	if opts.NotBefore.IsZero() {
		notBefore = now
	}
	notAfter = opts.NotAfter.UTC().Truncate(time.Second)
	if opts.NotAfter.IsZero() {
		notAfter = notBefore.Add(DefaultCertValidity)
	}
	if !notAfter.After(notBefore) {
		return time.Time{}, time.Time{}, fmt.Errorf("notation certificate: not-after %s is not after not-before %s", notAfter.Format(time.RFC3339), notBefore.Format(time.RFC3339))
	}
	if notAfter.Before(now) {
		return time.Time{}, time.Time{}, fmt.Errorf("notation certificate: not-after %s is in the past; Notation would refuse every signature", notAfter.Format(time.RFC3339))
	}
	return notBefore, notAfter, nil
}

// checkIssuer accepts a self-signed CA certificate with keyCertSign whose key
// is issuerSigner's and whose validity covers the leaf's.
func checkIssuer(issuer *x509.Certificate, issuerSigner crypto.Signer, notBefore, notAfter time.Time) error {
	if issuer == nil || issuerSigner == nil {
		return errors.New("notation certificate: a CA needs both its certificate and its key")
	}
	subject := issuer.Subject.String()
	if !issuer.BasicConstraintsValid || !issuer.IsCA {
		return fmt.Errorf("notation certificate: issuer %q is not a CA certificate (basic constraints CA=true); Notation refuses such a chain", subject)
	}
	if issuer.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("notation certificate: issuer %q has no keyCertSign key usage; Notation refuses such a chain", subject)
	}
	if !bytes.Equal(issuer.RawSubject, issuer.RawIssuer) || issuer.CheckSignatureFrom(issuer) != nil {
		return fmt.Errorf("notation certificate: issuer %q is not a self-signed root; pass the root CA (intermediate CAs are not supported yet)", subject)
	}
	pub, ok := issuer.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(issuerSigner.Public()) {
		return fmt.Errorf("notation certificate: the CA key given is not the key of issuer %q", subject)
	}
	if err := notationKeySpec(issuer.PublicKey); err != nil {
		return fmt.Errorf("notation certificate: issuer %q: %w", subject, err)
	}
	if notBefore.Before(issuer.NotBefore) || notAfter.After(issuer.NotAfter) {
		return fmt.Errorf("notation certificate: the validity %s..%s reaches outside issuer %q's %s..%s; choose dates inside the CA's",
			notBefore.Format(time.DateOnly), notAfter.Format(time.DateOnly), subject,
			issuer.NotBefore.UTC().Format(time.DateOnly), issuer.NotAfter.UTC().Format(time.DateOnly))
	}
	return nil
}

// notationKeySpec accepts the key types Notation signs with.
func notationKeySpec(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return fmt.Errorf("notation: %w: ECDSA %s; Notation signs with P-256, P-384 or P-521 only", ErrUnsupportedKey, k.Curve.Params().Name)
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048, 3072, 4096:
			return nil
		}
		return fmt.Errorf("notation: %w: RSA-%d; Notation signs with RSA 2048, 3072 or 4096 only", ErrUnsupportedKey, k.N.BitLen())
	case ed25519.PublicKey:
		return fmt.Errorf("notation: %w: Ed25519; Notation has no Ed25519 support, so this key cannot move to Notation (make a fresh P-256 key)", ErrUnsupportedKey)
	default:
		return fmt.Errorf("notation: %w: %T", ErrUnsupportedKey, pub)
	}
}

// forbiddenLeafUsages are the key usages Notation refuses in a signing leaf,
// with the names its error messages use.
var forbiddenLeafUsages = []struct {
	usage x509.KeyUsage
	name  string
}{
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

// forbiddenLeafEKUs are the extended key usages Notation refuses in a leaf.
var forbiddenLeafEKUs = []struct {
	eku  x509.ExtKeyUsage
	name string
}{
	{x509.ExtKeyUsageServerAuth, "serverAuth"},
	{x509.ExtKeyUsageClientAuth, "clientAuth"},
	{x509.ExtKeyUsageEmailProtection, "emailProtection"},
	{x509.ExtKeyUsageTimeStamping, "timeStamping"},
	{x509.ExtKeyUsageOCSPSigning, "OCSPSigning"},
}

var oidKeyUsage = []int{2, 5, 29, 15}

// CheckNotationLeaf applies Notation's rules for a signing (leaf)
// certificate and says which one fails: KeyUsage present, critical, with
// digitalSignature and nothing from keyEncipherment, dataEncipherment,
// keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly; not a CA;
// no serverAuth, clientAuth, emailProtection, timeStamping or OCSPSigning
// extended key usage; a key type Notation signs with. notary's root
// certificates fail it (keyEncipherment).
func CheckNotationLeaf(cert *x509.Certificate) error {
	subject := cert.Subject.String()
	var kuCritical, kuPresent bool
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidKeyUsage) {
			kuPresent, kuCritical = true, ext.Critical
		}
	}
	switch {
	case !kuPresent:
		return fmt.Errorf("notation: certificate %q has no key usage extension; Notation needs one, critical, with digitalSignature only", subject)
	case !kuCritical:
		return fmt.Errorf("notation: certificate %q has a key usage extension that is not critical; Notation needs it critical", subject)
	case cert.KeyUsage&x509.KeyUsageDigitalSignature == 0:
		return fmt.Errorf("notation: certificate %q lacks the digitalSignature key usage", subject)
	}
	for _, f := range forbiddenLeafUsages {
		if cert.KeyUsage&f.usage != 0 {
			return fmt.Errorf("notation: certificate %q has the %s key usage; Notation accepts digitalSignature only (notary's own root certificates set keyEncipherment: mint a new certificate)", subject, f.name)
		}
	}
	if cert.BasicConstraintsValid && cert.IsCA {
		return fmt.Errorf("notation: certificate %q is a CA certificate; a Notation signing certificate must have CA=false", subject)
	}
	for _, eku := range cert.ExtKeyUsage {
		for _, f := range forbiddenLeafEKUs {
			if eku == f.eku {
				return fmt.Errorf("notation: certificate %q has the %s extended key usage, which Notation refuses in a signing certificate", subject, f.name)
			}
		}
	}
	return notationKeySpec(cert.PublicKey)
}

// PlainKeyPEM encodes key as an unencrypted PKCS#8 "PRIVATE KEY" PEM block,
// the only form Notation's local keys take (it loads them with Go's
// tls.LoadX509KeyPair and has no passphrase support). The result is the
// private key in the clear: write it only on the person's explicit request,
// with mode 0600, and zero the slice afterwards.
func PlainKeyPEM(key crypto.Signer) ([]byte, error) {
	if key == nil {
		return nil, errors.New("notation key: no key")
	}
	if err := notationKeySpec(key.Public()); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("notation key: PKCS#8: %w", err)
	}
	defer clear(der)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
