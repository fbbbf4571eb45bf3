package publish

// Signing the files of a change, and the tags docker signs.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/trustvault/trustvault/vault/tuf"
)

// sign signs every changed file, root, and the snapshot when its key is
// here. Nothing is sent.
func (t *txn) sign() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, role := range sortedKeys(t.docs) {
		d := t.docs[role]
		keys, threshold, err := t.roleKeys(role)
		if err != nil {
			return nil, err
		}
		signers, err := t.signersFor(role, keys, threshold)
		if err != nil {
			return nil, err
		}
		signed := tuf.TargetsSigned(d.targets, d.keys, d.roles, t.expires(role), d.version+1)
		if files[role], err = tuf.Sign(signed, t.p.rand(), signers...); err != nil {
			return nil, fmt.Errorf("sign %s: %w", role, err)
		}
	}
	if t.rootChanged {
		data, err := t.signRoot()
		if err != nil {
			return nil, err
		}
		files["root"] = data
	}
	if t.snapshotLocal() && (len(files) > 0 || t.forceSnapshot) {
		data, err := t.signSnapshot(files)
		if err != nil {
			return nil, err
		}
		files["snapshot"] = data
	}
	if len(files) == 0 {
		return nil, errors.New("nothing changed, so nothing to publish")
	}
	return files, nil
}

// signRoot signs the new root.json with its own root keys and, in a root
// rotation, with the old ones too (TUF: a new root must satisfy the old
// root's threshold and its own).
func (t *txn) signRoot() ([]byte, error) {
	keys, threshold := t.root.roleKeys("root")
	signers, err := t.signersFor("root", keys, threshold)
	if err != nil {
		return nil, err
	}
	if len(t.alsoSignRoot) > 0 {
		oldThreshold := 1
		if t.repo != nil {
			oldThreshold = t.repo.Root.Roles["root"].Threshold
		}
		old, err := t.signersFor("root (old key)", t.alsoSignRoot, oldThreshold)
		if err != nil {
			return nil, err
		}
		signers = append(signers, old...)
	}
	signed := tuf.RootSigned(t.root.keys, t.root.roles, t.expires("root"), t.root.version+1)
	data, err := tuf.Sign(signed, t.p.rand(), signers...)
	if err != nil {
		return nil, fmt.Errorf("sign root: %w", err)
	}
	return data, nil
}

// snapshotLocal reports whether a key of the snapshot role is here (else
// the server holds it and makes the snapshot).
func (t *txn) snapshotLocal() bool {
	keys, _ := t.root.roleKeys("snapshot")
	for _, k := range keys {
		cid, err := k.CanonicalID()
		if err != nil {
			continue
		}
		if ok, err := t.holds(cid); err == nil && ok {
			return true
		}
	}
	return false
}

// declared are the delegations reachable from targets as the change
// leaves them.
func (t *txn) declared() []string {
	var out []string
	queue := []string{"targets"}
	for len(queue) > 0 && len(out) <= tuf.MaxDelegations {
		d := t.current(queue[0])
		queue = queue[1:]
		if d == nil {
			continue
		}
		for _, r := range d.roles {
			out = append(out, r.Name)
			queue = append(queue, r.Name)
		}
	}
	return out
}

// signSnapshot describes root, targets and every delegation file.
func (t *txn) signSnapshot(files map[string][]byte) ([]byte, error) {
	fileOf := func(role string) []byte {
		if data, ok := files[role]; ok {
			return data
		}
		if t.repo != nil {
			return t.repo.Files[role]
		}
		return nil
	}
	meta := map[string]tuf.FileMeta{}
	for _, role := range append([]string{"root", "targets"}, t.declared()...) {
		if data := fileOf(role); data != nil {
			meta[role] = tuf.NewFileMeta(data)
		}
	}
	version := 0
	if t.repo != nil && t.repo.Snapshot != nil {
		version = t.repo.Snapshot.Version
	}
	keys, threshold := t.root.roleKeys("snapshot")
	signers, err := t.signersFor("snapshot", keys, threshold)
	if err != nil {
		return nil, err
	}
	data, err := tuf.Sign(tuf.SnapshotSigned(meta, t.expires("snapshot"), version+1), t.p.rand(), signers...)
	if err != nil {
		return nil, fmt.Errorf("sign snapshot: %w", err)
	}
	return data, nil
}

// Target is a signed tag as docker signs an image: the manifest's SHA-256
// digest and its length.
func Target(digest string, size int64) (tuf.FileMeta, error) {
	d := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(digest)), "sha256:")
	raw, err := hex.DecodeString(d)
	if err != nil || len(raw) != 32 {
		return tuf.FileMeta{}, fmt.Errorf("digest %.80q is not a sha256 digest (64 hex digits, with or without \"sha256:\")", digest)
	}
	if size <= 0 {
		return tuf.FileMeta{}, fmt.Errorf("size %d: give the manifest's length in bytes (docker inspect shows it)", size)
	}
	return tuf.FileMeta{Length: size, Hashes: map[string][]byte{"sha256": raw}}, nil
}

// CheckTag checks a tag name as docker and notary take it.
func CheckTag(tag string) error {
	if tag == "" || len(tag) > 128 || strings.ContainsAny(tag, "/:@ \t\r\n") {
		return fmt.Errorf("tag %.80q is not a tag name", tag)
	}
	return nil
}

// Sign adds or replaces tag in role ("": the roles `docker trust sign`
// picks: targets when there are no delegations, else every direct
// delegation of targets whose paths allow the tag and whose key is here).
func (p *Publisher) Sign(ctx context.Context, gun, tag, digest string, size int64, role string) (*Result, error) {
	change, err := signChange(tag, digest, size, role)
	if err != nil {
		return nil, err
	}
	return p.publish(ctx, gun, change)
}

// signChange checks a tag to sign and makes the change that signs it.
func signChange(tag, digest string, size int64, role string) (func(*txn) error, error) {
	if err := CheckTag(tag); err != nil {
		return nil, err
	}
	if err := CheckSignRole(role); err != nil {
		return nil, err
	}
	meta, err := Target(digest, size)
	if err != nil {
		return nil, err
	}
	return func(t *txn) error {
		return t.editTag(tag, role, false, func(d *targetsDoc) { d.targets[tag] = meta })
	}, nil
}

// Revoke removes tag from role ("": from every role `docker trust revoke`
// would: those of Sign's choice that hold the tag).
func (p *Publisher) Revoke(ctx context.Context, gun, tag, role string) (*Result, error) {
	change, err := revokeChange(tag, role)
	if err != nil {
		return nil, err
	}
	return p.publish(ctx, gun, change)
}

// revokeChange checks a tag to revoke and makes the change that revokes it.
func revokeChange(tag, role string) (func(*txn) error, error) {
	if err := CheckTag(tag); err != nil {
		return nil, err
	}
	if err := CheckSignRole(role); err != nil {
		return nil, err
	}
	return func(t *txn) error {
		return t.editTag(tag, role, true, func(d *targetsDoc) { delete(d.targets, tag) })
	}, nil
}

// editTag applies set to the targets of every role tag is signed into
// (revoke false) or revoked from (see tagRoles).
func (t *txn) editTag(tag, role string, revoke bool, set func(*targetsDoc)) error {
	roles, err := t.tagRoles(tag, role, revoke)
	if err != nil {
		return err
	}
	for _, r := range roles {
		d, err := t.edit(r)
		if err != nil {
			return err
		}
		set(d)
	}
	return nil
}

// tagRoles picks the roles a tag is signed into (or revoked from).
func (t *txn) tagRoles(tag, role string, revoke bool) ([]string, error) {
	if role != "" {
		if role != "targets" {
			d, _, err := t.delegation(role)
			if err != nil {
				return nil, err
			}
			if !(tuf.DelegatedRole{Paths: d.Paths}).CheckPath(tag) {
				return nil, fmt.Errorf("role %s may not sign %q (its paths: %q)", role, tag, d.Paths)
			}
		}
		if cur := t.current(role); revoke && (cur == nil || !hasTarget(cur, tag)) {
			return nil, notFoundf("tag %s is not signed in %s (trustvault inspect %s lists the signed tags)", tag, role, t.gun)
		}
		return []string{role}, nil
	}
	roles, err := t.signableRoles(tag)
	if !revoke {
		return roles, err
	}
	// Revoking also takes the tag out of targets when it is there and the
	// targets key is here (docker would leave it, still valid).
	if !slices.Contains(roles, "targets") && t.holdsRole("targets") {
		roles = append(roles, "targets")
	} else if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range roles {
		if cur := t.current(r); cur != nil && hasTarget(cur, tag) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, notFoundf("tag %s is not signed in %s (trustvault inspect %s lists the signed tags)", tag, strings.Join(roles, ", "), t.gun)
	}
	return out, nil
}

// holdsRole reports whether a key of the role is here.
func (t *txn) holdsRole(role string) bool {
	keys, _, err := t.roleKeys(role)
	if err != nil {
		return false
	}
	for _, k := range keys {
		if ok, err := t.holds(mustCanonical(k)); err == nil && ok {
			return true
		}
	}
	return false
}

func hasTarget(d *targetsDoc, tag string) bool { _, ok := d.targets[tag]; return ok }

// signableRoles is docker's choice (GetSignableRoles): targets when the
// repository has no delegations; else the direct delegations of targets
// that may sign the tag and whose key is here, or an error.
func (t *txn) signableRoles(tag string) ([]string, error) {
	top := t.current("targets")
	if top == nil || len(top.roles) == 0 {
		return []string{"targets"}, nil
	}
	var out []string
	for _, r := range top.roles {
		if path.Dir(r.Name) != "targets" || !(tuf.DelegatedRole{Paths: r.Paths}).CheckPath(tag) {
			continue
		}
		for _, id := range r.KeyIDs {
			k, ok := top.keys[id]
			if !ok {
				continue
			}
			cid, err := k.CanonicalID()
			if err != nil {
				continue
			}
			held, err := t.holds(cid)
			if err != nil {
				return nil, err
			}
			if held {
				out = append(out, r.Name)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no valid signing keys for delegation roles (as docker says): this key store holds no key of %s's delegations; give --role targets to sign with the targets key: %w", t.gun, ErrNoKey)
	}
	return out, nil
}
