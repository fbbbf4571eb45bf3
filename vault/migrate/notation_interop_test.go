package migrate

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"
	corex509 "github.com/notaryproject/notation-core-go/x509"
	"github.com/notaryproject/notation-go"
	"github.com/notaryproject/notation-go/config"
	"github.com/notaryproject/notation-go/dir"
	"github.com/notaryproject/notation-go/registry"
	"github.com/notaryproject/notation-go/signer"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/trustvault/trustvault/vault/tuf"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/oci"
)

// These tests run Notation's own library (notation-go v1.3.2 with
// notation-core-go v1.3.0), not the notation CLI: the CLI has no way to take a
// local key (notation key add needs a plugin), and the library is what the
// CLI runs. Every file Notation reads here (signingkeys.json, the key and
// certificate under localkeys/, the trust store, trustpolicy.json) is written
// from this package's output and loaded by notation-go's own loaders.

const notationScope = "local/app"

// notationConfig writes a Notation configuration directory for key and its
// certificate chain the way `trustvault migrate notation` lays it out, and
// returns its path.
func notationConfig(t *testing.T, key crypto.Signer, chainPEM []byte, identity string) string {
	t.Helper()
	root := t.TempDir()
	keyRel, certRel, err := LocalKeyPaths("release")
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := PlainKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	defer clear(keyPEM)
	keyPath, certPath := filepath.Join(root, keyRel), filepath.Join(root, certRel)
	signingKeys, err := AddSigningKey(nil, "release", keyPath, certPath, true)
	if err != nil {
		t.Fatal(err)
	}
	store, err := TrustStoreFiles(StoreCA, "release", chainPEM)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := TrustPolicy(TrustPolicyOptions{Name: "release", RegistryScopes: []string{notationScope}, StoreType: StoreCA, StoreName: "release", Identities: []string{identity}})
	if err != nil {
		t.Fatal(err)
	}
	files := append([]File{
		{keyRel, keyPEM, 0o600},
		{certRel, chainPEM, 0o644},
		{"signingkeys.json", signingKeys, 0o600},
		{"trustpolicy.json", policy, 0o600},
	}, store...)
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, f.Mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// ociArtifact writes a one-layer artifact into a new OCI image layout on disk
// and returns the layout's directory and the manifest's descriptor.
func ociArtifact(t *testing.T, payload string) (string, ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	layout := t.TempDir()
	store, err := oci.New(layout)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(payload)
	layer := content.NewDescriptorFromBytes("application/vnd.example.layer", data)
	if err := store.Push(ctx, layer, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	manifest, err := oras.PackManifest(ctx, store, oras.PackManifestVersion1_1, "application/vnd.example.artifact", oras.PackManifestOptions{Layers: []ocispec.Descriptor{layer}})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Tag(ctx, manifest, "v1"); err != nil {
		t.Fatal(err)
	}
	return layout, manifest
}

// notationSign signs the artifact tagged v1 in layout with the key Notation
// finds in configDir's signingkeys.json.
func notationSign(t *testing.T, configDir, layout, mediaType string) error {
	t.Helper()
	dir.UserConfigDir = configDir
	keys, err := config.LoadSigningKeys()
	if err != nil {
		t.Fatalf("notation cannot read signingkeys.json: %v", err)
	}
	suite, err := keys.Get("release")
	if err != nil || suite.X509KeyPair == nil {
		t.Fatalf("signingkeys.json has no local key pair \"release\": %v", err)
	}
	s, err := signer.NewGenericSignerFromFiles(suite.KeyPath, suite.CertificatePath)
	if err != nil {
		t.Fatalf("notation cannot load the key pair: %v", err)
	}
	repo, err := registry.NewOCIRepository(layout, registry.RepositoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = notation.Sign(context.Background(), s, repo, notation.SignOptions{
		SignerSignOptions: notation.SignerSignOptions{SignatureMediaType: mediaType, SigningAgent: "trustvault test"},
		ArtifactReference: "v1",
	})
	return err
}

// notationVerify verifies the artifact in layout under configDir's trust
// policy and trust store.
func notationVerify(t *testing.T, configDir, layout string, manifest ocispec.Descriptor) ([]*notation.VerificationOutcome, error) {
	t.Helper()
	dir.UserConfigDir = configDir
	policy, err := trustpolicy.LoadDocument()
	if err != nil {
		t.Fatalf("notation cannot read trustpolicy.json: %v", err)
	}
	v, err := verifier.New(policy, truststore.NewX509TrustStore(dir.ConfigFS()), nil)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := registry.NewOCIRepository(layout, registry.RepositoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, outcomes, err := notation.Verify(context.Background(), v, repo, notation.VerifyOptions{
		ArtifactReference:    notationScope + "@" + manifest.Digest.String(),
		MaxSignatureAttempts: 10,
	})
	return outcomes, err
}

// TestNotationSignsAndVerifies: a DCT-style P-256 key with the certificate
// NotationCertificate mints signs an OCI artifact on disk through
// notation-go, and the signature verifies under a strict trust policy whose
// trust store holds that certificate; it does not verify under a trust store
// holding another certificate, nor for another signer's identity.
func TestNotationSignsAndVerifies(t *testing.T) {
	defer func(old string) { dir.UserConfigDir = old }(dir.UserConfigDir)
	for _, mediaType := range []string{cose.MediaTypeEnvelope, jws.MediaTypeEnvelope} {
		t.Run(mediaType, func(t *testing.T) {
			key := newP256(t)
			chain, err := NotationCertificate(key, CertOptions{Subject: testSubject()})
			if err != nil {
				t.Fatal(err)
			}
			identity := TrustedIdentity(mustChain(t, chain)[0])
			configDir := notationConfig(t, key, chain, identity)
			layout, manifest := ociArtifact(t, "release 1.0")
			if err := notationSign(t, configDir, layout, mediaType); err != nil {
				t.Fatalf("notation refused to sign: %v", err)
			}
			outcomes, err := notationVerify(t, configDir, layout, manifest)
			if err != nil {
				t.Fatalf("notation did not verify the signature: %v", err)
			}
			if len(outcomes) != 1 || outcomes[0].Error != nil || outcomes[0].VerificationLevel.Name != "strict" {
				t.Fatalf("outcomes %+v", outcomes)
			}

			// Another certificate in the trust store: the same signature must fail.
			other, err := NotationCertificate(newP256(t), CertOptions{Subject: testSubject()})
			if err != nil {
				t.Fatal(err)
			}
			_, err = notationVerify(t, notationConfig(t, key, other, identity), layout, manifest)
			if err == nil || !strings.Contains(err.Error(), "does not contain any trusted certificate") {
				t.Fatalf("verified under a trust store that holds another certificate: err %v", err)
			}
			t.Logf("another certificate in the trust store: %v", err)
			// Another trusted identity: the same signature must fail.
			wrongID := "x509.subject: C=DE, ST=Berlin, O=Someone Else"
			_, err = notationVerify(t, notationConfig(t, key, chain, wrongID), layout, manifest)
			if err == nil || !strings.Contains(err.Error(), "trusted identities") {
				t.Fatalf("verified for a trusted identity the certificate does not have: err %v", err)
			}
			t.Logf("another trusted identity: %v", err)
		})
	}
}

// TestNotationSignsWithCAIssuedCertificate: a certificate NotationCertificate
// issues from a CA signs, and verifies with only the CA in the trust store.
func TestNotationSignsWithCAIssuedCertificate(t *testing.T) {
	defer func(old string) { dir.UserConfigDir = old }(dir.UserConfigDir)
	ca, caKey := makeCA(t, x509.KeyUsageCertSign, true)
	key := newP256(t)
	chain, err := NotationCertificate(key, CertOptions{Subject: testSubject(), Issuer: ca, IssuerSigner: caKey})
	if err != nil {
		t.Fatal(err)
	}
	configDir := notationConfig(t, key, chain, TrustedIdentity(mustChain(t, chain)[0]))
	stored, err := os.ReadFile(filepath.Join(configDir, "truststore/x509/ca/release/release.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if c := mustChain(t, stored); len(c) != 1 || !c[0].Equal(ca) {
		t.Fatal("the trust store should hold the CA only")
	}
	layout, manifest := ociArtifact(t, "release 2.0")
	if err := notationSign(t, configDir, layout, cose.MediaTypeEnvelope); err != nil {
		t.Fatalf("notation refused to sign: %v", err)
	}
	if _, err := notationVerify(t, configDir, layout, manifest); err != nil {
		t.Fatalf("notation did not verify: %v", err)
	}
}

// keyEnciphermentCert is the certificate NotationCertificate would make,
// but with keyEncipherment added, as notary sets it on its root certificates.
func keyEnciphermentCert(t *testing.T, key crypto.Signer, subject pkix.Name) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(42),
		Subject:               subject,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestNotationRefusesKeyEncipherment: the same flow with a certificate that
// also sets keyEncipherment fails in Notation, and so does notary's own root
// certificate, in notation-core-go's code-signing chain check that Notation
// runs when it signs and when it verifies. Our CheckNotationLeaf agrees with
// it on every certificate here.
func TestNotationRefusesKeyEncipherment(t *testing.T) {
	defer func(old string) { dir.UserConfigDir = old }(dir.UserConfigDir)
	key := newP256(t)
	bad := keyEnciphermentCert(t, key, testSubject())
	configDir := notationConfig(t, key, bad, TrustedIdentity(mustChain(t, bad)[0]))
	layout, _ := ociArtifact(t, "release 3.0")
	err := notationSign(t, configDir, layout, cose.MediaTypeEnvelope)
	if err == nil || !strings.Contains(err.Error(), "KeyEncipherment") {
		t.Fatalf("notation signed with a keyEncipherment certificate: err %v", err)
	}
	t.Logf("notation.Sign with keyEncipherment: %v", err)

	notaryRoot, err := tuf.NewRootCertificate(key, "docker.io/example/app", time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	good, err := NotationCertificate(key, CertOptions{Subject: testSubject()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tt := range []struct {
		name string
		pem  []byte
		ok   bool
	}{{"ours", good, true}, {"keyEncipherment", bad, false}, {"notary root", notaryRoot, false}} {
		leaf := mustChain(t, tt.pem)[0]
		coreErr := corex509.ValidateCodeSigningCertChain([]*x509.Certificate{leaf}, &now)
		ourErr := CheckNotationLeaf(leaf)
		if (coreErr == nil) != tt.ok || (ourErr == nil) != tt.ok {
			t.Errorf("%s: notation-core-go says %v, CheckNotationLeaf says %v; want ok=%v", tt.name, coreErr, ourErr, tt.ok)
		}
	}
}

// TestNotationVerifyRefusesKeyEncipherment: Notation will not sign with a
// keyEncipherment certificate, so this makes the signature another way: a
// JWS envelope signed through notation-go with the good certificate, whose
// unprotected x5c chain is then swapped for a keyEncipherment certificate
// over the same key and subject (the signature over the protected header and
// payload stays valid). With the matching certificate in the trust store,
// the original verifies and the swapped one fails on the key usage alone.
func TestNotationVerifyRefusesKeyEncipherment(t *testing.T) {
	defer func(old string) { dir.UserConfigDir = old }(dir.UserConfigDir)
	ctx := context.Background()
	key := newP256(t)
	good, err := NotationCertificate(key, CertOptions{Subject: testSubject()})
	if err != nil {
		t.Fatal(err)
	}
	bad := keyEnciphermentCert(t, key, testSubject())
	s, err := signer.NewGenericSigner(key, mustChain(t, good))
	if err != nil {
		t.Fatal(err)
	}
	_, manifest := ociArtifact(t, "release 4.0")
	envelope, _, err := s.Sign(ctx, manifest, notation.SignerSignOptions{SignatureMediaType: jws.MediaTypeEnvelope})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(envelope, &doc); err != nil {
		t.Fatal(err)
	}
	doc["header"].(map[string]any)["x5c"] = []string{base64.StdEncoding.EncodeToString(mustChain(t, bad)[0].Raw)}
	swapped, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		envelope []byte
		store    []byte
		wantErr  string
	}{
		{"digitalSignature only", envelope, good, ""},
		{"keyEncipherment", swapped, bad, "KeyEncipherment"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			identity := TrustedIdentity(mustChain(t, tt.store)[0])
			dir.UserConfigDir = notationConfig(t, key, tt.store, identity)
			policy, err := trustpolicy.LoadDocument()
			if err != nil {
				t.Fatal(err)
			}
			v, err := verifier.New(policy, truststore.NewX509TrustStore(dir.ConfigFS()), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(ctx, manifest, tt.envelope, notation.VerifierVerifyOptions{
				ArtifactReference:  notationScope + "@" + manifest.Digest.String(),
				SignatureMediaType: jws.MediaTypeEnvelope,
			})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("notation did not verify: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
			}
			t.Logf("notation's verifier: %v", err)
		})
	}
}
