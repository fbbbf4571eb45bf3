package publish

// Delegations, and docker's signers (targets/releases plus
// targets/<name>).

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/internal/fsread"
	"github.com/trustvault/trustvault/vault/tuf"
)

// MaxKeyFileSize bounds a public key or certificate file read.
const MaxKeyFileSize = 64 << 10

// KeySource names a delegation key: a key of the store or a token by ID,
// or a file holding a PEM certificate (as notary delegation add takes) or
// a PEM public key (as docker trust key generate writes NAME.pub).
type KeySource struct {
	ID   string
	File string
}

// KeySourceOf reads a key as a person names it: a file when it looks like
// one (a path, .pem, .crt, .pub) or exists, else a key ID.
func KeySourceOf(v string) KeySource {
	if strings.ContainsRune(v, os.PathSeparator) || strings.HasSuffix(v, ".pem") || strings.HasSuffix(v, ".crt") || strings.HasSuffix(v, ".pub") {
		return KeySource{File: v}
	}
	if _, err := os.Stat(v); err == nil {
		return KeySource{File: v}
	}
	return KeySource{ID: v}
}

func (k KeySource) String() string {
	if k.File != "" {
		return k.File
	}
	return "key " + k.ID
}

// publicKey resolves a KeySource into a TUF key.
func (t *txn) publicKey(src KeySource, role string) (tuf.Key, error) {
	var key tuf.Key
	var err error
	switch {
	case src.File != "":
		key, err = keyFromFile(src.File)
	case src.ID != "":
		key, err = t.keyFromID(src.ID)
	default:
		err = errors.New("no key given: give a key ID or a .pem or .crt file")
	}
	if err != nil {
		return tuf.Key{}, err
	}
	pub, err := key.PublicKey()
	if err != nil {
		return tuf.Key{}, fmt.Errorf("%s: %w", src, err)
	}
	if err := vault.Ed25519Usable(role); err != nil {
		if kt, _, _ := tuf.PublicKeyMaterial(pub); kt == tuf.KeyTypeED25519 {
			return tuf.Key{}, fmt.Errorf("%s: %w", src, err)
		}
	}
	return key, nil
}

func keyFromFile(path string) (tuf.Key, error) {
	data, err := fsread.File(path, MaxKeyFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return tuf.Key{}, fmt.Errorf("key file %s does not exist; give the signer's certificate (.crt) or public key (.pem, .pub), or a key ID", path)
	}
	if err != nil {
		return tuf.Key{}, err
	}
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return tuf.Key{}, fmt.Errorf("%s holds no PEM certificate or public key; give the signer's certificate (.crt) or public key (.pem, .pub)", path)
		}
		switch block.Type {
		case "CERTIFICATE":
			k, err := tuf.NewCertificateKey(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}))
			if err != nil {
				return tuf.Key{}, fmt.Errorf("%s: %w", path, err)
			}
			return k, nil
		case "PUBLIC KEY":
			pub, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return tuf.Key{}, fmt.Errorf("%s: public key: %w", path, err)
			}
			return tuf.NewKey(pub)
		case "ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY":
			return tuf.Key{}, fmt.Errorf("%s is a private key; give the public key or certificate (the private key stays with its owner)", path)
		}
	}
}

// keyFromID finds a key's public part on a token or in the store.
func (t *txn) keyFromID(id string) (tuf.Key, error) {
	want := strings.ToLower(strings.TrimSpace(id))
	tks, err := t.tokenKeys()
	if err != nil {
		return tuf.Key{}, err
	}
	for _, tk := range tks {
		if tk.ID == want || (len(want) >= 7 && strings.HasPrefix(tk.ID, want)) {
			return tuf.NewKey(tk.Public)
		}
	}
	if t.dry {
		// A plan unlocks nothing: the key must be in the store; its
		// public part is read when publishing.
		k, err := t.p.Store.Key(want)
		if err != nil {
			return tuf.Key{}, fmt.Errorf("key %.70q: %w", id, err)
		}
		if k.Err != nil {
			return tuf.Key{}, fmt.Errorf("key %.70q: %w", id, k.Err)
		}
		for sid, real := range t.alias {
			if real == k.ID {
				return t.standIns[sid], nil
			}
		}
		t.planNew = append(t.planNew, fmt.Sprintf("key %s from %s (its passphrase opens it to read its public part)", vault.ShortID(k.ID), k.Path))
		sk, priv, err := standIn()
		if err == nil {
			// Held, as the key it stands for is, and named after it.
			t.mem[mustCanonical(sk)] = priv
			t.alias[mustCanonical(sk)] = k.ID
			t.standIns[mustCanonical(sk)] = sk
		}
		return sk, err
	}
	pemData, err := t.p.Store.ExportPublic(want, t.p.Pass)
	if err != nil {
		return tuf.Key{}, fmt.Errorf("key %.70q: %w", id, err)
	}
	block, _ := pem.Decode(pemData)
	if block == nil {
		return tuf.Key{}, fmt.Errorf("key %.70q: no public key", id)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return tuf.Key{}, fmt.Errorf("key %.70q: %w", id, err)
	}
	return tuf.NewKey(pub)
}

// checkDelegationName applies notary's rule for delegation names
// (IsDelegation): "targets/" then lowercase letters, digits, - _ and /,
// clean as a path.
func checkDelegationName(role string) error {
	ok := strings.HasPrefix(role, "targets/") && tuf.ValidRoleName(role) && strings.Count(role, "/") <= 8 && len(role) <= 255
	for _, c := range role {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '/')
	}
	if !ok {
		return fmt.Errorf("role %.80q is not a delegation name: targets/NAME, NAME of lowercase letters, digits, - and _ (as notary allows)", role)
	}
	return nil
}

// DelegationChange is what AddDelegation changes.
type DelegationChange struct {
	Keys []KeySource
	// Paths the role may sign; nil: every path ("", as --all-paths and
	// docker's signers). Added to an existing role's paths.
	Paths []string
	// Threshold of the role (0: 1 for a new role, unchanged otherwise).
	Threshold int
}

// addToDelegation adds keys, paths and a threshold to role, creating it.
func (t *txn) addToDelegation(role string, keys []tuf.Key, paths []string, threshold int) error {
	parent, err := t.edit(parentOf(role))
	if err != nil {
		return err
	}
	if paths == nil {
		paths = []string{""}
	}
	i, ok := parent.role(role)
	if !ok {
		if len(parent.roles) >= tuf.MaxDelegations {
			return fmt.Errorf("%s already delegates %d roles", parentOf(role), len(parent.roles))
		}
		parent.roles = append(parent.roles, tuf.Delegation{Name: role, Threshold: 1})
		i = len(parent.roles) - 1
	}
	d := &parent.roles[i]
	for _, k := range keys {
		parent.keys[k.ID()] = k
		if !slices.Contains(d.KeyIDs, k.ID()) {
			d.KeyIDs = append(d.KeyIDs, k.ID())
		}
	}
	for _, p := range paths {
		if !slices.Contains(d.Paths, p) {
			d.Paths = append(d.Paths, p)
		}
	}
	if threshold > 0 {
		d.Threshold = threshold
	}
	if d.Threshold > len(d.KeyIDs) {
		return fmt.Errorf("%s: threshold %d with %d key(s): no update could ever be signed", role, d.Threshold, len(d.KeyIDs))
	}
	if len(d.KeyIDs) == 0 {
		return fmt.Errorf("%s: no key given", role)
	}
	return nil
}

// AddDelegation adds role (targets/NAME, under its parent) or adds keys
// and paths to it, as notary delegation add does, and publishes the
// parent (and the snapshot when its key is here).
func (p *Publisher) AddDelegation(ctx context.Context, gun, role string, c DelegationChange) (*Result, error) {
	if err := checkDelegationName(role); err != nil {
		return nil, err
	}
	if err := CheckKeys(c.Keys); err != nil {
		return nil, err
	}
	return p.publish(ctx, gun, func(t *txn) error { return t.addKeys(role, c) })
}

func (t *txn) addKeys(role string, c DelegationChange) error {
	var keys []tuf.Key
	for _, src := range c.Keys {
		k, err := t.publicKey(src, role)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	return t.addToDelegation(role, keys, c.Paths, c.Threshold)
}

// RemoveDelegation removes keys (by TUF or canonical ID, or a prefix of 7
// or more characters) from role; with no keys, or when none is left, it
// removes the role itself, as notary delegation remove does.
func (p *Publisher) RemoveDelegation(ctx context.Context, gun, role string, keyIDs []string) (*Result, error) {
	if err := checkDelegationName(role); err != nil {
		return nil, err
	}
	if err := CheckKeyIDs(keyIDs); err != nil {
		return nil, err
	}
	return p.publish(ctx, gun, func(t *txn) error { return t.removeFromDelegation(role, keyIDs) })
}

func (t *txn) removeFromDelegation(role string, keyIDs []string) error {
	parent, err := t.edit(parentOf(role))
	if err != nil {
		return err
	}
	i, ok := parent.role(role)
	if !ok {
		return notFoundf("role %s is not delegated in %s (trustvault inspect GUN shows the signers)", role, parentOf(role))
	}
	d := &parent.roles[i]
	for _, want := range keyIDs {
		j := slices.IndexFunc(d.KeyIDs, func(id string) bool { return keyMatches(parent.keys[id], id, want) })
		if j < 0 {
			return notFoundf("%s has no key %.70q (trustvault inspect GUN shows its keys)", role, want)
		}
		d.KeyIDs = slices.Delete(d.KeyIDs, j, j+1)
	}
	if len(keyIDs) == 0 || len(d.KeyIDs) == 0 {
		parent.roles = slices.Delete(parent.roles, i, i+1)
	} else if d.Threshold > len(d.KeyIDs) {
		d.Threshold = len(d.KeyIDs)
	}
	parent.dropUnusedKeys()
	return nil
}

// keyMatches matches a key by its TUF ID or canonical ID (or a prefix).
func keyMatches(k tuf.Key, id, want string) bool {
	want = strings.ToLower(strings.TrimSpace(want))
	cid, _ := k.CanonicalID()
	for _, have := range []string{id, cid} {
		if have != "" && (have == want || (len(want) >= 7 && strings.HasPrefix(have, want))) {
			return true
		}
	}
	return false
}

// AddSigner adds a signer as `docker trust signer add NAME` does: its
// keys go into targets/releases and targets/NAME (created with every
// path), and the targets file is published.
func (p *Publisher) AddSigner(ctx context.Context, gun, name string, keys []KeySource) (*Result, error) {
	change, err := addSignerChange(name, keys)
	if err != nil {
		return nil, err
	}
	return p.publish(ctx, gun, change)
}

// CheckSignerName applies docker's rule for a signer's name.
func CheckSignerName(name string) error {
	if err := checkDelegationName("targets/" + name); err != nil || strings.Contains(name, "/") || name == "releases" {
		return fmt.Errorf("signer name %.80q: use lowercase letters, digits, - and _ (and not \"releases\")", name)
	}
	return nil
}

// addSignerChange checks a signer and its keys and makes the change that
// adds them.
func addSignerChange(name string, keys []KeySource) (func(*txn) error, error) {
	if err := CheckSignerName(name); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("signer %s: no key given: give a key ID or a .pem or .crt file", name)
	}
	if err := CheckKeys(keys); err != nil {
		return nil, err
	}
	return func(t *txn) error {
		for _, r := range []string{"targets/releases", "targets/" + name} {
			if err := t.addKeys(r, DelegationChange{Keys: keys}); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// RemoveSigner removes a signer as `docker trust signer remove NAME`
// does: targets/NAME goes, and its keys leave targets/releases unless
// another signer has them. Removing the last key of targets/releases
// removes that role and so hides the tags it signed: it needs force.
func (p *Publisher) RemoveSigner(ctx context.Context, gun, name string, force bool) (*Result, error) {
	if err := CheckSignerName(name); err != nil {
		return nil, err
	}
	role := "targets/" + name
	return p.publish(ctx, gun, func(t *txn) error { return t.removeSigner(role, force) })
}

func (t *txn) removeSigner(role string, force bool) error {
	_, keys, err := t.delegation(role)
	if err != nil {
		return err
	}
	if err := t.removeFromDelegation(role, nil); err != nil {
		return err
	}
	top := t.current("targets")
	ri, ok := top.role("targets/releases")
	if !ok {
		return nil
	}
	others := map[string]bool{}
	for _, r := range top.roles {
		if r.Name != "targets/releases" && parentOf(r.Name) == "targets" {
			for _, id := range r.KeyIDs {
				others[id] = true
			}
		}
	}
	releases := &top.roles[ri]
	releases.KeyIDs = slices.DeleteFunc(releases.KeyIDs, func(id string) bool {
		return !others[id] && slices.ContainsFunc(keys, func(k tuf.Key) bool { return k.ID() == id })
	})
	if len(releases.KeyIDs) == 0 {
		if !force {
			return fmt.Errorf("%s was the last signer of targets/releases: removing it removes that role and hides the tags it signed; force it, or add another signer first", strings.TrimPrefix(role, "targets/"))
		}
		top.roles = slices.Delete(top.roles, ri, ri+1)
	} else if releases.Threshold > len(releases.KeyIDs) {
		releases.Threshold = len(releases.KeyIDs)
	}
	top.dropUnusedKeys()
	return nil
}
