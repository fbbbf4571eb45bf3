package publish

// Creating a repository, as docker does on the first signed push.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/tuf"
)

// NewRoot says where a new root key goes when Init finds none.
type NewRoot int

const (
	// NewRootAuto: onto the Yubikey when one is plugged in (made in
	// software and imported, its encrypted file kept as the backup), else
	// a key file.
	NewRootAuto NewRoot = iota
	// NewRootFile: a key file, even with a Yubikey plugged in.
	NewRootFile
	// NewRootTokenImport: made in software and imported to the Yubikey;
	// an error without one.
	NewRootTokenImport
	// NewRootTokenGenerate: generated on the Yubikey; it never leaves the
	// token and has no backup. Only when the person asked for it.
	NewRootTokenGenerate
)

// InitOptions choose the keys of a new repository.
type InitOptions struct {
	// RootKeyID is the root key to use (token first, then file); empty:
	// the one root key found (token first, then file), else a new one.
	RootKeyID string
	NewRoot   NewRoot
	// TokenSerial is the Yubikey for a new root key (0: the only one
	// plugged in).
	TokenSerial uint32
	// LocalSnapshot keeps the snapshot key here instead of on the server.
	LocalSnapshot bool
}

// Init creates gun's trust data on the server: root key (found or new),
// a new targets key, the snapshot key on the server (or here), the
// server's timestamp key; root.json with a certificate for the GUN signed
// by the root key itself, an empty targets.json, snapshot.json when the
// key is here. It publishes them in one POST, then pulls and verifies.
func (p *Publisher) Init(ctx context.Context, gun string, o InitOptions) (*Result, error) {
	if p.Store == nil {
		return nil, errors.New("no key store")
	}
	opts := p.options(gun)
	if err := remote.ValidGUN(gun); err != nil {
		return nil, err
	}
	if opts.TrustDir != "" {
		if cached, err := remote.ReadCache(opts.TrustDir, gun); err != nil {
			return nil, err
		} else if len(cached) > 0 {
			return nil, fmt.Errorf("metadata of an earlier repository is cached in %s; archive it and delete the repository first (trustvault delete), or move that directory away", remote.MetadataDir(opts.TrustDir, gun))
		}
	}
	if _, err := remote.Pull(ctx, opts); err == nil {
		return nil, fmt.Errorf("%s on %s: %w; sign, delegate or rotate instead", gun, opts.Server, ErrExists)
	} else if !errors.Is(err, remote.ErrNotFound) {
		return nil, err
	}
	t := p.newTxn(gun, opts)
	t.root = &rootDoc{keys: map[string]tuf.Key{}, roles: map[string]tuf.Role{}}
	if err := t.initKeys(ctx, o); err != nil {
		t.close()
		return nil, t.fail(err, false)
	}
	t.rootChanged = true
	t.docs["targets"] = targetsDocOf(nil)
	return t.commit(ctx)
}

// initKeys fills root.json's keys and roles.
func (t *txn) initKeys(ctx context.Context, o InitOptions) error {
	ts, err := remote.ServerKey(ctx, t.opts, "timestamp", false)
	if err != nil {
		return err
	}
	t.root.setRole("timestamp", ts)
	var snap tuf.Key
	if o.LocalSnapshot {
		snap, err = t.newKey("snapshot", t.gun)
	} else {
		snap, err = remote.ServerKey(ctx, t.opts, "snapshot", false)
	}
	if err != nil {
		return err
	}
	t.root.setRole("snapshot", snap)
	targets, err := t.newKey("targets", t.gun)
	if err != nil {
		return err
	}
	t.root.setRole("targets", targets)
	rootID, err := t.chooseRoot(o)
	if err != nil {
		return err
	}
	rootKey, err := t.rootCertificateKey(rootID)
	if err != nil {
		return err
	}
	t.root.setRole("root", rootKey)
	return nil
}

// rootCertificateKey signs the GUN's root certificate with the root key
// (on the token when it is there) and returns root.json's key for it.
func (t *txn) rootCertificateKey(id string) (tuf.Key, error) {
	signer, err := t.signerByID(id, "root certificate")
	if err != nil {
		return tuf.Key{}, err
	}
	certPEM, err := tuf.NewRootCertificate(signer, t.gun, t.now, t.p.rand())
	if err != nil {
		return tuf.Key{}, fmt.Errorf("root certificate for %s with key %s: %w", t.gun, vault.ShortID(id), err)
	}
	return tuf.NewCertificateKey(certPEM)
}

// signerByID opens a key by its canonical ID (cached).
func (t *txn) signerByID(id, what string) (crypto.Signer, error) {
	if s, ok := t.mem[id]; ok {
		return s, nil
	}
	if s, ok := t.signers[id]; ok {
		return s, nil
	}
	if _, err := t.tokenKeys(); err != nil {
		return nil, err
	}
	s, err := token.NewSigner(t.p.Store, id, t.tokens, t.p.Auth, t.p.Pass)
	if err != nil {
		return nil, fmt.Errorf("%s: key %s: %w", what, vault.ShortID(id), err)
	}
	t.signers[s.ID] = s
	t.noteSigner(what, s)
	return s, nil
}

// chooseRoot finds the root key (token first, then file) or makes one.
func (t *txn) chooseRoot(o InitOptions) (string, error) {
	tks, err := t.tokenKeys()
	if err != nil {
		return "", err
	}
	if o.RootKeyID != "" {
		return t.findRoot(o.RootKeyID, tks)
	}
	if id, err := tokenRoot(tks); id != "" || err != nil {
		return id, err
	}
	keys, err := t.p.Store.Keys()
	if err != nil {
		return "", err
	}
	var roots []string
	for _, k := range keys {
		if k.Kind() == keyrole.Root && k.Err == nil && k.Path != "" {
			roots = append(roots, k.ID)
		}
	}
	switch len(roots) {
	case 1:
		return roots[0], nil
	case 0:
		return t.newRoot(o)
	}
	short := make([]string, len(roots))
	for i, id := range roots {
		short[i] = vault.ShortID(id)
	}
	return "", fmt.Errorf("%d root keys here (%s): choose one with --root-key ID", len(roots), strings.Join(short, ", "))
}

// tokenRoot is the root key on the plugged-in tokens ("" when none holds
// one); an error when tokens hold different root keys.
func tokenRoot(tks []token.Key) (string, error) {
	id := ""
	var serials []uint32
	for _, tk := range tks {
		if tk.Role != "root" {
			continue
		}
		if !slices.Contains(serials, tk.Token.Serial) {
			serials = append(serials, tk.Token.Serial)
		}
		if id != "" && tk.ID != id {
			return "", severalTokens(serials, " and they hold different root keys")
		}
		id = tk.ID
	}
	return id, nil
}

// findRoot resolves a root key ID given by the person (a prefix of 7 or
// more characters will do).
func (t *txn) findRoot(id string, tks []token.Key) (string, error) {
	want := strings.ToLower(strings.TrimSpace(id))
	for _, tk := range tks {
		if tk.ID == want || (len(want) >= 7 && strings.HasPrefix(tk.ID, want)) {
			return tk.ID, nil
		}
	}
	k, err := t.p.Store.Key(want)
	if err != nil {
		return "", fmt.Errorf("root key %.70q: %w", id, err)
	}
	if k.Kind() != keyrole.Root {
		return "", fmt.Errorf("key %s is a %s key, not a root key", k.ShortID(), k.Role)
	}
	return k.ID, nil
}

// newRoot makes a root key where o says.
func (t *txn) newRoot(o InitOptions) (string, error) {
	choice := o.NewRoot
	var serial uint32
	if choice != NewRootFile {
		s, err := t.pickToken(o.TokenSerial)
		switch {
		case err != nil && choice == NewRootAuto && errors.Is(err, token.ErrNotFound):
			choice = NewRootFile
		case err != nil:
			return "", err
		default:
			serial = s
			if choice == NewRootAuto {
				choice = NewRootTokenImport
			}
		}
	}
	switch choice {
	case NewRootTokenGenerate:
		pin, err := t.pin(serial)
		if err != nil {
			return "", err
		}
		defer clear(pin)
		tk, err := token.GenerateRoot(token.RootOptions{Serial: serial, PIN: pin, Touch: t.touch(serial), Now: t.now, Rand: t.p.rand()})
		if err != nil {
			return "", err
		}
		t.tokenKey = &tk
		t.tokens = append(t.tokens, tk)
		return tk.ID, nil
	case NewRootTokenImport:
		return t.importRoot(serial)
	}
	k, err := t.newKey("root", "")
	if err != nil {
		return "", err
	}
	return k.CanonicalID()
}

// importRoot makes a root key in software, writes its encrypted file (the
// backup) and imports it to the token.
func (t *txn) importRoot(serial uint32) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), t.p.rand())
	if err != nil {
		return "", err
	}
	k, err := t.p.Store.AddKey(priv, "root", "", t.p.Pass)
	if err != nil {
		return "", err
	}
	pin, err := t.pin(serial)
	if err != nil {
		t.newKeys = append(t.newKeys, k) // removed by fail: never on a token
		return "", err
	}
	defer clear(pin)
	tk, err := token.ImportRoot(t.p.Store, k.ID, t.p.Pass, token.RootOptions{Serial: serial, PIN: pin, Touch: t.touch(serial), Now: t.now, Rand: t.p.rand()})
	if err != nil {
		// Keep the file when the token took the key after all (a failed
		// check signature): it is then the key's only backup.
		if _, tks, lerr := token.List(); lerr == nil {
			for _, x := range tks {
				if x.ID == k.ID {
					t.tokenKey = &x
					return "", err
				}
			}
		}
		t.newKeys = append(t.newKeys, k)
		return "", err
	}
	t.tokenKey = &tk
	t.tokens = append(t.tokens, tk)
	return tk.ID, nil
}

// pickToken is the token for a new root key.
func (t *txn) pickToken(serial uint32) (uint32, error) {
	infos, _, err := token.List()
	if err != nil && !token.Unavailable(err) {
		return 0, err
	}
	if serial == 0 {
		serial = t.p.Serial
	}
	var found []uint32
	var unusable error // a token plugged in that could not be read
	for _, in := range infos {
		switch {
		case serial != 0 && in.Serial != serial:
		case in.Err != nil:
			unusable = fmt.Errorf("the token in %s cannot take the root key: %w", in.Reader, in.Err)
		default:
			found = append(found, in.Serial)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) == 0 && unusable != nil:
		return 0, unusable
	case len(found) == 0 && serial != 0:
		return 0, fmt.Errorf("Yubikey %d is not plugged in%s: %w", serial, token.PluggedIn(infos), token.ErrNotFound)
	case len(found) == 0:
		return 0, fmt.Errorf("no Yubikey is plugged in: %w", token.ErrNotFound)
	}
	return 0, severalTokens(found, " for the new root key")
}

func (t *txn) pin(serial uint32) ([]byte, error) {
	if t.p.Auth.PIN == nil {
		return nil, fmt.Errorf("Yubikey %d: no way to ask for its PIN", serial)
	}
	return t.p.Auth.PIN(vault.TokenRef{Serial: serial, Slot: token.RootSlot})
}

func (t *txn) touch(serial uint32) func() {
	if t.p.Auth.Touch == nil {
		return nil
	}
	return func() { t.p.Auth.Touch(vault.TokenRef{Serial: serial, Slot: token.RootSlot}) }
}
