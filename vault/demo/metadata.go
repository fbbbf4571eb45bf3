package demo

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"io"
	"time"

	"github.com/trustvault/trustvault/vault/tuf"
)

// soon is how close an expiry must be for Info.Expiring.
const soon = 30 * day

// deterministic signs with RFC 6979 nonces whatever reader it is given, so
// that certificates come out the same for the same Options.
type deterministic struct{ key *ecdsa.PrivateKey }

func (d deterministic) Public() crypto.PublicKey { return d.key.Public() }

func (d deterministic) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return d.key.Sign(nil, digest, opts)
}

// metadataWriter builds and signs one repository's metadata files.
type metadataWriter struct {
	files map[string][]byte // role name -> file
	repo  *Repository
}

// sign signs a role's file with one key (nil rand: deterministic ECDSA).
func (w *metadataWriter) sign(role string, signed map[string]any, keyID string, s crypto.Signer) error {
	data, err := tuf.Sign(signed, nil, tuf.Signer{KeyID: keyID, Signer: s})
	if err != nil {
		return err
	}
	w.files[role] = data
	return nil
}

// name records that role names key, and returns its TUF form.
func (w *metadataWriter) name(role string, pub crypto.PublicKey) (tuf.Key, error) {
	k, err := tuf.NewKey(pub)
	if err != nil {
		return k, err
	}
	w.repo.Keys[role] = append(w.repo.Keys[role], k.ID())
	return k, nil
}

// metadata makes root, targets, the delegations that have signed,
// snapshot and timestamp for one repository, in notary's shapes, signed by
// their keys, with notary's lifetimes counted from when each was signed.
func (g *generator) metadata(spec repoSpec, k repoKeys, repo *Repository) (map[string][]byte, error) {
	w := &metadataWriter{files: map[string][]byte{}, repo: repo}
	created, pushed := g.now.Add(-spec.created), g.now.Add(-spec.pushed)

	cert, err := tuf.NewRootCertificate(deterministic{k.root}, spec.gun, created, g.rand)
	if err != nil {
		return nil, err
	}
	rootKey, err := tuf.NewCertificateKey(cert)
	if err != nil {
		return nil, err
	}
	rootID, _ := tuf.CanonicalID(k.root.Public())
	repo.Keys["root"] = []string{rootID}
	repo.RootX509ID = rootKey.ID()
	keys := map[string]tuf.Key{rootKey.ID(): rootKey}
	roles := map[string]tuf.Role{"root": {KeyIDs: []string{rootKey.ID()}, Threshold: 1}}
	for _, r := range []struct {
		role string
		pub  crypto.PublicKey
	}{{"targets", k.targets.Public()}, {"snapshot", k.snapshot.Public()}, {"timestamp", k.timestamp.Public()}} {
		tk, err := w.name(r.role, r.pub)
		if err != nil {
			return nil, err
		}
		keys[tk.ID()] = tk
		roles[r.role] = tuf.Role{KeyIDs: []string{tk.ID()}, Threshold: 1}
	}
	if err := w.sign("root", tuf.RootSigned(keys, roles, created.Add(tuf.RootExpiry), 1), rootKey.ID(), k.root); err != nil {
		return nil, err
	}

	delegKeys, delegs, err := w.delegations(spec, k)
	if err != nil {
		return nil, err
	}
	targetsExpires := pushed.Add(tuf.TargetsExpiry)
	if targetsExpires.Sub(g.now) < soon {
		g.info.Expiring = RoleRef{GUN: spec.gun, Role: "targets", Expires: targetsExpires}
	}
	targets := tuf.TargetsSigned(targetMeta(spec.gun, spec.tags), delegKeys, delegs, targetsExpires, spec.pushes)
	if err := w.sign("targets", targets, roles["targets"].KeyIDs[0], k.targets); err != nil {
		return nil, err
	}
	if len(spec.signers) > 0 {
		// docker signs into targets/releases; the first signer pushed last.
		releases := tuf.TargetsSigned(targetMeta(spec.gun, spec.releaseTags), nil, nil, targetsExpires, len(spec.releaseTags))
		if err := w.sign("targets/releases", releases, delegs[0].KeyIDs[0], k.signers[0]); err != nil {
			return nil, err
		}
	}

	meta := map[string]tuf.FileMeta{}
	for role, data := range w.files {
		meta[role] = tuf.NewFileMeta(data)
	}
	snapshot := tuf.SnapshotSigned(meta, g.now.Add(-spec.snapshot).Add(tuf.SnapshotExpiry), spec.pushes)
	if err := w.sign("snapshot", snapshot, roles["snapshot"].KeyIDs[0], k.snapshot); err != nil {
		return nil, err
	}
	// The server signs a fresh timestamp when the client fetches one.
	fetched := g.now.Add(-time.Hour)
	timestamp := tuf.TimestampSigned(tuf.NewFileMeta(w.files["snapshot"]), fetched.Add(tuf.TimestampExpiry), spec.pushes+int(spec.created/day))
	if err := w.sign("timestamp", timestamp, roles["timestamp"].KeyIDs[0], k.timestamp); err != nil {
		return nil, err
	}
	return w.files, nil
}

// delegations are what `docker trust signer add` makes: targets/releases
// with every signer's key, and targets/<signer> with that signer's.
func (w *metadataWriter) delegations(spec repoSpec, k repoKeys) (map[string]tuf.Key, []tuf.Delegation, error) {
	if len(spec.signers) == 0 {
		return nil, nil, nil
	}
	keys := map[string]tuf.Key{}
	releases := tuf.Delegation{Name: "targets/releases", Threshold: 1, Paths: []string{""}}
	var own []tuf.Delegation
	local := []string{}
	for i, name := range spec.signers {
		role := "targets/" + name
		tk, err := w.name(role, k.signers[i].Public())
		if err != nil {
			return nil, nil, err
		}
		w.repo.Keys["targets/releases"] = append(w.repo.Keys["targets/releases"], tk.ID())
		keys[tk.ID()] = tk
		releases.KeyIDs = append(releases.KeyIDs, tk.ID())
		own = append(own, tuf.Delegation{Name: role, KeyIDs: []string{tk.ID()}, Threshold: 1, Paths: []string{""}})
		if storedSigners[name] {
			local = append(local, role)
		}
	}
	if len(local) > 0 {
		w.repo.Local = append(append(w.repo.Local, "targets/releases"), local...)
	}
	return keys, append([]tuf.Delegation{releases}, own...), nil
}

// targetMeta makes plausible entries for image tags: a manifest length and
// its SHA-256 (docker records only SHA-256 for targets).
func targetMeta(gun string, tags []string) map[string]tuf.FileMeta {
	m := make(map[string]tuf.FileMeta, len(tags))
	for _, tag := range tags {
		digest := sha256.Sum256([]byte(gun + ":" + tag))
		m[tag] = tuf.FileMeta{
			Length: 400 + int64(digest[0])*4,
			Hashes: map[string][]byte{"sha256": digest[:]},
		}
	}
	return m
}
