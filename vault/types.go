package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault/keyrole"
)

// Iteration counts for PBKDF2-HMAC-SHA1 in new key files.
const (
	// HardenedIterations is what trustvault writes by default: OWASP's 2023
	// figure for PBKDF2-HMAC-SHA1. notary and docker read the count from the
	// file, so they still open these keys.
	HardenedIterations = 1_300_000
	// CompatIterations is what notary v0.7.0 and docker write.
	CompatIterations = 2048
)

// Sentinel errors a caller may branch on.
var (
	// ErrWrongPassphrase means a key did not decrypt with the passphrase given.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrAborted means the passphrase callback gave up (the person cancelled).
	ErrAborted = errors.New("cancelled")
	// ErrKeyNotFound means no key file has the ID asked for.
	ErrKeyNotFound = errors.New("key not found")
	// ErrKeyExists means a key with this ID is already in the store.
	ErrKeyExists = errors.New("key already in the store")
	// ErrLocked means another trustvault process is writing to the store.
	ErrLocked = errors.New("another trustvault process is writing to this trust directory")
)

// Scheme is how a key file is protected at rest.
type Scheme int

const (
	// SchemeNone is an unencrypted key (PRIVATE KEY, EC PRIVATE KEY, ...).
	SchemeNone Scheme = iota
	// SchemePBES2 is notary's ENCRYPTED PRIVATE KEY.
	SchemePBES2
	// SchemeLegacyPEM is OpenSSL PEM encryption (Proc-Type/DEK-Info, MD5 KDF),
	// written by notary up to v0.5.
	SchemeLegacyPEM
)

func (s Scheme) String() string {
	switch s {
	case SchemePBES2:
		return "pbes2"
	case SchemeLegacyPEM:
		return "legacy-pem"
	default:
		return "none"
	}
}

// Encryption describes a key file's protection, read from the file without a
// passphrase.
type Encryption struct {
	Scheme Scheme
	// PRF is the PBKDF2 pseudo-random function named in the file
	// ("hmacWithSHA1" when the field is absent, as notary writes it). notary
	// ignores the field and always uses SHA-1.
	PRF string
	// Iterations is the PBKDF2 iteration count (PBES2 only).
	Iterations int
	// Cipher is the cipher named in the file, e.g. "aes256-cbc" or, for
	// legacy PEM, the DEK-Info algorithm.
	Cipher string
}

// Weak reports whether the protection is below what trustvault writes:
// unencrypted, legacy PEM encryption (MD5, one round), or PBES2 with fewer
// than HardenedIterations.
func (e Encryption) Weak() bool {
	return e.Scheme != SchemePBES2 || e.Iterations < HardenedIterations
}

// Summary is a short human description, e.g. "PBES2 SHA-1 ×2048 (weak)".
func (e Encryption) Summary() string {
	switch e.Scheme {
	case SchemePBES2:
		s := fmt.Sprintf("PBES2 %s ×%d", strings.TrimPrefix(e.PRF, "hmacWith"), e.Iterations)
		if e.Weak() {
			s += " (weak)"
		}
		return s
	case SchemeLegacyPEM:
		return "legacy PEM " + e.Cipher + " (weak)"
	default:
		return "none (unencrypted)"
	}
}

// Layout is where in private/ a key file sits.
type Layout int

const (
	// LayoutFlat is private/<id>.key (notary >= 0.4, docker).
	LayoutFlat Layout = iota
	// LayoutLegacyRoot is private/root_keys/<id>_<role>.key (notary < 0.4).
	LayoutLegacyRoot
	// LayoutLegacyTUF is private/tuf_keys/<gun>/<id>_<role>.key (notary < 0.4).
	LayoutLegacyTUF
	// LayoutStray is any other *.key below private/: notary lists it but
	// cannot load it.
	LayoutStray
)

func (l Layout) String() string {
	switch l {
	case LayoutFlat:
		return "flat"
	case LayoutLegacyRoot:
		return "legacy-root"
	case LayoutLegacyTUF:
		return "legacy-tuf"
	default:
		return "stray"
	}
}

// Location is where a key's private part lives.
type Location int

const (
	// LocationFile is a key file in this trust directory.
	LocationFile Location = iota
	// LocationToken is a hardware token (Yubikey).
	LocationToken
	// LocationServer is held by the notary signing server (snapshot,
	// timestamp).
	LocationServer
	// LocationMissing is named by metadata but found nowhere.
	LocationMissing
	// LocationDamaged is a key file with the key's ID that is here but
	// cannot be read or parsed (RoleKey.Err says why): the key is not
	// lost yet, the file needs restoring from a backup.
	LocationDamaged
)

func (l Location) String() string {
	switch l {
	case LocationFile:
		return "file"
	case LocationToken:
		return "token"
	case LocationServer:
		return "server"
	case LocationDamaged:
		return "damaged"
	default:
		return "missing"
	}
}

// Key is one private key as listed from its file, without any passphrase.
type Key struct {
	// ID is the canonical key ID: the file name without ".key" (and, in the
	// legacy layouts, without "_<role>").
	ID string
	// Role and GUN come from the PEM headers (legacy layouts: from the path,
	// as notary's migration would set them).
	Role string
	GUN  string
	// Path is the file's absolute path.
	Path       string
	Layout     Layout
	Location   Location
	Encryption Encryption
	// Algorithm is "ecdsa", "ed25519" or "rsa" when the file shows it
	// (unencrypted keys) or the key has been unlocked; empty otherwise.
	Algorithm string
	Mode      fs.FileMode
	Size      int64
	ModTime   time.Time
	// Err is set when the file cannot be read or parsed; the other fields
	// then hold what could be learnt from the path.
	Err error
	// Token is set when the key is on a hardware token (Location is then
	// LocationToken; see WithTokens): the token wins over a file with the
	// same key, which is then its backup (Path). A key only on a token has
	// no Path.
	Token *TokenRef
	// TokenCertificate is set when a token holds a certificate for this key
	// but does not show the key itself beside it (see UnprovenTokenKey):
	// a key with a file stays LocationFile; a key with no file is still
	// LocationToken, the only place it may be.
	TokenCertificate *TokenRef
}

// UnprovenTokenKey says why a certificate on a token does not make the
// token the key's location.
const UnprovenTokenKey = "the token does not show the key itself beside its certificate " +
	"(a YubiKey 4 cannot without the PIN, and a key write that failed leaves a certificate alone)"

// Kind classifies the key's role header.
func (k Key) Kind() keyrole.Kind { return keyrole.KindOf(k.Role) }

// ShortID is the first 7 characters of the ID, as docker and notary print it.
func (k Key) ShortID() string { return ShortID(k.ID) }

// ShortID returns the first 7 characters of a key ID.
func ShortID(id string) string {
	if len(id) > 7 {
		return id[:7]
	}
	return id
}

// PassphraseRequest tells a PassphraseFunc what is asked for.
type PassphraseRequest struct {
	KeyID string
	// Role is the key's role header ("" when not known, e.g. an imported
	// file without headers).
	Role string
	// New is true when the passphrase will protect a newly written key; the
	// callback should confirm it with the person.
	New bool
	// Attempt counts from 1; a callback may give up (ErrAborted) after a few.
	Attempt int
	// Source names the file being imported, if any.
	Source string
}

// PassphraseFunc supplies a passphrase. The engine zeroes the returned slice
// when it is done with it. Returning an error (ErrAborted for a person who
// cancelled) stops the operation; the error says what, if anything, had
// been written (an import asks for new passphrases as it writes).
type PassphraseFunc func(PassphraseRequest) ([]byte, error)

// zero overwrites a secret.
func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// Repository is one GUN's TUF metadata as cached under tuf/<gun>/metadata/,
// matched against the keys in this store.
type Repository struct {
	GUN string
	// Dir is tuf/<gun> (absolute).
	Dir string
	// Roles holds root, targets, snapshot and timestamp (those that metadata
	// names, in that order), then the delegations from targets.json sorted by
	// name.
	Roles []RoleInfo
	// Problems lists metadata files that could not be read or parsed; what
	// could be read is still in Roles.
	Problems []error
}

// Role returns the role with the given name, if the metadata names it.
func (r Repository) Role(name string) (RoleInfo, bool) {
	for _, ri := range r.Roles {
		if ri.Name == name {
			return ri, true
		}
	}
	return RoleInfo{}, false
}

// RoleInfo is one role of a repository.
type RoleInfo struct {
	// Name is "root", "targets", "snapshot", "timestamp" or a delegation such
	// as "targets/releases".
	Name      string
	Kind      keyrole.Kind
	Threshold int
	// Expires and Version come from the role's own metadata file; zero when
	// that file is not cached (delegations that never signed, for example).
	Expires time.Time
	Version int
	// HasMetadata reports whether the role's own metadata file is cached
	// and readable (Metadata == MetadataCached).
	HasMetadata bool
	// Metadata says whether the role's own file is cached, absent or
	// damaged; MetadataErr says why a damaged one could not be read.
	Metadata    MetadataState
	MetadataErr error
	Keys        []RoleKey
}

// RoleKey is one key that metadata names for a role.
type RoleKey struct {
	// TUFID is the key ID as metadata carries it (for root: the x509 ID).
	TUFID string
	// ID is the canonical ID, the key file's name: equal to TUFID except for
	// certificate-wrapped root keys.
	ID      string
	KeyType string
	// Location says where the private part is: a file here, a token, the
	// signing server (snapshot and timestamp keys not held here), or missing.
	Location Location
	// Path is the key file when Location is LocationFile (or the file
	// copy of a key on a token).
	Path string
	// Token is where the key is when Location is LocationToken.
	Token *TokenRef
	// Err is why the key file cannot be used when Location is
	// LocationDamaged.
	Err error
}

// MetadataState is what is known of a role's own metadata file.
type MetadataState int

const (
	// MetadataAbsent: no file in the cache (a delegation that never
	// signed, or trust data never pulled).
	MetadataAbsent MetadataState = iota
	// MetadataCached: the file is cached and parses.
	MetadataCached
	// MetadataDamaged: the file is there but cannot be read or parsed.
	MetadataDamaged
)

func (m MetadataState) String() string {
	return [...]string{"absent", "cached", "damaged"}[m]
}

// TokenRef says where on which token a key is.
type TokenRef struct {
	Serial uint32
	// Slot is the PIV slot in hex, e.g. "9c".
	Slot string
	// Model and Firmware are "YubiKey 4" and "4.3.7".
	Model, Firmware string
}

// Name is "Yubikey 12345678".
func (r TokenRef) Name() string { return fmt.Sprintf("Yubikey %d", r.Serial) }

// String is "Yubikey 12345678, slot 9c".
func (r TokenRef) String() string { return fmt.Sprintf("Yubikey %d, slot %s", r.Serial, r.Slot) }

// DaysLeft is a duration in whole days, rounded up: metadata that expires
// in 11.99 days expires "in 12 days" wherever trustvault says so. A past
// duration counts whole days since, as a negative number.
func DaysLeft(d time.Duration) int {
	const day = 24 * time.Hour
	if d <= 0 {
		return -int(-d / day)
	}
	return int((d + day - 1) / day)
}
