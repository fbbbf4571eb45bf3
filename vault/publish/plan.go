package publish

// Plans: what a change would publish and which keys would sign it,
// worked out as the change itself is (the same code), without unlocking
// a key, writing a file or sending anything.

import (
	"context"
	"fmt"
	"strings"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Plan is what a change would do to a repository as the server has it
// now. Publishing pulls again, so a repository changed in between may
// give another result; the Result says what was done.
type Plan struct {
	GUN    string
	Server string
	// Changes are the metadata files the change publishes, in the order
	// they are signed (delegations and targets, root, snapshot).
	Changes []RoleChange
	// ServerSigned are the roles the server signs in consequence
	// (snapshot when it holds the snapshot key, timestamp always).
	ServerSigned []string
	// Signers are the keys that would sign, in order.
	Signers []PlannedSigner
	// Keys describes keys the change makes, or reads when publishing (a
	// rotation's new key, a signer's key named by ID).
	Keys []string
}

// RoleChange is one metadata file a change publishes.
type RoleChange struct {
	Role string
	// From is the version now (0: the file is new); To the version
	// published.
	From, To int
}

func (c RoleChange) String() string {
	if c.From == 0 {
		return fmt.Sprintf("%s.json new (v%d)", c.Role, c.To)
	}
	return fmt.Sprintf("%s.json v%d → v%d", c.Role, c.From, c.To)
}

// PlannedSigner is a key that would sign a role, and where it is.
type PlannedSigner struct {
	Role  string
	KeyID string // canonical ID; "" for a key the change makes
	// New: a key the change makes. Otherwise Token is set for a key on a
	// plugged-in token (it wins over a file, as when signing), else Path
	// is its key file.
	New   bool
	Token *vault.TokenRef
	Path  string
}

// Where says where the key is: "Yubikey 123, slot 9c", "file PATH", "new".
func (s PlannedSigner) Where() string {
	switch {
	case s.New:
		return "new key, made by this change"
	case s.Token != nil:
		return s.Token.String() + ", PIN and touch"
	case s.Path != "":
		return "file " + s.Path + ", passphrase"
	}
	return "held here"
}

func (s PlannedSigner) String() string {
	if s.New {
		return s.Role + ": the new key"
	}
	return fmt.Sprintf("%s: key %s (%s)", s.Role, vault.ShortID(s.KeyID), s.Where())
}

// Lines is the plan in words, one fact a line, as the CLI's --dry-run and
// the interactive view's confirmation say it.
func (p *Plan) Lines() []string {
	var out []string
	changes := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		changes[i] = c.String()
	}
	out = append(out, "publishes "+strings.Join(changes, ", "))
	if len(p.ServerSigned) > 0 {
		out = append(out, "then the server signs "+strings.Join(p.ServerSigned, ", "))
	}
	for _, k := range p.Keys {
		out = append(out, "uses "+k)
	}
	for _, s := range p.Signers {
		out = append(out, "signed by "+s.String())
	}
	return out
}

// prepare pulls the repository and makes the change in a txn (dry: a
// plan). On an error nothing is left behind.
func (p *Publisher) prepare(ctx context.Context, gun string, dry bool, change func(*txn) error) (*txn, error) {
	t, err := p.begin(ctx, gun)
	if err != nil {
		return nil, err
	}
	t.dry = dry
	if err := change(t); err != nil {
		t.close()
		return nil, t.fail(err, false)
	}
	return t, nil
}

// publish makes the change and publishes it.
func (p *Publisher) publish(ctx context.Context, gun string, change func(*txn) error) (*Result, error) {
	t, err := p.prepare(ctx, gun, false, change)
	if err != nil {
		return nil, err
	}
	return t.commit(ctx)
}

// plan makes the change as a plan.
func (p *Publisher) plan(ctx context.Context, gun string, change func(*txn) error) (*Plan, error) {
	t, err := p.prepare(ctx, gun, true, change)
	if err != nil {
		return nil, err
	}
	defer t.close()
	pl, err := t.plan()
	if err != nil {
		return nil, t.fail(err, false)
	}
	return pl, nil
}

// plan is sign without signing: the files that change, their versions,
// and the keys pick chooses for each.
func (t *txn) plan() (*Plan, error) {
	pl := &Plan{GUN: t.gun, Server: t.opts.Server, Keys: t.planNew}
	sign := func(role string, keys []tuf.Key, threshold int) error {
		picked, err := t.pick(role, keys, threshold)
		if err != nil {
			return err
		}
		for _, k := range picked {
			pl.Signers = append(pl.Signers, t.where(role, k))
		}
		return nil
	}
	for _, role := range sortedKeys(t.docs) {
		keys, threshold, err := t.roleKeys(role)
		if err != nil {
			return nil, err
		}
		if err := sign(role, keys, threshold); err != nil {
			return nil, err
		}
		v := t.docs[role].version // 0: a new file
		pl.Changes = append(pl.Changes, RoleChange{Role: role, From: v, To: v + 1})
	}
	if t.rootChanged {
		keys, threshold := t.root.roleKeys("root")
		if err := sign("root", keys, threshold); err != nil {
			return nil, err
		}
		if len(t.alsoSignRoot) > 0 {
			if err := sign("root (old key)", t.alsoSignRoot, t.repo.Root.Roles["root"].Threshold); err != nil {
				return nil, err
			}
		}
		pl.Changes = append(pl.Changes, RoleChange{Role: "root", From: t.root.version, To: t.root.version + 1})
	}
	if len(pl.Changes) == 0 && !t.forceSnapshot {
		return nil, fmt.Errorf("nothing changed, so nothing to publish")
	}
	if t.snapshotLocal() {
		keys, threshold := t.root.roleKeys("snapshot")
		if err := sign("snapshot", keys, threshold); err != nil {
			return nil, err
		}
		from := 0
		if t.repo != nil && t.repo.Snapshot != nil {
			from = t.repo.Snapshot.Version
		}
		pl.Changes = append(pl.Changes, RoleChange{Role: "snapshot", From: from, To: from + 1})
	} else {
		pl.ServerSigned = append(pl.ServerSigned, "snapshot")
	}
	pl.ServerSigned = append(pl.ServerSigned, "timestamp")
	return pl, nil
}

// where says where the key that signs as k is: as signer opens it (a
// new key, else the token's, else the file's).
func (t *txn) where(role string, k tuf.Key) PlannedSigner {
	cid := mustCanonical(k)
	if real, ok := t.alias[cid]; ok {
		cid = real
	} else if _, ok := t.mem[cid]; ok {
		return PlannedSigner{Role: role, New: true}
	}
	s := PlannedSigner{Role: role, KeyID: cid}
	for _, tk := range t.tokens {
		if tk.ID == cid {
			ref := tk.Token
			s.Token = &ref
			return s
		}
	}
	if f, err := t.p.Store.Key(cid); err == nil {
		s.Path = f.Path
	}
	return s
}

// PlanSign is what Sign would publish and which keys would sign.
func (p *Publisher) PlanSign(ctx context.Context, gun, tag, digest string, size int64, role string) (*Plan, error) {
	change, err := signChange(tag, digest, size, role)
	if err != nil {
		return nil, err
	}
	return p.plan(ctx, gun, change)
}

// PlanRevoke is what Revoke would publish and which keys would sign.
func (p *Publisher) PlanRevoke(ctx context.Context, gun, tag, role string) (*Plan, error) {
	change, err := revokeChange(tag, role)
	if err != nil {
		return nil, err
	}
	return p.plan(ctx, gun, change)
}

// PlanAddSigner is what AddSigner would publish and which keys would sign.
func (p *Publisher) PlanAddSigner(ctx context.Context, gun, name string, keys []KeySource) (*Plan, error) {
	change, err := addSignerChange(name, keys)
	if err != nil {
		return nil, err
	}
	return p.plan(ctx, gun, change)
}

// PlanRotate is what Rotate would publish and which keys would sign. It
// makes no key and asks the server for none.
func (p *Publisher) PlanRotate(ctx context.Context, gun, role string, o RotateOptions) (*Plan, error) {
	if err := CheckRotation(role, o); err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	return p.plan(ctx, gun, func(t *txn) error { return t.rotate(ctx, role, o) })
}
