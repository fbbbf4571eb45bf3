package publish

// One change of a repository: the metadata as it will be, the keys that
// sign it, the new key files written for it.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/tuf"
)

type txn struct {
	p    *Publisher
	gun  string
	opts remote.Options
	now  time.Time
	repo *tuf.Repo // the verified repository before the change (nil at init)

	root        *rootDoc
	rootChanged bool
	// alsoSignRoot are keys that sign the new root besides its own: the
	// old root keys of a root rotation.
	alsoSignRoot []tuf.Key
	docs         map[string]*targetsDoc // changed targets and delegation files
	// forceSnapshot signs a snapshot even when no other file changed.
	forceSnapshot bool

	newKeys  []vault.Key
	tokenKey *token.Key
	mem      map[string]crypto.Signer // new keys, by canonical ID
	signers  map[string]*token.Signer // opened signers, by canonical ID
	tokens   []token.Key
	listed   bool
	signedBy []string

	// dry marks a plan: nothing is written, sent or unlocked; new keys
	// and keys named by ID are stand-ins, described in planNew.
	dry     bool
	planNew []string
	// alias names the key a plan's stand-in stands for.
	alias    map[string]string
	standIns map[string]tuf.Key
}

// rootDoc is root.json's content as it will be signed.
type rootDoc struct {
	keys    map[string]tuf.Key
	roles   map[string]tuf.Role
	version int
}

func rootDocOf(m *tuf.Metadata) *rootDoc {
	d := &rootDoc{keys: maps.Clone(m.Keys), roles: map[string]tuf.Role{}, version: m.Version}
	for name, r := range m.Roles {
		d.roles[name] = tuf.Role{KeyIDs: slices.Clone(r.KeyIDs), Threshold: r.Threshold}
	}
	return d
}

// setRole gives a base role one key, dropping keys no role uses any more.
func (d *rootDoc) setRole(role string, k tuf.Key) {
	d.keys[k.ID()] = k
	d.roles[role] = tuf.Role{KeyIDs: []string{k.ID()}, Threshold: 1}
	used := map[string]bool{}
	for _, r := range d.roles {
		for _, id := range r.KeyIDs {
			used[id] = true
		}
	}
	for id := range d.keys {
		if !used[id] {
			delete(d.keys, id)
		}
	}
}

// roleKeys are the keys of a base role.
func (d *rootDoc) roleKeys(role string) ([]tuf.Key, int) {
	r := d.roles[role]
	var keys []tuf.Key
	for _, id := range r.KeyIDs {
		if k, ok := d.keys[id]; ok {
			keys = append(keys, k)
		}
	}
	return keys, r.Threshold
}

// targetsDoc is a targets or delegation file's content.
type targetsDoc struct {
	targets map[string]tuf.FileMeta
	keys    map[string]tuf.Key
	roles   []tuf.Delegation
	version int
}

func targetsDocOf(m *tuf.Metadata) *targetsDoc {
	d := &targetsDoc{targets: map[string]tuf.FileMeta{}, keys: map[string]tuf.Key{}}
	if m == nil {
		return d
	}
	maps.Copy(d.targets, m.Targets)
	maps.Copy(d.keys, m.Keys)
	for _, r := range m.Delegations {
		r.KeyIDs, r.Paths = slices.Clone(r.KeyIDs), slices.Clone(r.Paths)
		d.roles = append(d.roles, r)
	}
	d.version = m.Version
	return d
}

// role finds a delegation the file declares.
func (d *targetsDoc) role(name string) (int, bool) {
	for i, r := range d.roles {
		if r.Name == name {
			return i, true
		}
	}
	return -1, false
}

// dropUnusedKeys removes keys no delegation of the file uses.
func (d *targetsDoc) dropUnusedKeys() {
	used := map[string]bool{}
	for _, r := range d.roles {
		for _, id := range r.KeyIDs {
			used[id] = true
		}
	}
	for id := range d.keys {
		if !used[id] {
			delete(d.keys, id)
		}
	}
}

func (p *Publisher) newTxn(gun string, o remote.Options) *txn {
	return &txn{p: p, gun: gun, opts: o, now: p.now(), docs: map[string]*targetsDoc{},
		mem: map[string]crypto.Signer{}, signers: map[string]*token.Signer{}, alias: map[string]string{}, standIns: map[string]tuf.Key{}}
}

func (t *txn) close() {
	for _, s := range t.signers {
		_ = s.Close()
	}
}

// parentOf is a delegation's parent role.
func parentOf(role string) string { return path.Dir(role) }

// current is a targets or delegation file as it is now in the change
// (nil when the role has no file yet).
func (t *txn) current(role string) *targetsDoc {
	if d, ok := t.docs[role]; ok {
		return d
	}
	if t.repo == nil {
		return nil
	}
	if role == "targets" {
		return targetsDocOf(t.repo.Targets)
	}
	if m, ok := t.repo.Delegations[role]; ok {
		return targetsDocOf(m)
	}
	return nil
}

// edit marks a targets or delegation file as changed and returns it. A
// delegation must be declared by its parent.
func (t *txn) edit(role string) (*targetsDoc, error) {
	if d, ok := t.docs[role]; ok {
		return d, nil
	}
	if role != "targets" {
		if _, _, err := t.delegation(role); err != nil {
			return nil, err
		}
	}
	d := t.current(role)
	if d == nil {
		d = targetsDocOf(nil)
	}
	t.docs[role] = d
	return d, nil
}

// delegation is a delegation as its parent (changed or not) declares it,
// with its keys.
func (t *txn) delegation(role string) (tuf.Delegation, []tuf.Key, error) {
	parent := t.current(parentOf(role))
	if parent == nil {
		return tuf.Delegation{}, nil, fmt.Errorf("role %s: its parent %s has no file: %w", role, parentOf(role), ErrNotFound)
	}
	i, ok := parent.role(role)
	if !ok {
		return tuf.Delegation{}, nil, fmt.Errorf("role %s is not delegated in %s: %w", role, parentOf(role), ErrNotFound)
	}
	d := parent.roles[i]
	var keys []tuf.Key
	for _, id := range d.KeyIDs {
		if k, ok := parent.keys[id]; ok {
			keys = append(keys, k)
		}
	}
	return d, keys, nil
}

// roleKeys are the keys that may sign role, and how many must.
func (t *txn) roleKeys(role string) ([]tuf.Key, int, error) {
	switch role {
	case "root", "targets", "snapshot", "timestamp":
		keys, threshold := t.root.roleKeys(role)
		return keys, threshold, nil
	}
	d, keys, err := t.delegation(role)
	return keys, d.Threshold, err
}

var errNotHeld = errors.New("key not held")

// tokenKeys lists the keys on plugged-in tokens once.
func (t *txn) tokenKeys() ([]token.Key, error) {
	if t.listed {
		return t.tokens, nil
	}
	tks := t.p.Tokens
	if tks == nil {
		infos, keys, err := token.List()
		if err != nil && !token.Unavailable(err) {
			return nil, err
		}
		if t.p.Serial != 0 && !slices.ContainsFunc(infos, func(in token.Info) bool { return in.Serial == t.p.Serial }) {
			return nil, fmt.Errorf("Yubikey %d is not plugged in%s: %w", t.p.Serial, token.PluggedIn(infos), token.ErrNotFound)
		}
		tks = keys
	}
	t.tokens = []token.Key{}
	for _, tk := range tks {
		if t.p.Serial == 0 || tk.Token.Serial == t.p.Serial {
			t.tokens = append(t.tokens, tk)
		}
	}
	t.listed = true
	return t.tokens, nil
}

func serialList(serials []uint32) string {
	s := make([]string, len(serials))
	for i, n := range serials {
		s[i] = strconv.FormatUint(uint64(n), 10)
	}
	return strings.Join(s, ", ")
}

// severalTokens is the error when serials (more than one) could serve and
// none was chosen; why says what each of them offers.
func severalTokens(serials []uint32, why string) error {
	return fmt.Errorf("%w (%s)%s: choose one with --serial SERIAL", ErrSeveralTokens, serialList(serials), why)
}

// holds reports whether the key (by canonical ID) is on a plugged-in token
// or in a readable key file.
func (t *txn) holds(cid string) (bool, error) {
	if _, ok := t.mem[cid]; ok {
		return true, nil
	}
	tks, err := t.tokenKeys()
	if err != nil {
		return false, err
	}
	for _, tk := range tks {
		if tk.ID == cid {
			return true, nil
		}
	}
	k, err := t.p.Store.Key(cid)
	return err == nil && k.Err == nil && k.Path != "", nil
}

// signer opens the key that signs as k: a new key in memory, else the
// token's, else the file's.
func (t *txn) signer(k tuf.Key, role string) (tuf.Signer, error) {
	cid, err := k.CanonicalID()
	if err != nil {
		return tuf.Signer{}, fmt.Errorf("%s key %s: %w", role, vault.ShortID(k.ID()), err)
	}
	if s, ok := t.mem[cid]; ok {
		t.signedBy = append(t.signedBy, fmt.Sprintf("%s: key %s (new)", role, vault.ShortID(cid)))
		return tuf.Signer{KeyID: k.ID(), Signer: s}, nil
	}
	if s, ok := t.signers[cid]; ok {
		t.noteSigner(role, s)
		return tuf.Signer{KeyID: k.ID(), Signer: s}, nil
	}
	held, err := t.holds(cid)
	if err != nil {
		return tuf.Signer{}, err
	}
	if !held {
		return tuf.Signer{}, errNotHeld
	}
	s, err := token.NewSigner(t.p.Store, cid, t.tokens, t.p.Auth, t.p.Pass)
	if err != nil {
		// The store's and the token's errors name the key already.
		return tuf.Signer{}, fmt.Errorf("sign %s: %w", role, err)
	}
	t.signers[cid] = s
	t.noteSigner(role, s)
	return tuf.Signer{KeyID: k.ID(), Signer: s}, nil
}

func (t *txn) noteSigner(role string, s *token.Signer) {
	where := "file"
	if s.Token != nil {
		where = s.Token.String()
	}
	t.signedBy = append(t.signedBy, fmt.Sprintf("%s: key %s (%s)", role, vault.ShortID(s.ID), where))
}

// signersFor opens as many keys of the role as its threshold needs.
func (t *txn) signersFor(role string, keys []tuf.Key, threshold int) ([]tuf.Signer, error) {
	picked, err := t.pick(role, keys, threshold)
	if err != nil {
		return nil, err
	}
	out := make([]tuf.Signer, 0, len(picked))
	for _, k := range picked {
		s, err := t.signer(k, role)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// pick chooses, in order, as many keys of the role as its threshold
// needs among those held here (a new key, a plugged-in token, a key
// file), without opening any: the keys that will sign.
func (t *txn) pick(role string, keys []tuf.Key, threshold int) ([]tuf.Key, error) {
	if threshold < 1 {
		threshold = 1
	}
	var out []tuf.Key
	var ids []string
	for _, k := range keys {
		if len(out) == threshold {
			break
		}
		cid, err := k.CanonicalID()
		if err != nil {
			return nil, fmt.Errorf("%s key %s: %w", role, vault.ShortID(k.ID()), err)
		}
		ids = append(ids, vault.ShortID(cid))
		held, err := t.holds(cid)
		if err != nil {
			return nil, err
		}
		if held {
			out = append(out, k)
		}
	}
	if len(out) < threshold {
		return nil, fmt.Errorf("%s needs %d signature(s) by key(s) %s; this key store and the plugged-in tokens hold %d of them: %w",
			role, threshold, strings.Join(ids, ", "), len(out), ErrNoKey)
	}
	return out, nil
}

// newKey makes an ECDSA P-256 key and writes it to the store at once (a
// new file no metadata refers to yet; see doc.go).
func (t *txn) newKey(role, gun string) (tuf.Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), t.p.rand())
	if err != nil {
		return tuf.Key{}, fmt.Errorf("new %s key: %w", role, err)
	}
	if t.dry {
		// A plan writes nothing: the key stands in for the one the
		// change will make, and says so.
		key, err := tuf.NewKey(&priv.PublicKey)
		if err == nil {
			t.mem[mustCanonical(key)] = priv
			t.planNew = append(t.planNew, fmt.Sprintf("a new %s key, made here and written to the key store under a passphrase you choose", role))
		}
		return key, err
	}
	k, err := t.p.Store.AddKey(priv, role, gun, t.p.Pass)
	if err != nil {
		return tuf.Key{}, err
	}
	t.newKeys = append(t.newKeys, k)
	t.mem[k.ID] = priv
	return tuf.NewKey(&priv.PublicKey)
}

// changedRoles are the roles the change publishes (before signing: a
// guess at the snapshot).
func (t *txn) changedRoles() []string {
	roles := sortedKeys(t.docs)
	if t.rootChanged {
		roles = append([]string{"root"}, roles...)
	}
	if t.snapshotLocal() {
		roles = append(roles, "snapshot")
	}
	return roles
}
