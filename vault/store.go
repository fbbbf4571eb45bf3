package vault

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault/internal/atomicfile"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Directory and file names in a trust directory.
const (
	privateDir = "private"
	tufDir     = "tuf"
	// recordsDir holds trustvault's own state, never inside private/.
	recordsDir    = "trustvault"
	lockFile      = "lock"
	keyExt        = ".key"
	legacyRootDir = "root_keys"
	legacyTUFDir  = "tuf_keys"
)

// lockWait is how long a write waits for another trustvault process.
const lockWait = 5 * time.Second

// maxPassphraseAttempts bounds how often a passphrase is asked for one key.
const maxPassphraseAttempts = 10

// PrivateKey is an unlocked key.
type PrivateKey struct {
	// ID is the canonical key ID of the public part.
	ID string
	// Algorithm is "ecdsa", "ed25519" or "rsa".
	Algorithm string
	// Signer signs with the key.
	Signer crypto.Signer
}

// Public returns the public key.
func (k *PrivateKey) Public() crypto.PublicKey { return k.Signer.Public() }

// Option configures a Store.
type Option func(*Store)

// WithRand sets the source of randomness for salts, IVs and new keys
// (default crypto/rand).
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

// Open opens a trust directory. It creates and changes nothing; the
// directory need not exist yet (it is then an empty store).
func Open(dir string, opts ...Option) (*Store, error) {
	if dir == "" {
		return nil, errors.New("no trust directory given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("trust directory %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("trust directory %s is not a directory", abs)
	}
	s := &Store{dir: abs, rand: rand.Reader, iterations: HardenedIterations}
	for _, o := range opts {
		o(s)
	}
	if s.iterations < 1 || s.iterations > maxIterations {
		return nil, fmt.Errorf("iteration count %d is out of range (1 to %d)", s.iterations, maxIterations)
	}
	return s, nil
}

// ResolveDir picks the trust directory: flag if set, else
// $DOCKER_CONFIG/trust, else ~/.docker/trust, as the docker client does.
func ResolveDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if cfg := os.Getenv("DOCKER_CONFIG"); cfg != "" {
		return filepath.Join(cfg, "trust"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no home directory to find ~/.docker/trust (set --trust-dir or DOCKER_CONFIG): %w", err)
	}
	return filepath.Join(home, ".docker", "trust"), nil
}

// Dir is the trust directory.
func (s *Store) Dir() string { return s.dir }

// PrivateDir is <trust dir>/private.
func (s *Store) PrivateDir() string { return filepath.Join(s.dir, privateDir) }

// Keys lists every *.key file below private/, sorted by ID then path. It
// reads the flat layout and the legacy root_keys/ and tuf_keys/<gun>/
// layouts in place, skips symbolic links inside private/ (as notary does)
// and lists unreadable files with Err set. A missing private/ is an empty
// store.
func (s *Store) Keys() ([]Key, error) {
	walkRoot, entries, err := s.keyEntries(nil)
	if err != nil {
		return nil, err
	}
	return s.readKeys(walkRoot, entries), nil
}

// keysNamed lists, as Keys does, only the key files whose path gives an ID
// and layout that match accepts (placeKey: the ID is the file's name). It
// reads no other file: finding one key among 1,000,000 reads their names,
// not their contents.
func (s *Store) keysNamed(match func(id string, layout Layout) bool) ([]Key, error) {
	walkRoot, entries, err := s.keyEntries(func(rel string) bool {
		k := placeKey(rel)
		return match(k.ID, k.Layout)
	})
	if err != nil {
		return nil, err
	}
	return s.readKeys(walkRoot, entries), nil
}

// KeysWithPrefix lists, as Keys does, the key files whose ID (their file
// name) starts with prefix, reading no other file: shell completion of a
// key ID reads the keys it offers, not the whole store.
func (s *Store) KeysWithPrefix(prefix string) ([]Key, error) {
	prefix = strings.ToLower(prefix)
	return s.keysNamed(func(id string, _ Layout) bool { return strings.HasPrefix(id, prefix) })
}

// keyEntries walks private/ for Keys: the directory walked and every *.key
// file below it that keep accepts (all when it is nil), as walkKeyFiles
// finds them. A missing private/ has none. Only what is kept is held:
// looking one name up among a million holds one name.
func (s *Store) keyEntries(keep func(rel string) bool) (walkRoot string, entries []string, err error) {
	root := s.PrivateDir()
	walkRoot = root
	// private/ itself reached through a symlink (docker/cli#3155) is
	// listed; health reports it.
	if resolved, err := filepath.EvalSymlinks(root); err == nil {
		walkRoot = resolved
	} else if errors.Is(err, fs.ErrNotExist) {
		return walkRoot, nil, nil
	}
	// Entries are collected in walk order, so the files of one directory
	// are next to each other and each worker opens them relative to that
	// directory: the kernel then resolves one name, not the whole path.
	if fi, err := os.Stat(walkRoot); err == nil && !fi.IsDir() {
		return walkRoot, nil, nil // a file named private: no keys
	}
	err = walkKeyFiles(walkRoot, "", func(rel string) {
		if keep == nil || keep(rel) {
			entries = append(entries, rel)
		}
	}, func() {})
	if err != nil {
		return walkRoot, nil, fmt.Errorf("list %s: %w", root, err)
	}
	return walkRoot, entries, nil
}

// readKeys reads the entries keyEntries found, sorted by ID then path.
func (s *Store) readKeys(walkRoot string, entries []string) []Key {
	root := s.PrivateDir()
	keys := make([]Key, len(entries))
	parallelChunks(len(entries), func(lo, hi int) {
		files := newDirFiles(walkRoot)
		defer files.close()
		names := map[string]string{} // roles and GUNs repeat: one copy of each
		for i := lo; i < hi; i++ {
			rel := entries[i]
			k := readKeyWith(joinClean(root, rel), rel, func() (fileStat, []byte, error) {
				return files.read(rel, maxKeyFile)
			})
			k.Role, k.GUN = intern(names, k.Role), intern(names, k.GUN)
			keys[i] = k
		}
	})
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ID != keys[j].ID {
			return keys[i].ID < keys[j].ID
		}
		return keys[i].Path < keys[j].Path
	})
	return keys
}

// placeKey derives ID, layout and (for the legacy layouts) role and GUN from
// a file's path relative to private/, as notary's listing and migration do.
func placeKey(rel string) (k Key) {
	rel = filepath.ToSlash(rel)
	base := strings.TrimSuffix(path.Base(rel), keyExt)
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	switch {
	case dir == "":
		k.Layout, k.ID = LayoutFlat, base
	case dir == legacyRootDir || strings.HasPrefix(dir, legacyRootDir+"/"):
		k.Layout = LayoutLegacyRoot
		k.ID, k.Role, _ = strings.Cut(base, "_")
		k.GUN = strings.TrimPrefix(strings.TrimPrefix(dir, legacyRootDir), "/")
	case dir == legacyTUFDir || strings.HasPrefix(dir, legacyTUFDir+"/"):
		k.Layout = LayoutLegacyTUF
		k.ID, k.Role, _ = strings.Cut(base, "_")
		k.GUN = strings.TrimPrefix(strings.TrimPrefix(dir, legacyTUFDir), "/")
	default:
		k.Layout, k.ID = LayoutStray, base
	}
	return k
}

// readKey lists one key file. Errors are kept in Key.Err.
func readKey(path, rel string) Key {
	return readKeyWith(path, rel, func() (fileStat, []byte, error) { return readSmall(path, maxKeyFile) })
}

// intern returns the copy of s kept in names, keeping s when it is new.
func intern(names map[string]string, s string) string {
	if s == "" {
		return ""
	}
	if have, ok := names[s]; ok {
		return have
	}
	names[s] = s
	return s
}

// readKeyWith lists one key file read by read.
func readKeyWith(path, rel string, read func() (fileStat, []byte, error)) Key {
	if strings.HasSuffix(path, rel) {
		// The ID (and a legacy role and GUN) then point into Path rather
		// than keep a second copy of the file's name alive.
		rel = path[len(path)-len(rel):]
	}
	k := placeKey(rel)
	k.Path, k.Location = path, LocationFile
	if !IsKeyID(k.ID) {
		k.Err = fmt.Errorf("file name %q is not a key ID (64 lowercase hex digits)", filepath.Base(path))
	}
	st, data, err := read()
	k.Mode, k.Size, k.ModTime = st.Mode, st.Size, st.ModTime
	switch {
	case st.Mode.IsDir():
		k.Err = errors.New("unreadable directory")
		return k
	case err != nil:
		k.Err = unreadable(err)
		return k
	}
	kf, err := decodeKeyFile(data)
	if err != nil {
		if k.Err == nil {
			k.Err = err
		}
		return k
	}
	if k.Layout == LayoutFlat || k.Layout == LayoutStray {
		k.Role, k.GUN = kf.block.Headers[headerRole], kf.block.Headers[headerGUN]
	} else {
		// Legacy: the path sets them; headers fill what it does not.
		if k.Role == "" {
			k.Role = kf.block.Headers[headerRole]
		}
		if k.GUN == "" {
			k.GUN = kf.block.Headers[headerGUN]
		}
	}
	k.Encryption, k.Algorithm = kf.encryption, kf.algorithm
	if k.Err == nil && k.Layout == LayoutStray {
		k.Err = errors.New("stray key file: notary lists it but cannot load it (move it to private/<id>.key)")
	}
	return k
}

// Key finds one key by full ID or an unambiguous prefix of at least 7 hex
// digits. When the same ID is in several files (flat and legacy), the flat
// file wins, as it does for notary after migration.
func (s *Store) Key(id string) (Key, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 7 || !isHexString(id) {
		return Key{}, fmt.Errorf("%q is not a key ID: give the full 64-digit ID or at least its first 7 digits", id)
	}
	if len(id) == 64 {
		// A full ID in the flat layout wins over any legacy copy, so its
		// file, when it is one, is the answer without a walk of private/.
		name := id + keyExt
		path := filepath.Join(s.PrivateDir(), name)
		if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
			k := readKey(path, name)
			if k.Err != nil {
				return k, fmt.Errorf("key %s (%s) is unreadable: %w", k.ShortID(), k.Path, k.Err)
			}
			return k, nil
		}
	}
	found, err := s.keysNamed(func(kid string, layout Layout) bool {
		return strings.HasPrefix(kid, id) && layout != LayoutStray
	})
	if err != nil {
		return Key{}, err
	}
	if len(found) == 0 {
		return Key{}, fmt.Errorf("key %s in %s: %w (see `trustvault list`)", id, s.PrivateDir(), ErrKeyNotFound)
	}
	ids := map[string]bool{}
	for _, k := range found {
		ids[k.ID] = true
	}
	if len(ids) > 1 {
		return Key{}, fmt.Errorf("key ID prefix %s matches %d keys: give more digits", id, len(ids))
	}
	best := found[0]
	for _, k := range found[1:] {
		if k.Layout == LayoutFlat {
			best = k
		}
	}
	if best.Err != nil {
		return best, fmt.Errorf("key %s (%s) is unreadable: %w", best.ShortID(), best.Path, best.Err)
	}
	return best, nil
}

func isHexString(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Unlock decrypts a key, asking pass for its passphrase and asking again
// after a wrong one until pass gives up.
func (s *Store) Unlock(id string, pass PassphraseFunc) (*PrivateKey, error) {
	k, err := s.Key(id)
	if err != nil {
		return nil, err
	}
	pk, _, err := s.unlockFile(k, pass)
	return pk, err
}

// unlockFile decrypts a listed key; it returns the decoded file too.
func (s *Store) unlockFile(k Key, pass PassphraseFunc) (*PrivateKey, *keyFile, error) {
	data, err := readKeyBytes(k.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("read key %s: %w", k.ShortID(), unreadable(err))
	}
	kf, err := decodeKeyFile(data)
	if err != nil {
		return nil, nil, fmt.Errorf("key %s (%s): %w", k.ShortID(), k.Path, err)
	}
	signer, err := decryptWith(kf, PassphraseRequest{KeyID: k.ID, Role: k.Role}, pass)
	if err != nil {
		return nil, nil, fmt.Errorf("unlock %s key %s: %w", roleName(k.Role), k.ShortID(), err)
	}
	pk, err := newPrivateKey(signer)
	if err != nil {
		return nil, nil, err
	}
	if pk.ID != k.ID {
		return nil, nil, fmt.Errorf("key file %s holds the key %s, not %s: the file was renamed or altered", k.Path, pk.ID, k.ID)
	}
	return pk, kf, nil
}

// decryptWith asks for passphrases until the key decrypts or pass gives up.
func decryptWith(kf *keyFile, req PassphraseRequest, pass PassphraseFunc) (crypto.Signer, error) {
	if !kf.encrypted() {
		return kf.decrypt(nil)
	}
	for req.Attempt = 1; req.Attempt <= maxPassphraseAttempts; req.Attempt++ {
		p, err := pass(req)
		if err != nil {
			return nil, err
		}
		signer, err := kf.decrypt(p)
		zero(p)
		if err == nil {
			return signer, nil
		}
		if !errors.Is(err, ErrWrongPassphrase) {
			return nil, err
		}
	}
	return nil, ErrWrongPassphrase
}

func roleName(r string) string {
	if r == "" {
		return "unlabelled"
	}
	return r
}

func newPrivateKey(signer crypto.Signer) (*PrivateKey, error) {
	id, err := tuf.CanonicalID(signer.Public())
	if err != nil {
		return nil, err
	}
	return &PrivateKey{ID: id, Algorithm: algorithmOf(signer), Signer: signer}, nil
}

// storedGUN is the gun header notary keeps: only targets, snapshot and
// timestamp keys belong to one repository.
func storedGUN(role, gun string) string {
	switch keyrole.KindOf(role) {
	case keyrole.Targets, keyrole.Snapshot, keyrole.Timestamp:
		return gun
	}
	return ""
}

// AddKey encrypts a private key with a new passphrase and writes it as
// private/<canonicalID>.key with role and gun headers as notary would (the
// gun is kept only for targets, snapshot and timestamp keys). A key already
// in the store is refused with ErrKeyExists and nothing is written.
func (s *Store) AddKey(signer crypto.Signer, role, gun string, pass PassphraseFunc) (Key, error) {
	pk, err := newPrivateKey(signer)
	if err != nil {
		return Key{}, fmt.Errorf("add key: %w", err)
	}
	if existing, err := s.Key(pk.ID); err == nil || !errors.Is(err, ErrKeyNotFound) {
		return existing, fmt.Errorf("key %s: %w (%s)", pk.ID[:7], ErrKeyExists, existing.Path)
	}
	// Ask before taking the lock: a person at a prompt must not hold up
	// another trustvault process.
	p, err := pass(PassphraseRequest{KeyID: pk.ID, Role: role, New: true, Attempt: 1})
	if err != nil {
		return Key{}, fmt.Errorf("passphrase for new %s key %s: %w; nothing was written", roleName(role), pk.ID[:7], err)
	}
	defer zero(p)
	unlock, err := s.lock()
	if err != nil {
		return Key{}, err
	}
	defer unlock()
	if existing, err := s.Key(pk.ID); err == nil || !errors.Is(err, ErrKeyNotFound) {
		return existing, fmt.Errorf("key %s: %w (%s)", pk.ID[:7], ErrKeyExists, existing.Path)
	}
	path := s.KeyPath(pk.ID)
	if err := s.writeKey(path, signer, role, storedGUN(role, gun), p); err != nil {
		return Key{}, err
	}
	return readKey(path, keyFileName(pk.ID)), nil
}

// writeKey encrypts and atomically writes one key file. The caller holds
// the lock.
func (s *Store) writeKey(path string, signer crypto.Signer, role, gun string, passphrase []byte) error {
	block, err := encryptKeyBlock(signer, role, gun, passphrase, s.iterations, s.rand)
	if err != nil {
		return fmt.Errorf("encrypt key: %w", err)
	}
	if err := atomicfile.MkdirAll(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%w", err)
	}
	if err := atomicfile.Write(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return fmt.Errorf("write key: %w; the previous file, if any, is unchanged", err)
	}
	return nil
}

// lock takes the store's write lock, creating <trust dir>/trustvault/
// (through an os.Root: a symbolic link there is refused, never followed).
func (s *Store) lock() (func(), error) {
	root, err := s.stateRoot(true)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	l, err := atomicfile.AcquireIn(root, lockFile, filepath.Join(s.dir, recordsDir, lockFile), lockWait)
	if errors.Is(err, atomicfile.ErrLocked) {
		return nil, fmt.Errorf("%w (%s); wait for it to finish", ErrLocked, s.dir)
	}
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	s.removeStaleTemps()
	return func() { _ = l.Unlock() }, nil
}

// removeStaleTemps deletes temporary files a killed trustvault left in
// private/. Only files of atomicfile's own naming are touched, and only
// while the lock is held, so no running writer owns them.
func (s *Store) removeStaleTemps() {
	dir, err := os.Open(s.PrivateDir())
	if err != nil {
		return
	}
	// Unsorted: os.ReadDir would sort 10,000 names nobody needs sorted.
	entries, err := dir.ReadDir(-1)
	dir.Close()
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && atomicfile.IsTemp(e.Name()) {
			_ = os.Remove(filepath.Join(s.PrivateDir(), e.Name()))
		}
	}
}

// Algorithm names.
const (
	AlgorithmECDSA   = "ecdsa"
	AlgorithmED25519 = "ed25519"
	AlgorithmRSA     = "rsa"
)

var signerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ValidateRole checks a role for a new key: root, targets or snapshot (which
// need a GUN), a delegation "targets/<name>", or a docker signer name.
func ValidateRole(role, gun string) error {
	switch keyrole.KindOf(role) {
	case keyrole.Root:
		return nil
	case keyrole.Targets, keyrole.Snapshot:
		if gun == "" {
			return fmt.Errorf("a %s key belongs to one repository: give its GUN (--gun)", role)
		}
		return nil
	case keyrole.Timestamp:
		return errors.New("timestamp keys are held by the notary server; rotate them with `notary key rotate GUN timestamp -r`")
	}
	name := strings.TrimPrefix(role, "targets/")
	for _, part := range strings.Split(name, "/") {
		if !signerName.MatchString(part) {
			return fmt.Errorf("role %q is not a valid delegation: use targets/<name> or a signer name of lowercase letters, digits, _ and -", role)
		}
	}
	return nil
}

// Generate makes a new key for role (ECDSA P-256, or Ed25519 on request)
// and stores it.
func (s *Store) Generate(role, gun, algorithm string, pass PassphraseFunc) (Key, error) {
	if err := ValidateRole(role, gun); err != nil {
		return Key{}, fmt.Errorf("generate: %w", err)
	}
	var signer crypto.Signer
	var err error
	switch algorithm {
	case "", AlgorithmECDSA:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), s.rand)
	case AlgorithmED25519:
		if err := Ed25519Usable(role); err != nil {
			return Key{}, fmt.Errorf("generate: %w", err)
		}
		_, signer, err = ed25519.GenerateKey(s.rand)
	default:
		return Key{}, fmt.Errorf("generate: algorithm %q: choose ecdsa or ed25519", algorithm)
	}
	if err != nil {
		return Key{}, fmt.Errorf("generate %s key: %w", algorithm, err)
	}
	return s.AddKey(signer, role, gun, pass)
}

// ChangePassphrase decrypts a key with its old passphrase and rewrites it in
// place (same file, same headers) under a new one with the store's
// iteration count. A wrong old passphrase, or a cancelled new one, changes
// nothing.
func (s *Store) ChangePassphrase(id string, old, new PassphraseFunc) (Key, error) {
	k, err := s.Key(id)
	if err != nil {
		return Key{}, err
	}
	before, err := readKeyBytes(k.Path)
	if err != nil {
		return k, fmt.Errorf("read key %s: %w", k.ShortID(), unreadable(err))
	}
	pk, _, err := s.unlockFile(k, old)
	if err != nil {
		return k, fmt.Errorf("%w; nothing was changed", err)
	}
	p, err := new(PassphraseRequest{KeyID: k.ID, Role: k.Role, New: true, Attempt: 1})
	if err != nil {
		return k, fmt.Errorf("new passphrase for key %s: %w; nothing was changed", k.ShortID(), err)
	}
	defer zero(p)
	unlock, err := s.lock()
	if err != nil {
		return k, err
	}
	defer unlock()
	// The prompts ran without the lock: make sure nobody rewrote the file
	// meanwhile, or their change would be lost.
	if now, err := readKeyBytes(k.Path); err != nil || !bytes.Equal(now, before) {
		return k, fmt.Errorf("key %s changed on disk while the passphrase was asked for (%s); nothing was changed, try again", k.ShortID(), k.Path)
	}
	if err := s.writeKey(k.Path, pk.Signer, k.Role, k.GUN, p); err != nil {
		return k, err
	}
	rel, _ := filepath.Rel(s.PrivateDir(), k.Path)
	return readKey(k.Path, rel), nil
}

// ImportOptions are the defaults `notary key import` applies.
type ImportOptions struct {
	// Role is used when a block has no role header (default "delegation").
	Role string
	// GUN is used when a block has no gun header.
	GUN string
	// Verify decrypts each key file written, with the passphrase it was
	// written under, and checks that it holds the very key imported
	// (Imported.Verified): the check a caller makes before removing the
	// input.
	Verify bool
}

// Imported is one key Import handled.
type Imported struct {
	Key Key
	// Existing is true when the key was already in the store; its file was
	// left as it was.
	Existing bool
	// Plain is true when the input held the key unencrypted.
	Plain bool
	// Verified is true when the file written was read back and decrypted
	// to the same key (ImportOptions.Verify).
	Verified bool
}

// Import reads PEM data (PKCS#8, SEC1 or PKCS#1 blocks, encrypted or not,
// notary export bundles with path headers) and stores each key. Encrypted
// blocks are decrypted with pass and re-encrypted, under the same
// passphrase, with the store's protection; unencrypted ones get a new
// passphrase (pass with New set). Every block is checked and decrypted
// before anything is written. source names the input in errors.
func (s *Store) Import(data []byte, source string, opts ImportOptions, pass PassphraseFunc) ([]Imported, error) {
	type pending struct {
		pk        *PrivateKey
		role, gun string
		pass      []byte
		plain     bool
	}
	var todo []pending
	defer func() {
		for _, p := range todo {
			zero(p.pass)
		}
	}()
	if err := checkImportWork(data, source); err != nil {
		return nil, err
	}
	rest := bytes.TrimSpace(data)
	n := 0
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		n++
		if !isPrivateBlock(block.Type) {
			continue // certificates, public keys and EC PARAMETERS travel with keys
		}
		where := fmt.Sprintf("%s block %d", source, n)
		kf, err := describeBlock(block)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w; nothing was imported", where, err)
		}
		role, gun, pathID := importLabels(block.Headers, opts)
		if err := importRoleCheck(role, gun); err != nil {
			return nil, fmt.Errorf("import %s: %w; nothing was imported", where, err)
		}
		var used []byte
		req := PassphraseRequest{KeyID: pathID, Role: role, Source: source}
		signer, err := decryptWith(kf, req, func(r PassphraseRequest) ([]byte, error) {
			p, err := pass(r)
			if err == nil {
				zero(used)
				used = bytes.Clone(p)
			}
			return p, err
		})
		if err != nil {
			zero(used)
			return nil, fmt.Errorf("import %s: %w; nothing was imported", where, err)
		}
		pk, err := newPrivateKey(signer)
		if err != nil {
			zero(used)
			return nil, fmt.Errorf("import %s: %w", where, err)
		}
		if pathID != "" && pathID != pk.ID {
			zero(used)
			return nil, fmt.Errorf("import %s: its path header names key %s but it holds key %s; nothing was imported", where, ShortID(pathID), pk.ID[:7])
		}
		todo = append(todo, pending{pk: pk, role: role, gun: gun, pass: used, plain: !kf.encrypted()})
	}
	if len(todo) == 0 {
		return nil, fmt.Errorf("import %s: no private key found (expected PEM blocks such as ENCRYPTED PRIVATE KEY, PRIVATE KEY, EC PRIVATE KEY)", source)
	}
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	importing := make(map[string]bool, len(todo))
	for _, p := range todo {
		importing[p.pk.ID] = true
	}
	keys, err := s.keysNamed(func(id string, _ Layout) bool { return importing[id] })
	if err != nil {
		return nil, err
	}
	present := FilesByID(keys)
	var out []Imported
	for i, p := range todo {
		if existing, ok := present[p.pk.ID]; ok {
			out = append(out, Imported{Key: existing, Existing: true, Plain: p.plain})
			continue
		}
		passphrase := p.pass
		if passphrase == nil {
			passphrase, err = pass(PassphraseRequest{KeyID: p.pk.ID, Role: p.role, New: true, Attempt: 1, Source: source})
			if err != nil {
				return out, fmt.Errorf("import %s: passphrase for key %s: %w; %d of %d keys imported", source, p.pk.ID[:7], err, len(out), len(todo))
			}
			todo[i].pass = passphrase
		}
		path := s.KeyPath(p.pk.ID)
		if err := s.writeKey(path, p.pk.Signer, p.role, p.gun, passphrase); err != nil {
			return out, fmt.Errorf("%w; %d of %d keys imported", err, len(out), len(todo))
		}
		im := Imported{Key: readKey(path, keyFileName(p.pk.ID)), Plain: p.plain}
		if opts.Verify {
			if err := verifyStored(path, p.pk, passphrase); err != nil {
				out = append(out, im)
				return out, fmt.Errorf("import %s: key %s was written to %s but does not read back as the key imported: %w; %d of %d keys imported", source, p.pk.ID[:7], path, err, len(out), len(todo))
			}
			im.Verified = true
		}
		out = append(out, im)
	}
	return out, nil
}

// verifyStored reads a key file back and checks that it decrypts, under
// passphrase, to pk.
func verifyStored(path string, pk *PrivateKey, passphrase []byte) error {
	data, err := readKeyBytes(path)
	if err != nil {
		return unreadable(err)
	}
	kf, err := decodeKeyFile(data)
	if err != nil {
		return err
	}
	signer, err := kf.decrypt(passphrase)
	if err != nil {
		return err
	}
	type equaler interface{ Equal(crypto.PrivateKey) bool }
	if e, ok := signer.(equaler); !ok || !e.Equal(pk.Signer) {
		return errors.New("it holds another key")
	}
	return nil
}

// checkImportWork refuses an input whose encrypted blocks together ask
// for more than MaxImportIterations PBKDF2 iterations, before any
// passphrase is asked for or any work done. Blocks that do not parse are
// left to the import, which names them.
func checkImportWork(data []byte, source string) error {
	total, blocks := 0, 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != blockEncrypted {
			continue
		}
		if p, err := parsePBES2(block.Bytes); err == nil {
			total += p.iterations
			blocks++
		}
		if total > MaxImportIterations {
			return fmt.Errorf("import %s: its encrypted blocks ask for more than %d PBKDF2 iterations in all (the first %d ask for %d): refused before any work; import them in smaller files; nothing was imported", source, MaxImportIterations, blocks, total)
		}
	}
	return nil
}

// importLabels applies notary's import rules: role and gun from headers,
// else the options; a path header names the key (a legacy tuf_keys/<gun>/
// path also sets the gun).
func importLabels(h map[string]string, opts ImportOptions) (role, gun, pathID string) {
	role, gun = h[headerRole], h[headerGUN]
	if p := h[headerPath]; p != "" {
		p = keyEntryRel(p)
		if !strings.HasSuffix(p, keyExt) {
			p += keyExt
		}
		k := placeKey(p)
		pathID = k.ID
		if role == "" {
			role = k.Role
		}
		if gun == "" {
			gun = k.GUN
		}
	}
	if role == "" {
		role = opts.Role
	}
	if role == "" {
		role = "delegation"
	}
	if gun == "" {
		gun = opts.GUN
	}
	return role, storedGUN(role, gun), pathID
}

func importRoleCheck(role, gun string) error {
	switch keyrole.KindOf(role) {
	case keyrole.Targets, keyrole.Snapshot, keyrole.Timestamp:
		if gun == "" {
			return fmt.Errorf("a %s key needs a repository: it has no gun header, so give --gun", role)
		}
	}
	return nil
}

// ExportPublic returns a PUBLIC KEY PEM block with a role header. It unlocks
// the key when the file does not show the public key.
func (s *Store) ExportPublic(id string, pass PassphraseFunc) ([]byte, error) {
	pk, err := s.Unlock(id, pass)
	if err != nil {
		return nil, err
	}
	k, err := s.Key(pk.ID)
	if err != nil {
		return nil, err
	}
	b, err := publicKeyBlock(pk.Public(), k.Role)
	if err != nil {
		return nil, fmt.Errorf("export public key %s: %w", k.ShortID(), err)
	}
	return pem.EncodeToMemory(b), nil
}

// ExportPrivate returns the key files' PEM blocks unchanged (still under
// their passphrases) with a path header added, as `notary key export` does.
// Keys in the legacy layouts get the role and gun headers notary's
// migration would give them.
func (s *Store) ExportPrivate(ids []string) ([]byte, error) {
	var out bytes.Buffer
	for _, id := range ids {
		k, err := s.Key(id)
		if err != nil {
			return nil, err
		}
		data, err := readKeyBytes(k.Path)
		if err != nil {
			return nil, fmt.Errorf("export key %s: %w", k.ShortID(), unreadable(err))
		}
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("export key %s: %s has no PEM block", k.ShortID(), k.Path)
		}
		if block.Headers == nil {
			block.Headers = map[string]string{}
		}
		if k.Role != "" {
			block.Headers[headerRole] = k.Role
		}
		if k.GUN != "" {
			block.Headers[headerGUN] = k.GUN
		}
		block.Headers[headerPath] = k.ID
		if err := pem.Encode(&out, block); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// ErrAlgorithmUnusable means docker and notary cannot use a key of this
// algorithm in this role.
var ErrAlgorithmUnusable = errors.New("docker and notary cannot use this key")

// Ed25519Usable says whether docker and notary can use an Ed25519 key in
// role. They cannot as a root key (notary init: "key type not supported
// for Certificate generation") nor as a delegation or docker signer key
// (notary delegation add and docker trust signer add: "unknown public key
// format"). Targets and snapshot keys may be Ed25519: notary verifies
// Ed25519 signatures (its own signer makes Ed25519 timestamp keys).
func Ed25519Usable(role string) error {
	switch keyrole.KindOf(role) {
	case keyrole.Root:
		return fmt.Errorf("%w: an Ed25519 root key: notary init cannot make the root certificate for it (\"key type not supported for Certificate generation\"); use ECDSA (--algorithm ecdsa)", ErrAlgorithmUnusable)
	case keyrole.Delegation:
		return fmt.Errorf("%w: an Ed25519 %s key: notary delegation add and docker trust signer add refuse its public key (\"unknown public key format\"); use ECDSA (--algorithm ecdsa)", ErrAlgorithmUnusable, role)
	}
	return nil
}
