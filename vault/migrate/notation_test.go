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
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/tuf"
)

func testSubject() pkix.Name {
	return pkix.Name{Country: []string{"DE"}, Province: []string{"Berlin"}, Organization: []string{"Example GmbH"}, CommonName: "release signer"}
}

// makeCA mints a self-signed root CA for the tests.
func makeCA(t testing.TB, usage x509.KeyUsage, isCA bool) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newP256(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{Country: []string{"DE"}, Province: []string{"Berlin"}, Organization: []string{"Example CA"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(5 * 365 * 24 * time.Hour),
		KeyUsage:              usage,
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func mustChain(t testing.TB, chainPEM []byte) []*x509.Certificate {
	t.Helper()
	chain, err := parseChain(chainPEM)
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

// extension returns the extension with id, or fails.
func extension(t *testing.T, c *x509.Certificate, id asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	for _, e := range c.Extensions {
		if e.Id.Equal(id) {
			return e
		}
	}
	t.Fatalf("certificate has no extension %v", id)
	return pkix.Extension{}
}

// TestNotationCertificateExtensions checks the DER of the three extensions
// Notation's rules are about, byte for byte, for each key type Notation
// signs with.
func TestNotationCertificateExtensions(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := []struct {
		name string
		key  crypto.Signer
	}{{"P-256", newP256(t)}, {"P-384", p384}, {"RSA-2048", rsaKey}}
	// Known answers: KeyUsage BIT STRING with only digitalSignature (bit 0);
	// ExtKeyUsage SEQUENCE { id-kp-codeSigning }; BasicConstraints empty
	// SEQUENCE (CA=false by default).
	wantKU, _ := hex.DecodeString("03020780")
	wantEKU, _ := hex.DecodeString("300a06082b06010505070303")
	wantBC, _ := hex.DecodeString("3000")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notBefore := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
			out, err := NotationCertificate(tt.key, CertOptions{Subject: testSubject(), NotBefore: notBefore})
			if err != nil {
				t.Fatal(err)
			}
			chain := mustChain(t, out)
			if len(chain) != 1 {
				t.Fatalf("self-signed chain has %d certificates", len(chain))
			}
			c := chain[0]
			ku := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 15})
			eku := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 37})
			bc := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 19})
			if !ku.Critical || !bytes.Equal(ku.Value, wantKU) {
				t.Errorf("key usage critical=%v %x, want critical %x", ku.Critical, ku.Value, wantKU)
			}
			if !bytes.Equal(eku.Value, wantEKU) {
				t.Errorf("extended key usage %x, want %x", eku.Value, wantEKU)
			}
			if !bytes.Equal(bc.Value, wantBC) || c.IsCA {
				t.Errorf("basic constraints %x IsCA=%v, want %x", bc.Value, c.IsCA, wantBC)
			}
			if !selfSigned(c) {
				t.Error("not self-signed")
			}
			if !c.NotBefore.Equal(notBefore) || !c.NotAfter.Equal(notBefore.Add(DefaultCertValidity)) {
				t.Errorf("validity %s..%s", c.NotBefore, c.NotAfter)
			}
			if c.SerialNumber.Sign() <= 0 || len(c.SerialNumber.Bytes()) > 20 {
				t.Errorf("serial %s", c.SerialNumber)
			}
			if pub, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(tt.key.Public()) {
				t.Error("certificate holds another key")
			}
			if err := CheckNotationLeaf(c); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestNotationCertificateFromCA(t *testing.T) {
	ca, caKey := makeCA(t, x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature, true)
	key := newP256(t)
	out, err := NotationCertificate(key, CertOptions{Subject: testSubject(), Issuer: ca, IssuerSigner: caKey})
	if err != nil {
		t.Fatal(err)
	}
	chain := mustChain(t, out)
	if len(chain) != 2 || !chain[1].Equal(ca) {
		t.Fatalf("chain has %d certificates; want the leaf, then the CA", len(chain))
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}); err != nil {
		t.Fatalf("leaf does not chain to the CA for code signing: %v", err)
	}
	if err := CheckNotationLeaf(chain[0]); err != nil {
		t.Fatal(err)
	}
}

func TestNotationCertificateRefuses(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	key := newP256(t)
	ca, caKey := makeCA(t, x509.KeyUsageCertSign, true)
	notCA, notCAKey := makeCA(t, x509.KeyUsageCertSign, false)
	noSign, noSignKey := makeCA(t, x509.KeyUsageDigitalSignature, true)
	noOrg := testSubject()
	noOrg.Organization = nil
	twoOrgs := testSubject()
	twoOrgs.Organization = []string{"A", "B"}
	badCountry := testSubject()
	badCountry.Country = []string{"USA"}
	now := time.Now()
	tests := []struct {
		name    string
		key     crypto.Signer
		opts    CertOptions
		want    string
		wantErr error
	}{
		{"ed25519", edKey, CertOptions{Subject: testSubject()}, "no Ed25519", ErrUnsupportedKey},
		{"rsa-1024", rsa1024, CertOptions{Subject: testSubject()}, "RSA-1024", ErrUnsupportedKey},
		{"no subject", key, CertOptions{}, "exactly one C", nil},
		{"no O", key, CertOptions{Subject: noOrg}, "exactly one O", nil},
		{"two O", key, CertOptions{Subject: twoOrgs}, "exactly one O", nil},
		{"country", key, CertOptions{Subject: badCountry}, `country "USA"`, nil},
		{"backwards", key, CertOptions{Subject: testSubject(), NotBefore: now, NotAfter: now.Add(-time.Hour)}, "is not after not-before", nil},
		{"expired", key, CertOptions{Subject: testSubject(), NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)}, "in the past", nil},
		{"issuer without key", key, CertOptions{Subject: testSubject(), Issuer: ca}, "both its certificate and its key", nil},
		{"issuer not CA", key, CertOptions{Subject: testSubject(), Issuer: notCA, IssuerSigner: notCAKey}, "not a CA certificate", nil},
		{"issuer no certSign", key, CertOptions{Subject: testSubject(), Issuer: noSign, IssuerSigner: noSignKey}, "no keyCertSign", nil},
		{"issuer wrong key", key, CertOptions{Subject: testSubject(), Issuer: ca, IssuerSigner: notCAKey}, "not the key of issuer", nil},
		{"outlives issuer", key, CertOptions{Subject: testSubject(), Issuer: ca, IssuerSigner: caKey, NotAfter: ca.NotAfter.Add(time.Hour)}, "reaches outside issuer", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := NotationCertificate(tt.key, tt.opts)
			if err == nil || out != nil {
				t.Fatalf("got a certificate, err %v; want a refusal", err)
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

// TestNotaryRootCertificateFails shows why a DCT root certificate cannot be
// handed to Notation: notary's own certificate (made here by the vault as
// notary makes it) sets keyEncipherment.
func TestNotaryRootCertificateFails(t *testing.T) {
	certPEM, err := tuf.NewRootCertificate(newP256(t), "docker.io/library/app", time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = CheckNotationLeaf(mustChain(t, certPEM)[0])
	if err == nil || !strings.Contains(err.Error(), "keyEncipherment") {
		t.Fatalf("notary root certificate: err %v, want a keyEncipherment refusal", err)
	}
}

func TestParseSubject(t *testing.T) {
	tests := []struct {
		in   string
		want string // pkix.Name.String(), or the error text
		ok   bool
	}{
		{"C=US, ST=WA, O=Example, CN=signer", "CN=signer,O=Example,ST=WA,C=US", true},
		{"CN=a\\, b,O=Ex,S=Bavaria,C=de", "CN=a\\, b,O=Ex,ST=Bavaria,C=de", true},
		{"C=US,ST=WA,O=Ex,L=Seattle,OU=Release", "OU=Release,O=Ex,L=Seattle,ST=WA,C=US", true},
		{"", "empty", false},
		{"C=US, ST=WA", "exactly one O", false},
		{"C=US, ST=WA, O=A, O=B", "O appears twice", false},
		{"C=US, ST=WA, O=A, E=x@y", `attribute "E"`, false},
		{"C=US, ST=WA, O=A, CN", "not TYPE=value", false},
		{"C=US, ST=WA, O=A\\", "lone backslash", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseSubject(tt.in)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if n.String() != tt.want {
					t.Fatalf("got %q, want %q", n.String(), tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestTrustStoreFiles(t *testing.T) {
	key := newP256(t)
	self, err := NotationCertificate(key, CertOptions{Subject: testSubject()})
	if err != nil {
		t.Fatal(err)
	}
	ca, caKey := makeCA(t, x509.KeyUsageCertSign, true)
	issued, err := NotationCertificate(key, CertOptions{Subject: testSubject(), Issuer: ca, IssuerSigner: caKey})
	if err != nil {
		t.Fatal(err)
	}
	leafOnly := issued[:bytes.Index(issued, []byte("-----END CERTIFICATE-----"))+len("-----END CERTIFICATE-----\n")]
	tests := []struct {
		name, storeType, store string
		chain                  []byte
		wantPath               string
		wantCert               *x509.Certificate
		wantErr                string
	}{
		{"self-signed", "ca", "release", self, "truststore/x509/ca/release/release.crt", mustChain(t, self)[0], ""},
		{"from CA", "signingAuthority", "acme.ca", issued, "truststore/x509/signingAuthority/acme.ca/acme.ca.crt", ca, ""},
		{"leaf without its CA", "ca", "x", leafOnly, "", nil, "neither a CA nor self-signed"},
		{"tsa", "tsa", "x", self, "", nil, `type "tsa"`},
		{"slash", "ca", "../x", self, "", nil, "letters, digits"},
		{"dotdot", "ca", "..", self, "", nil, "letters, digits"},
		{"no cert", "ca", "x", []byte("nothing"), "", nil, "no CERTIFICATE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := TrustStoreFiles(tt.storeType, tt.store, tt.chain)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 1 || files[0].Path != tt.wantPath || files[0].Mode != 0o644 {
				t.Fatalf("files %+v, want one at %s", files, tt.wantPath)
			}
			if got := mustChain(t, files[0].Data); len(got) != 1 || !got[0].Equal(tt.wantCert) {
				t.Fatal("trust store holds the wrong certificate")
			}
		})
	}
}

func TestSigningKeys(t *testing.T) {
	entry, err := SigningKeysEntry("release", "/home/a/.config/notation/localkeys/release.key", "/home/a/.config/notation/localkeys/release.crt")
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"name":"release","keyPath":"/home/a/.config/notation/localkeys/release.key","certPath":"/home/a/.config/notation/localkeys/release.crt"}`
	if string(entry) != want {
		t.Fatalf("entry %s, want %s", entry, want)
	}
	if _, err := SigningKeysEntry("release", "localkeys/release.key", "/x.crt"); err == nil || !strings.Contains(err.Error(), "not absolute") {
		t.Fatalf("relative path: err %v", err)
	}
	if k, c, err := LocalKeyPaths("release"); err != nil || k != "localkeys/release.key" || c != "localkeys/release.crt" {
		t.Fatalf("LocalKeyPaths: %s %s %v", k, c, err)
	}

	existing := []byte(`{"default":"kms","keys":[{"name":"kms","id":"arn:x","pluginName":"aws-signer","pluginConfig":{"a":"b"}}]}`)
	tests := []struct {
		name        string
		doc         []byte
		makeDefault bool
		wantNames   []string
		wantDefault string
		wantErr     string
	}{
		{"new file", nil, true, []string{"release"}, "release", ""},
		{"keeps plugin key", existing, false, []string{"kms", "release"}, "kms", ""},
		{"becomes default", existing, true, []string{"kms", "release"}, "release", ""},
		{"duplicate", []byte(`{"keys":[{"name":"release","keyPath":"/a","certPath":"/b"}]}`), false, nil, "", "already there"},
		{"garbage", []byte(`[1,2]`), false, nil, "", "not a JSON object"},
		{"keys not a list", []byte(`{"keys":{}}`), false, nil, "", "not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AddSigningKey(tt.doc, "release", "/n/localkeys/release.key", "/n/localkeys/release.crt", tt.makeDefault)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Default string
				Keys    []map[string]any
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, k := range doc.Keys {
				names = append(names, k["name"].(string))
			}
			if strings.Join(names, ",") != strings.Join(tt.wantNames, ",") || doc.Default != tt.wantDefault {
				t.Fatalf("names %v default %q\n%s", names, doc.Default, out)
			}
			if tt.doc != nil && !bytes.Contains(out, []byte(`"pluginConfig": {`)) && bytes.Contains(tt.doc, []byte("pluginConfig")) {
				t.Fatalf("the plugin key lost its configuration:\n%s", out)
			}
		})
	}
}

func TestTrustPolicyDocument(t *testing.T) {
	out, err := TrustPolicy(TrustPolicyOptions{Name: "release", RegistryScopes: []string{"registry.example/app"}, StoreType: StoreCA, StoreName: "release", Identities: []string{"x509.subject: C=DE, ST=Berlin, O=Example GmbH"}})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc["trustPolicies"].([]any)[0].(map[string]any)
	if doc["version"] != "1.0" || p["trustStores"].([]any)[0] != "ca:release" || p["signatureVerification"].(map[string]any)["level"] != "strict" {
		t.Fatalf("policy:\n%s", out)
	}
	if _, err := TrustPolicy(TrustPolicyOptions{Name: "x", RegistryScopes: []string{"*"}, StoreType: "tsa", StoreName: "x"}); err == nil {
		t.Fatal("a tsa trust store was accepted for signatures")
	}
}
