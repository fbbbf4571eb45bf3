package vault

// This file holds the signatures of the store that are being written; the
// bodies are replaced as the work lands.

import (
	"crypto"
	"errors"
	"io"
)

var errTODO = errors.New("not implemented yet")

// PrivateKey is an unlocked key.
type PrivateKey struct {
	// ID is the canonical key ID of the public part.
	ID string
	// Algorithm is "ecdsa", "ed25519" or "rsa".
	Algorithm string
	// Signer signs with the key (ECDSA: ASN.1 signatures from crypto.Signer;
	// callers that need TUF's raw r||s convert).
	Signer crypto.Signer
}

// Public returns the public key.
func (k *PrivateKey) Public() crypto.PublicKey { return k.Signer.Public() }

// Option configures a Store.
type Option func(*Store)

// WithRand sets the source of randomness (default crypto/rand).
func WithRand(r io.Reader) Option { return func(s *Store) { s.rand = r } }

// WithIterations sets the PBKDF2 iteration count for keys the store writes
// (default HardenedIterations; CompatIterations writes notary's own).
func WithIterations(n int) Option { return func(s *Store) { s.iterations = n } }

// Store is a Docker Content Trust trust directory.
type Store struct {
	dir        string
	rand       io.Reader
	iterations int
}

// Dir is the trust directory.
func (s *Store) Dir() string { return s.dir }

// Open opens a trust directory. It creates and changes nothing; the
// directory need not exist yet (an empty store).
func Open(dir string, opts ...Option) (*Store, error) { return nil, errTODO }

// ResolveDir picks the trust directory: flag if set, else
// $DOCKER_CONFIG/trust, else ~/.docker/trust.
func ResolveDir(flag string) (string, error) { return "", errTODO }

// Keys lists every *.key file below private/, sorted by ID then path.
// Unreadable files are listed with Err set.
func (s *Store) Keys() ([]Key, error) { return nil, errTODO }

// Key finds one key by full ID or an unambiguous prefix of at least 7 hex digits.
func (s *Store) Key(id string) (Key, error) { return Key{}, errTODO }

// Unlock decrypts a key, asking pass for its passphrase (retrying on a wrong
// one until pass gives up).
func (s *Store) Unlock(id string, pass PassphraseFunc) (*PrivateKey, error) { return nil, errTODO }

// AddKey encrypts a private key with a new passphrase and writes it as
// private/<canonicalID>.key with the role and gun headers as notary would
// (gun kept only for targets, snapshot and timestamp).
func (s *Store) AddKey(signer crypto.Signer, role, gun string, pass PassphraseFunc) (Key, error) {
	return Key{}, errTODO
}

// Algorithm names for Generate.
const (
	AlgorithmECDSA   = "ecdsa"
	AlgorithmED25519 = "ed25519"
	AlgorithmRSA     = "rsa"
)

// Generate makes a new key for role (ECDSA P-256 or Ed25519) and stores it.
func (s *Store) Generate(role, gun, algorithm string, pass PassphraseFunc) (Key, error) {
	return Key{}, errTODO
}

// ChangePassphrase decrypts a key with its old passphrase and rewrites it,
// same headers, under a new one (and the store's iteration count).
func (s *Store) ChangePassphrase(id string, old, new PassphraseFunc) (Key, error) {
	return Key{}, errTODO
}

// ImportOptions are the defaults notary's `key import` applies.
type ImportOptions struct {
	Role string // used when a block has no role header; default "delegation"
	GUN  string // used when a block has no gun header
}

// Import reads PEM data (one or more blocks: PKCS#8, SEC1, PKCS#1, encrypted
// or not, notary export bundles with path headers) and stores each key.
// Encrypted blocks are decrypted with pass and re-encrypted with a new
// passphrase (pass with New set), so every stored key uses the store's
// protection. source names the file in errors.
func (s *Store) Import(data []byte, source string, opts ImportOptions, pass PassphraseFunc) ([]Key, error) {
	return nil, errTODO
}

// ExportPublic returns a PUBLIC KEY PEM block with a role header.
// It unlocks the key when the file does not show the public key.
func (s *Store) ExportPublic(id string, pass PassphraseFunc) ([]byte, error) { return nil, errTODO }

// ExportPrivate returns the key files' PEM blocks unchanged (still under
// their passphrases) with a path header added, as `notary key export` does.
func (s *Store) ExportPrivate(ids []string) ([]byte, error) { return nil, errTODO }
