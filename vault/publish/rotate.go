package publish

// Key rotation: the recovery for a lost targets, snapshot or delegation
// key, and for a root key that must go while it still exists.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"slices"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

// RotateOptions choose the new key of a rotation.
type RotateOptions struct {
	// ServerManaged puts the key on the server (snapshot, timestamp), as
	// `notary key rotate GUN snapshot -r` does.
	ServerManaged bool
	// KeyID is an existing key (store or token) to rotate to; empty: a
	// new key, written to the store.
	KeyID string
}

// Rotate replaces role's key: "root" (the new root is signed by the old
// and the new root key), "targets" (root signs; targets.json is re-signed
// by the new key), "snapshot" (here, or on the server), "timestamp" (on
// the server only), or a delegation (its parent signs; its file is
// re-signed by the new key). Losing the targets, snapshot or a delegation
// key is recovered this way with the root (or parent) key.
func (p *Publisher) Rotate(ctx context.Context, gun, role string, o RotateOptions) (*Result, error) {
	if err := CheckRotation(role, o); err != nil {
		return nil, fmt.Errorf("rotate: %w", err)
	}
	return p.publish(ctx, gun, func(t *txn) error { return t.rotate(ctx, role, o) })
}

func (t *txn) rotate(ctx context.Context, role string, o RotateOptions) error {
	key, err := t.rotationKey(ctx, role, o)
	if err != nil {
		return err
	}
	switch role {
	case "root":
		oldKeys, _ := t.root.roleKeys("root")
		certKey := key
		if !t.dry { // a plan opens no key: the certificate is made when publishing
			if certKey, err = t.rootCertificateKey(mustCanonical(key)); err != nil {
				return err
			}
		}
		if slices.ContainsFunc(oldKeys, func(k tuf.Key) bool { return mustCanonical(k) == mustCanonical(certKey) }) {
			return fmt.Errorf("key %s is the root key already", mustCanonical(key)[:7])
		}
		t.alsoSignRoot = oldKeys
		t.root.setRole("root", certKey)
		t.rootChanged = true
	case "targets", "snapshot", "timestamp":
		t.root.setRole(role, key)
		t.rootChanged = true
		if role == "targets" {
			if _, err := t.edit("targets"); err != nil {
				return err
			}
		}
		t.forceSnapshot = role == "snapshot" && !o.ServerManaged
	default:
		return t.rotateDelegation(role, key)
	}
	return nil
}

// rotationKey is the new key: the server's, an existing one, or new.
func (t *txn) rotationKey(ctx context.Context, role string, o RotateOptions) (tuf.Key, error) {
	if o.ServerManaged && t.dry {
		// A plan asks the server for nothing: a stand-in no one here holds.
		t.planNew = append(t.planNew, fmt.Sprintf("a new %s key, made and held by the server", role))
		k, _, err := standIn() // no one here holds it
		return k, err
	}
	if o.ServerManaged {
		return remote.ServerKey(ctx, t.opts, role, true)
	}
	if o.KeyID != "" {
		return t.keyFromID(o.KeyID)
	}
	gun := t.gun
	if role == "root" {
		gun = ""
	}
	return t.newKey(role, gun)
}

// rotateDelegation gives a delegation the new key alone, and re-signs its
// file (when it has one) with it.
func (t *txn) rotateDelegation(role string, key tuf.Key) error {
	parent, err := t.edit(parentOf(role))
	if err != nil {
		return err
	}
	i, ok := parent.role(role)
	if !ok {
		return notFoundf("role %s is not delegated in %s (trustvault inspect GUN shows the signers)", role, parentOf(role))
	}
	parent.keys[key.ID()] = key
	parent.roles[i].KeyIDs = []string{key.ID()}
	parent.roles[i].Threshold = 1
	parent.dropUnusedKeys()
	if t.current(role) != nil {
		if _, err := t.edit(role); err != nil {
			return err
		}
	}
	return nil
}

// mustCanonical is a key's canonical ID ("" when it has none).
func mustCanonical(k tuf.Key) string {
	id, _ := k.CanonicalID()
	return id
}

// standIn is a key for a plan where the real key is not known yet (the
// server's, or one whose public part needs a passphrase).
func standIn() (tuf.Key, *ecdsa.PrivateKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tuf.Key{}, nil, err
	}
	k, err := tuf.NewKey(&priv.PublicKey)
	return k, priv, err
}
