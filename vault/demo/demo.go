package demo

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Passphrase protects every key of the demo vault.
const Passphrase = "demo-passphrase-123"

// Options tune Generate. The zero value is ready to use.
type Options struct {
	// Rand supplies every random byte: keys, serials, salts and IVs
	// (default crypto/rand). Signatures are deterministic (RFC 6979), so a
	// seeded Rand and a fixed Now reproduce the metadata byte for byte.
	Rand io.Reader
	// Now is the moment the demo is set in (default time.Now()); expiries
	// are relative to it.
	Now time.Time
	// Passphrase protects the keys (default the constant Passphrase).
	Passphrase []byte
	// Iterations is the PBKDF2 count of the key files (default
	// vault.CompatIterations, notary's 2048: fast, and shown as weak).
	Iterations int
}

// Info says what Generate made.
type Info struct {
	// Dir is the trust directory (absolute).
	Dir string
	// Repositories are the repositories made, in the order of RepositorySpecs.
	Repositories []Repository
	// RootKeys are the canonical IDs of the root keys: the one most
	// repositories share, then a second one.
	RootKeys []string
	// Expiring is the one role whose metadata expires soon (in about 12 days).
	Expiring RoleRef
	// Legacy is the key stored in the legacy layout
	// (private/tuf_keys/<gun>/<id>_targets.key, OpenSSL PEM encryption).
	Legacy KeyRef
	// Missing is the key that metadata names but that no file holds (a
	// docker signer's key; Path is empty).
	Missing KeyRef
	// Orphan is a stored key that no metadata names (a targets key of a
	// repository that is gone).
	Orphan KeyRef
}

// Repository is one repository the demo made.
type Repository struct {
	GUN string
	// Keys maps every role its metadata names ("root", "targets",
	// "snapshot", "timestamp", "targets/releases", ...) to the canonical IDs
	// of the role's keys.
	Keys map[string][]string
	// RootX509ID is the root key's ID in this repository's root.json (the
	// TUF ID of its certificate, different in each repository).
	RootX509ID string
	// Local lists the roles whose keys (or one of whose keys) are stored in
	// the vault; the others are held by the notary server or missing.
	Local []string
}

// RoleRef names one role of one repository.
type RoleRef struct {
	GUN, Role string
	Expires   time.Time
}

// KeyRef names one key.
type KeyRef struct {
	ID   string
	Role string // the role header, or for the missing key the role metadata names
	GUN  string
	Path string
}

// day and the ages below set the scene relative to Options.Now.
const day = 24 * time.Hour

// expiringIn is how far ahead the expiring role expires.
const expiringIn = 12 * day

// repoSpec describes one demo repository.
type repoSpec struct {
	gun      string
	root     int           // index into the root keys
	created  time.Duration // age of root.json (and of the root certificate)
	pushed   time.Duration // age of the last push: targets and delegations
	snapshot time.Duration // age of snapshot.json
	pushes   int           // metadata versions of targets and snapshot
	// localSnapshot keeps the snapshot key in the vault (notary CLI
	// style); otherwise the server holds it (docker style).
	localSnapshot bool
	// legacyTargets stores the targets key in the legacy layout.
	legacyTargets bool
	// signers are docker signers: each gets targets/<name>, and all of them
	// share targets/releases (docker trust signer add).
	signers     []string
	tags        []string // in targets.json
	releaseTags []string // in targets/releases.json
}

// specs are the demo's repositories.
func specs() []repoSpec {
	return []repoSpec{
		{
			gun: "registry.example.com/acme/web", root: 0,
			created: 400 * day, pushed: 9 * day, snapshot: 9 * day, pushes: 14,
			signers: []string{"alice"}, tags: []string{"1.0.0", "1.1.0"}, releaseTags: []string{"1.2.0", "1.3.0", "latest"},
		},
		{
			gun: "registry.example.com/acme/api", root: 0,
			created: 200 * day, pushed: 2 * day, snapshot: 2 * day, pushes: 6, localSnapshot: true,
			signers: []string{"alice", "bob"}, tags: []string{"0.9.0"}, releaseTags: []string{"1.0.0", "latest"},
		},
		{
			gun: "docker.io/acme/tools", root: 0,
			created: tuf.TargetsExpiry - expiringIn, pushed: tuf.TargetsExpiry - expiringIn, snapshot: 30 * day, pushes: 3,
			legacyTargets: true, tags: []string{"2.4", "latest"},
		},
		{
			gun: "notary.internal.example.com:4443/platform-team/observability/collector", root: 1,
			created: 90 * day, pushed: 1 * day, snapshot: 1 * day, pushes: 22,
			signers: []string{"ci"}, releaseTags: []string{"0.98.0", "0.99.0", "latest"},
		},
	}
}

// Signer names whose keys the vault holds; any other signer is the missing key.
var storedSigners = map[string]bool{"alice": true, "ci": true}

// orphanGUN is the repository of the stale key: its metadata is gone.
const orphanGUN = "registry.example.com/acme/legacy-app"

// Generate creates a demo trust directory in dir, which must not exist or be
// empty (so a real trust directory is never touched).
func Generate(dir string, opt Options) (*Info, error) {
	g, err := newGenerator(dir, opt)
	if err != nil {
		return nil, err
	}
	if err := g.run(); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return g.info, nil
}

// generator holds the state of one Generate call.
type generator struct {
	now     time.Time
	rand    io.Reader
	pass    []byte
	store   *vault.Store
	info    *Info
	roots   []*ecdsa.PrivateKey
	signers map[string]*ecdsa.PrivateKey
}

func newGenerator(dir string, opt Options) (*generator, error) {
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	g := &generator{now: opt.Now, rand: opt.Rand, pass: opt.Passphrase, signers: map[string]*ecdsa.PrivateKey{}}
	if g.now.IsZero() {
		g.now = time.Now()
	}
	g.now = g.now.UTC()
	if g.rand == nil {
		g.rand = rand.Reader
	}
	if g.pass == nil {
		g.pass = []byte(Passphrase)
	}
	iterations := opt.Iterations
	if iterations == 0 {
		iterations = vault.CompatIterations
	}
	s, err := vault.Open(dir, vault.WithRand(g.rand), vault.WithIterations(iterations))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	g.store = s
	g.info = &Info{Dir: s.Dir()}
	return g, nil
}

// prepareDir creates dir (0700) or checks that it is empty.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	case err != nil:
		return fmt.Errorf("demo: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("demo: %s is not empty; the demo vault needs a directory of its own", dir)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// run makes the keys and the repositories.
func (g *generator) run() error {
	for range 2 {
		k, err := g.storedECDSA("root", "")
		if err != nil {
			return err
		}
		g.roots = append(g.roots, k)
		id, _ := tuf.CanonicalID(k.Public())
		g.info.RootKeys = append(g.info.RootKeys, id)
	}
	for _, spec := range specs() {
		repo, err := g.repository(spec)
		if err != nil {
			return fmt.Errorf("repository %s: %w", spec.gun, err)
		}
		g.info.Repositories = append(g.info.Repositories, repo)
	}
	orphan, err := g.newECDSA()
	if err != nil {
		return err
	}
	k, err := g.store.AddKey(orphan, "targets", orphanGUN, g.passphrase)
	if err != nil {
		return err
	}
	g.info.Orphan = KeyRef{ID: k.ID, Role: k.Role, GUN: orphanGUN, Path: k.Path}
	return nil
}

// passphrase is the PassphraseFunc of every key; the store zeroes the copy.
func (g *generator) passphrase(vault.PassphraseRequest) ([]byte, error) {
	return bytes.Clone(g.pass), nil
}

// newECDSA derives a P-256 key from the random source (crypto/ecdsa
// ignores a custom reader since Go 1.26; the demo wants a seeded one to
// count).
func (g *generator) newECDSA() (*ecdsa.PrivateKey, error) {
	scalar := make([]byte, 32)
	for range 64 {
		if _, err := io.ReadFull(g.rand, scalar); err != nil {
			return nil, fmt.Errorf("random key: %w", err)
		}
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar); err == nil {
			return k, nil
		}
	}
	return nil, errors.New("random key: the random source gives no valid P-256 scalar")
}

// newEd25519 derives an Ed25519 key from the random source.
func (g *generator) newEd25519() (ed25519.PrivateKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(g.rand, seed); err != nil {
		return nil, fmt.Errorf("random key: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// storedECDSA makes a P-256 key and stores it with role and gun headers.
func (g *generator) storedECDSA(role, gun string) (*ecdsa.PrivateKey, error) {
	k, err := g.newECDSA()
	if err != nil {
		return nil, err
	}
	if _, err := g.store.AddKey(k, role, gun, g.passphrase); err != nil {
		return nil, err
	}
	return k, nil
}

// signer returns a docker signer's key, making it (and storing it, unless it
// is the missing one) on first use.
func (g *generator) signer(name, gun string) (*ecdsa.PrivateKey, error) {
	if k, ok := g.signers[name]; ok {
		return k, nil
	}
	var k *ecdsa.PrivateKey
	var err error
	if storedSigners[name] {
		k, err = g.storedECDSA(name, "")
	} else {
		k, err = g.newECDSA()
		if err == nil {
			id, _ := tuf.CanonicalID(k.Public())
			g.info.Missing = KeyRef{ID: id, Role: "targets/" + name, GUN: gun}
		}
	}
	if err != nil {
		return nil, err
	}
	g.signers[name] = k
	return k, nil
}

// repoKeys are the private keys of one repository's roles.
type repoKeys struct {
	root, targets       *ecdsa.PrivateKey
	snapshot, timestamp crypto.Signer
	signers             []*ecdsa.PrivateKey // in spec.signers order
}

// repository makes one repository's keys and metadata.
func (g *generator) repository(spec repoSpec) (Repository, error) {
	keys, err := g.repositoryKeys(spec)
	if err != nil {
		return Repository{}, err
	}
	repo := Repository{GUN: spec.gun, Keys: map[string][]string{}, Local: []string{"root", "targets"}}
	if spec.localSnapshot {
		repo.Local = append(repo.Local, "snapshot")
	}
	files, err := g.metadata(spec, keys, &repo)
	if err != nil {
		return Repository{}, err
	}
	meta := filepath.Join(g.info.Dir, "tuf", filepath.FromSlash(spec.gun), "metadata")
	for role, data := range files {
		if err := writeFile(filepath.Join(meta, filepath.FromSlash(role)+".json"), data); err != nil {
			return Repository{}, err
		}
	}
	// notary makes the changelist directory when it opens a repository.
	if err := os.MkdirAll(filepath.Join(g.info.Dir, "tuf", filepath.FromSlash(spec.gun), "changelist"), 0o700); err != nil {
		return Repository{}, err
	}
	return repo, nil
}

// repositoryKeys makes (and where the spec says so, stores) the keys of one
// repository.
func (g *generator) repositoryKeys(spec repoSpec) (repoKeys, error) {
	keys := repoKeys{root: g.roots[spec.root]}
	var err error
	if spec.legacyTargets {
		keys.targets, err = g.legacyKey(spec.gun, "targets")
	} else {
		keys.targets, err = g.storedECDSA("targets", spec.gun)
	}
	if err != nil {
		return keys, err
	}
	if spec.localSnapshot {
		keys.snapshot, err = g.storedECDSA("snapshot", spec.gun)
	} else {
		keys.snapshot, err = g.newEd25519()
	}
	if err != nil {
		return keys, err
	}
	if keys.timestamp, err = g.newEd25519(); err != nil {
		return keys, err
	}
	for _, name := range spec.signers {
		k, err := g.signer(name, spec.gun)
		if err != nil {
			return keys, err
		}
		keys.signers = append(keys.signers, k)
	}
	return keys, nil
}

// legacyKey makes a key and writes it as notary < 0.4 did:
// private/tuf_keys/<gun>/<id>_<role>.key, an EC PRIVATE KEY under OpenSSL
// PEM encryption (AES-256-CBC, MD5 key derivation), no headers but
// Proc-Type and DEK-Info.
func (g *generator) legacyKey(gun, role string) (*ecdsa.PrivateKey, error) {
	k, err := g.newECDSA()
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, err
	}
	// x509.EncryptPEMBlock is deprecated because the format is weak; it is
	// exactly what notary <= 0.5 wrote, which is the point here.
	block, err := x509.EncryptPEMBlock(g.rand, "EC PRIVATE KEY", der, g.pass, x509.PEMCipherAES256) //nolint:staticcheck // SA1019: reproducing the legacy format
	if err != nil {
		return nil, err
	}
	id, err := tuf.CanonicalID(k.Public())
	if err != nil {
		return nil, err
	}
	path := vault.LegacyKeyPath(g.info.Dir, gun, id, role)
	if err := writeFile(path, pem.EncodeToMemory(block)); err != nil {
		return nil, err
	}
	g.info.Legacy = KeyRef{ID: id, Role: role, GUN: gun, Path: path}
	return k, nil
}

// writeFile writes a new file with mode 0600, creating directories 0700.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
