package tuf

// A repository's metadata verified as a whole, in the order notary's client
// updates it: root (and its rotations), timestamp, snapshot, targets, then
// the delegations depth first. The Verifier takes the files one at a time,
// so a client can fetch each one with the length and hash its parent
// recorded; VerifyFiles drives it over files already at hand (a cache, an
// archive).

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// DelegatedRole is a delegation as the walk sees it: its keys and
// threshold from its parent's file, and its paths restricted to the
// parent's (a path the parent may not sign for is dropped, as notary's
// RestrictDelegationPathPrefixes drops it).
type DelegatedRole struct {
	Name      string // "targets/releases"
	Parent    string // "targets"
	KeyIDs    []string
	Keys      map[string]Key
	Threshold int
	Paths     []string
	// Published is true when the snapshot lists a file for the role.
	Published bool
}

// CheckPath reports whether the role may sign for target name: one of its
// paths is a prefix of it (notary's DelegationRole.CheckPaths).
func (d DelegatedRole) CheckPath(name string) bool {
	for _, p := range d.Paths {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// Repo is a repository's metadata after verification.
type Repo struct {
	GUN                                string
	Root, Timestamp, Snapshot, Targets *Metadata
	Delegations                        map[string]*Metadata // verified delegation files by role name
	Roles                              []DelegatedRole      // every valid delegation, in walk order
	Files                              map[string][]byte    // the verified bytes by role name: "root", "targets/a", …
	RootChain                          map[int][]byte       // root versions verified in this run, by version
	Skipped                            map[string]error     // delegations left out, as notary leaves them out
	At                                 time.Time            // the time expiry was checked at (zero: not checked)
}

// Role returns the delegation named name.
func (r *Repo) Role(name string) (DelegatedRole, bool) {
	for _, d := range r.Roles {
		if d.Name == name {
			return d, true
		}
	}
	return DelegatedRole{}, false
}

// Verifier checks one update of a repository. Its methods take the files in
// order (AddRoot for each root version, then Timestamp, Snapshot, Targets,
// and Delegation for each role Next returns); Finish returns the verified
// Repo. Nothing it is given counts until Finish returns without error.
type Verifier struct {
	gun     string
	pin     TrustPinning
	at      time.Time
	trusted *Repo
	repo    *Repo
	pending []DelegatedRole
	stage   int
}

const (
	stageRoot = iota
	stageTimestamp
	stageSnapshot
	stageTargets
	stageDelegations
)

// NewVerifier starts an update of gun. trusted is the copy already trusted
// (nil on first use): its root anchors the root chain and its versions are
// the floor for each role. at is when expiry (and root certificate
// validity) is checked; zero checks neither.
func NewVerifier(gun string, trusted *Repo, pin TrustPinning, at time.Time) *Verifier {
	v := &Verifier{gun: gun, pin: pin, at: at, trusted: trusted, repo: &Repo{
		GUN: gun, Delegations: map[string]*Metadata{}, Files: map[string][]byte{},
		RootChain: map[int][]byte{}, Skipped: map[string]error{}, At: at,
	}}
	if trusted != nil && trusted.Root != nil {
		v.repo.Root = trusted.Root
		v.repo.Files["root"] = trusted.Files["root"]
	}
	return v
}

// Root is the root trusted so far (nil before the first AddRoot on first
// use).
func (v *Verifier) Root() *Metadata { return v.repo.Root }

// AddRoot takes the next root version. On first use it is trusted through
// the pinning (or on first use); afterwards it must be the trusted version
// (the same content) or the next one, signed by the previous root's keys
// and its own (ValidateRoot).
func (v *Verifier) AddRoot(data []byte) error {
	if v.stage != stageRoot {
		return errors.New("root given after timestamp: the root chain comes first")
	}
	cur := v.repo.Root
	if cur == nil {
		m, err := ValidateRoot(nil, data, v.gun, v.pin, v.at)
		if err != nil {
			return err
		}
		v.setRoot(m, data)
		return nil
	}
	next, err := ParseRole("root", data)
	if err != nil {
		return err
	}
	switch {
	case next.Version < cur.Version:
		return &RollbackError{Role: "root", Trusted: cur.Version, Got: next.Version}
	case next.Version == cur.Version:
		same, err := sameSigned(cur, next)
		if err != nil || !same {
			return fmt.Errorf("root version %d differs from the trusted root of the same version: %w", next.Version, ErrRollback)
		}
		// The same root, perhaps signed anew: keep these bytes if the
		// trusted root's keys sign them.
		keys, err := baseRole(cur, "root")
		if err == nil {
			err = VerifySignatures(next, keys)
		}
		if err != nil {
			return fmt.Errorf("root version %d: %w", next.Version, err)
		}
		v.setRoot(next, data)
		return nil
	case next.Version > cur.Version+1:
		return fmt.Errorf("root version %d after trusted version %d: versions in between are needed: %w", next.Version, cur.Version, ErrMissing)
	}
	m, err := ValidateRoot(cur, data, v.gun, v.pin, v.at)
	if err != nil {
		return err
	}
	v.setRoot(m, data)
	return nil
}

func (v *Verifier) setRoot(m *Metadata, data []byte) {
	v.repo.Root = m
	v.repo.Files["root"] = data
	v.repo.RootChain[m.Version] = data
}

// sameSigned compares the canonical form of two files' signed objects.
func sameSigned(a, b *Metadata) (bool, error) {
	ca, err := canonicalizeJSON(a.Signed)
	if err != nil {
		return false, err
	}
	cb, err := canonicalizeJSON(b.Signed)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ca, cb), nil
}

// Timestamp takes timestamp.json and returns what it records of the
// snapshot (the length and hashes to fetch it by). The root must be
// unexpired by now.
func (v *Verifier) Timestamp(data []byte) (FileMeta, error) {
	if v.stage != stageRoot || v.repo.Root == nil {
		return FileMeta{}, errors.New("timestamp given out of order: a root comes first")
	}
	if err := CheckExpiry("root", v.repo.Root, v.at); err != nil {
		return FileMeta{}, err
	}
	m, err := v.baseFile("timestamp", data)
	if err != nil {
		return FileMeta{}, err
	}
	snap, ok := m.Meta["snapshot"]
	if !ok {
		return FileMeta{}, fmt.Errorf("timestamp records no snapshot: %w", ErrInvalid)
	}
	v.repo.Timestamp = m
	v.stage = stageTimestamp
	return snap, nil
}

// baseFile verifies a base role's file with the root's keys for it, its
// version against the trusted copy and its expiry.
func (v *Verifier) baseFile(role string, data []byte) (*Metadata, error) {
	m, err := ParseRole(role, data)
	if err != nil {
		return nil, err
	}
	keys, err := baseRole(v.repo.Root, role)
	if err != nil {
		return nil, err
	}
	if err := VerifySignatures(m, keys); err != nil {
		return nil, err
	}
	if t := v.trustedFile(role); t != nil {
		if err := CheckVersion(role, t.Version, m.Version); err != nil {
			return nil, err
		}
	}
	if err := CheckExpiry(role, m, v.at); err != nil {
		return nil, err
	}
	v.repo.Files[role] = data
	return m, nil
}

func (v *Verifier) trustedFile(role string) *Metadata {
	if v.trusted == nil {
		return nil
	}
	switch role {
	case "timestamp":
		return v.trusted.Timestamp
	case "snapshot":
		return v.trusted.Snapshot
	case "targets":
		return v.trusted.Targets
	}
	return v.trusted.Delegations[role]
}

// Snapshot takes snapshot.json, which must have the length and hashes the
// timestamp recorded. When it records root.json, the trusted root must be
// that file.
func (v *Verifier) Snapshot(data []byte) error {
	if v.stage != stageTimestamp {
		return errors.New("snapshot given out of order: the timestamp comes first")
	}
	if err := CheckFileMeta("snapshot", "timestamp", data, v.repo.Timestamp.Meta["snapshot"]); err != nil {
		return err
	}
	m, err := v.baseFile("snapshot", data)
	if err != nil {
		return err
	}
	if rm, ok := m.Meta["root"]; ok {
		if err := CheckFileMeta("root", "snapshot", v.repo.Files["root"], rm); err != nil {
			return err
		}
	}
	v.repo.Snapshot = m
	v.stage = stageSnapshot
	return nil
}

// Meta is what the verified snapshot (for "snapshot": the timestamp)
// records of a role's file.
func (v *Verifier) Meta(role string) (FileMeta, bool) {
	if role == "snapshot" && v.repo.Timestamp != nil {
		fm, ok := v.repo.Timestamp.Meta["snapshot"]
		return fm, ok
	}
	if v.repo.Snapshot == nil {
		return FileMeta{}, false
	}
	fm, ok := v.repo.Snapshot.Meta[role]
	return fm, ok
}

// Targets takes targets.json, which must have the length and hashes the
// snapshot recorded.
func (v *Verifier) Targets(data []byte) error {
	if v.stage != stageSnapshot {
		return errors.New("targets given out of order: the snapshot comes first")
	}
	fm, ok := v.repo.Snapshot.Meta["targets"]
	if !ok {
		return fmt.Errorf("snapshot records no targets: %w", ErrMissing)
	}
	if err := CheckFileMeta("targets", "snapshot", data, fm); err != nil {
		return err
	}
	m, err := v.baseFile("targets", data)
	if err != nil {
		return err
	}
	v.repo.Targets = m
	v.stage = stageDelegations
	v.addChildren(DelegatedRole{Name: "targets", Paths: []string{""}}, m)
	return nil
}

// addChildren records the valid delegations of parent's file and queues
// them before the roles already queued (depth first, as notary walks).
func (v *Verifier) addChildren(parent DelegatedRole, m *Metadata) {
	var children []DelegatedRole
	for _, d := range m.Delegations {
		child, err := delegatedRole(parent, m, d)
		if err != nil {
			v.repo.Skipped[d.Name] = err
			continue
		}
		if _, dup := v.repo.Role(child.Name); dup {
			continue
		}
		_, child.Published = v.repo.Snapshot.Meta[child.Name]
		v.repo.Roles = append(v.repo.Roles, child)
		children = append(children, child)
	}
	v.pending = append(children, v.pending...)
}

// delegatedRole validates one delegation entry of parent's file.
func delegatedRole(parent DelegatedRole, m *Metadata, d Delegation) (DelegatedRole, error) {
	if !ValidRoleName(d.Name) || path.Dir(d.Name) != parent.Name {
		return DelegatedRole{}, fmt.Errorf("delegation %.80q is not a child of %s: %w", d.Name, parent.Name, ErrInvalid)
	}
	if d.Threshold < 1 || len(d.KeyIDs) < d.Threshold {
		return DelegatedRole{}, fmt.Errorf("delegation %s: threshold %d over %d key(s): %w", d.Name, d.Threshold, len(d.KeyIDs), ErrInvalid)
	}
	keys := map[string]Key{}
	for _, id := range d.KeyIDs {
		k, ok := m.Keys[id]
		if !ok {
			return DelegatedRole{}, fmt.Errorf("delegation %s: key %s is not in %s's keys: %w", d.Name, shortID(id), parent.Name, ErrInvalid)
		}
		keys[id] = k
	}
	var paths []string
	for _, p := range d.Paths {
		if slices.ContainsFunc(parent.Paths, func(pp string) bool { return strings.HasPrefix(p, pp) }) {
			paths = append(paths, p)
		}
	}
	return DelegatedRole{Name: d.Name, Parent: parent.Name, KeyIDs: slices.Clone(d.KeyIDs), Keys: keys,
		Threshold: d.Threshold, Paths: paths}, nil
}

// Next returns the next delegation whose file the update needs, with what
// the snapshot records of it. Roles the snapshot does not list have not
// been published; they are passed over. ok is false when none is left.
func (v *Verifier) Next() (role DelegatedRole, meta FileMeta, ok bool) {
	for len(v.pending) > 0 {
		role, v.pending = v.pending[0], v.pending[1:]
		if meta, ok = v.repo.Snapshot.Meta[role.Name]; ok {
			v.pending = append([]DelegatedRole{role}, v.pending...)
			return role, meta, true
		}
	}
	return DelegatedRole{}, FileMeta{}, false
}

// Delegation takes the file of the role Next returned. Like notary, a
// delegation that misses its threshold or has expired is left out of the
// repository (recorded in Repo.Skipped) rather than failing the update; a
// wrong length or hash, a rollback or a malformed file fails it.
func (v *Verifier) Delegation(name string, data []byte) error {
	if v.stage != stageDelegations || len(v.pending) == 0 || v.pending[0].Name != name {
		return fmt.Errorf("delegation %.80q given out of order", name)
	}
	role := v.pending[0]
	v.pending = v.pending[1:]
	if err := CheckFileMeta(name, "snapshot", data, v.repo.Snapshot.Meta[name]); err != nil {
		return err
	}
	m, err := ParseRole(name, data)
	if err != nil {
		return err
	}
	err = VerifySignatures(m, RoleKeys{Name: name, KeyIDs: role.KeyIDs, Keys: role.Keys, Threshold: role.Threshold})
	if err == nil {
		err = CheckExpiry(name, m, v.at)
	}
	if errors.Is(err, ErrThreshold) || errors.Is(err, ErrExpired) {
		v.repo.Skipped[name] = err
		return nil
	}
	if err != nil {
		return err
	}
	if t := v.trustedFile(name); t != nil {
		if err := CheckVersion(name, t.Version, m.Version); err != nil {
			return err
		}
	}
	v.repo.Delegations[name] = m
	v.repo.Files[name] = data
	v.addChildren(role, m)
	return nil
}

// Skip leaves out the delegation Next returned (its file cannot be had),
// recording why.
func (v *Verifier) Skip(name string, why error) {
	if len(v.pending) > 0 && v.pending[0].Name == name {
		v.pending = v.pending[1:]
		v.repo.Skipped[name] = why
	}
}

// Finish returns the verified repository once every file has been given.
func (v *Verifier) Finish() (*Repo, error) {
	if v.stage != stageDelegations {
		return nil, fmt.Errorf("update stopped before targets: %w", ErrMissing)
	}
	if _, _, more := v.Next(); more {
		return nil, fmt.Errorf("delegation %s not given: %w", v.pending[0].Name, ErrMissing)
	}
	return v.repo, nil
}
