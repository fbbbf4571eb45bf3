package migrate

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
)

// File is one file to write under Notation's configuration directory
// ({NOTATION_CONFIG}: ~/.config/notation on Linux, ~/Library/Application
// Support/notation on macOS, %AppData%\notation on Windows, or the
// NOTATION_CONFIG variable from notation 1.1 on). Path is relative and
// slash-separated; Mode is the file's mode. Directories are the caller's
// to create (0700).
type File struct {
	Path string
	Data []byte
	Mode fs.FileMode
}

// Notation trust store types a signing certificate can go in: "ca" for a
// root CA (or a self-signed signing certificate), "signingAuthority" for a
// signing authority's root.
const (
	StoreCA               = "ca"
	StoreSigningAuthority = "signingAuthority"
)

// MaxSigningKeysSize bounds the signingkeys.json that AddSigningKey reads.
const MaxSigningKeysSize = 1 << 20

// LocalKeyPaths are the relative paths notation itself uses for a local key
// pair called name: localkeys/<name>.key (0600) and localkeys/<name>.crt.
func LocalKeyPaths(name string) (keyPath, certPath string, err error) {
	if err := checkStoreName("key", name); err != nil {
		return "", "", err
	}
	return path.Join("localkeys", name+".key"), path.Join("localkeys", name+".crt"), nil
}

// signingKey is one entry of signingkeys.json's "keys" list for a local key
// pair (notation-go's config.KeySuite with an X509KeyPair).
type signingKey struct {
	Name     string `json:"name"`
	KeyPath  string `json:"keyPath"`
	CertPath string `json:"certPath"`
}

// SigningKeysEntry is the JSON object for one local key pair in Notation's
// signingkeys.json: {"name":…,"keyPath":…,"certPath":…}. Both paths must be
// absolute, because notation opens them from wherever it runs.
func SigningKeysEntry(name, keyPath, certPath string) ([]byte, error) {
	e, err := newSigningKey(name, keyPath, certPath)
	if err != nil {
		return nil, err
	}
	return json.Marshal(e)
}

func newSigningKey(name, keyPath, certPath string) (*signingKey, error) {
	if err := checkStoreName("key", name); err != nil {
		return nil, err
	}
	for _, p := range []string{keyPath, certPath} {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("notation signing key %s: path %q is not absolute; notation resolves relative paths from wherever it runs", name, p)
		}
	}
	return &signingKey{Name: name, KeyPath: keyPath, CertPath: certPath}, nil
}

// AddSigningKey adds a local key pair to a signingkeys.json document (nil or
// empty: a new one) and returns the new document. Entries already there,
// plugin keys included, are kept as they are; a second key with the same
// name is refused. makeDefault sets "default" to name.
func AddSigningKey(doc []byte, name, keyPath, certPath string, makeDefault bool) ([]byte, error) {
	entry, err := newSigningKey(name, keyPath, certPath)
	if err != nil {
		return nil, err
	}
	if len(doc) > MaxSigningKeysSize {
		return nil, fmt.Errorf("signingkeys.json: %d bytes is more than %d; is this the right file?", len(doc), MaxSigningKeysSize)
	}
	top := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(doc)) > 0 {
		if err := json.Unmarshal(doc, &top); err != nil {
			return nil, fmt.Errorf("signingkeys.json: not a JSON object: %w; fix or move the file, then run this again", err)
		}
	}
	var keys []json.RawMessage
	if raw, ok := top["keys"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &keys); err != nil {
			return nil, fmt.Errorf("signingkeys.json: \"keys\" is not a list: %w", err)
		}
	}
	for _, k := range keys {
		var named struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(k, &named) == nil && named.Name == name {
			return nil, fmt.Errorf("signingkeys.json: a key named %q is already there; choose another name or remove it with notation key delete %s", name, name)
		}
	}
	raw, err := json.Marshal(entry)
	if err != nil {
		return nil, err
	}
	keys = append(keys, raw)
	if top["keys"], err = json.Marshal(keys); err != nil {
		return nil, err
	}
	if makeDefault {
		if top["default"], err = json.Marshal(name); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(top, "", "    ")
}

// TrustStoreFiles lays out the trust store entry that makes Notation trust
// certificates chaining to chainPEM's root: the last certificate of the
// chain (for a self-signed signing certificate, the certificate itself) in
// truststore/x509/<storeType>/<storeName>/<storeName>.crt, mode 0644. This is
// what `notation cert add --type <storeType> --store <storeName>` does. The
// trust policy then names "<storeType>:<storeName>" in its trustStores.
func TrustStoreFiles(storeType, storeName string, chainPEM []byte) ([]File, error) {
	if storeType != StoreCA && storeType != StoreSigningAuthority {
		return nil, fmt.Errorf("notation trust store type %q: use %q or %q", storeType, StoreCA, StoreSigningAuthority)
	}
	if err := checkStoreName("trust store", storeName); err != nil {
		return nil, err
	}
	chain, err := parseChain(chainPEM)
	if err != nil {
		return nil, err
	}
	root := chain[len(chain)-1]
	if !root.IsCA && !selfSigned(root) {
		return nil, fmt.Errorf("notation trust store: certificate %q is neither a CA nor self-signed; Notation's trust store refuses it", root.Subject)
	}
	return []File{{
		Path: path.Join("truststore", "x509", storeType, storeName, storeName+".crt"),
		Data: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw}),
		Mode: 0o644,
	}}, nil
}

// parseChain reads a PEM certificate chain, leaf first.
func parseChain(chainPEM []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	rest := chainPEM
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("certificate chain: PEM block %q is not a CERTIFICATE", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate chain: %w", err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("certificate chain: no CERTIFICATE block found")
	}
	return chain, nil
}

// checkStoreName applies Notation's rule for trust store names, which also
// keeps key names usable as file names: [A-Za-z0-9_.-]+, not "." or "..".
func checkStoreName(what, name string) error {
	ok := name != "" && name != "." && name != ".." && len(name) <= 128
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("notation %s name %q: use letters, digits, '_', '.' and '-' only (Notation's rule)", what, name)
	}
	return nil
}

// TrustPolicyOptions describes a one-statement Notation trust policy.
type TrustPolicyOptions struct {
	// Name of the statement; RegistryScopes the repositories it covers
	// ("registry.example/team/app", or "*" for all).
	Name           string
	RegistryScopes []string
	// StoreType and StoreName name the trust store from TrustStoreFiles.
	StoreType, StoreName string
	// Identities are trustedIdentities entries (TrustedIdentity gives one
	// per signing certificate); empty means "*": any certificate chaining to
	// the trust store.
	Identities []string
}

// TrustPolicy writes a trustpolicy.json document (version 1.0, the only
// trust policy file notation v1.x reads) with one statement at the strict
// verification level.
func TrustPolicy(opts TrustPolicyOptions) ([]byte, error) {
	if opts.Name == "" || len(opts.RegistryScopes) == 0 {
		return nil, errors.New("notation trust policy: needs a name and at least one registry scope")
	}
	if opts.StoreType != StoreCA && opts.StoreType != StoreSigningAuthority {
		return nil, fmt.Errorf("notation trust policy: trust store type %q: use %q or %q", opts.StoreType, StoreCA, StoreSigningAuthority)
	}
	if err := checkStoreName("trust store", opts.StoreName); err != nil {
		return nil, err
	}
	ids := opts.Identities
	if len(ids) == 0 {
		ids = []string{"*"}
	}
	type verification struct {
		Level string `json:"level"`
	}
	type statement struct {
		Name                  string       `json:"name"`
		RegistryScopes        []string     `json:"registryScopes"`
		SignatureVerification verification `json:"signatureVerification"`
		TrustStores           []string     `json:"trustStores"`
		TrustedIdentities     []string     `json:"trustedIdentities"`
	}
	doc := struct {
		Version       string      `json:"version"`
		TrustPolicies []statement `json:"trustPolicies"`
	}{"1.0", []statement{{
		Name:                  opts.Name,
		RegistryScopes:        opts.RegistryScopes,
		SignatureVerification: verification{Level: "strict"},
		TrustStores:           []string{opts.StoreType + ":" + opts.StoreName},
		TrustedIdentities:     ids,
	}}}
	return json.MarshalIndent(doc, "", "    ")
}

// selfSigned says whether c's signature verifies under its own key and its
// issuer is its subject (CheckSignatureFrom would also demand a CA).
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
