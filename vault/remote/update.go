package remote

import (
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault/tuf"
)

// Update is what a pull changed.
type Update struct {
	GUN      string
	Server   string
	TrustDir string
	// First is true when nothing was cached: the root was trusted on
	// first use (or through the pinning).
	First bool
	At    time.Time // when expiry was checked
	// Versions are the roles whose version changed (Old 0: new role).
	Versions []VersionChange
	// RotatedKeys are roles whose key IDs changed (base roles from
	// root.json, delegations from their parents).
	RotatedKeys        []KeyChange
	AddedDelegations   []string
	RemovedDelegations []string
	Tags               []TagChange
	// Skipped are delegations left out, as notary leaves them out
	// (threshold not met, expired), with the reason.
	Skipped  map[string]string
	Warnings []string
	Written  []string // files written into the cache
	Removed  []string // delegation files removed from the cache
	Repo     *tuf.Repo
}

// Changed reports whether anything in the repository changed.
func (u *Update) Changed() bool {
	return u.First || len(u.Versions) > 0 || len(u.Written) > 0 || len(u.Removed) > 0
}

// VersionChange is a role's old and new version.
type VersionChange struct {
	Role     string
	Old, New int
}

// KeyChange is a role's old and new key IDs (canonical IDs, as notary key
// list prints them; for root, the certificate IDs root.json lists).
type KeyChange struct {
	Role     string
	Old, New []string
}

// TagChange is a target added, removed or changed in a role. Digests are
// hex SHA-256; Old is empty for an added tag, New for a removed one.
type TagChange struct {
	Role     string
	Tag      string
	Old, New string
}

func diff(old, repo *tuf.Repo) *Update {
	u := &Update{GUN: repo.GUN, First: old == nil || old.Timestamp == nil, At: repo.At, Repo: repo, Skipped: map[string]string{}}
	for name, err := range repo.Skipped {
		u.Skipped[name] = err.Error()
	}
	if old == nil {
		old = &tuf.Repo{Delegations: map[string]*tuf.Metadata{}}
	}
	for _, role := range roleNames(old, repo) {
		o, n := fileOf(old, role), fileOf(repo, role)
		ov, nv := 0, 0
		if o != nil {
			ov = o.Version
		}
		if n != nil {
			nv = n.Version
		}
		if ov != nv && n != nil {
			u.Versions = append(u.Versions, VersionChange{Role: role, Old: ov, New: nv})
		}
		if strings.HasPrefix(role, "targets") {
			u.Tags = append(u.Tags, tagChanges(role, o, n)...)
		}
	}
	u.RotatedKeys = keyChanges(old, repo)
	for _, d := range repo.Roles {
		if _, had := old.Role(d.Name); !had {
			u.AddedDelegations = append(u.AddedDelegations, d.Name)
		}
	}
	for _, d := range old.Roles {
		if _, has := repo.Role(d.Name); !has {
			u.RemovedDelegations = append(u.RemovedDelegations, d.Name)
		}
	}
	return u
}

func fileOf(r *tuf.Repo, role string) *tuf.Metadata {
	switch role {
	case "root":
		return r.Root
	case "timestamp":
		return r.Timestamp
	case "snapshot":
		return r.Snapshot
	case "targets":
		return r.Targets
	}
	return r.Delegations[role]
}

// roleNames are the base roles, then every delegation with a file in
// either copy, sorted.
func roleNames(a, b *tuf.Repo) []string {
	var dels []string
	for _, r := range []*tuf.Repo{a, b} {
		for name := range r.Delegations {
			if !slices.Contains(dels, name) {
				dels = append(dels, name)
			}
		}
	}
	slices.Sort(dels)
	return append([]string{"root", "timestamp", "snapshot", "targets"}, dels...)
}

func tagChanges(role string, o, n *tuf.Metadata) []TagChange {
	digest := func(m *tuf.Metadata, tag string) string {
		if m == nil {
			return ""
		}
		if fm, ok := m.Targets[tag]; ok {
			return hex.EncodeToString(fm.Hashes["sha256"])
		}
		return ""
	}
	var names []string
	for _, m := range []*tuf.Metadata{o, n} {
		if m == nil {
			continue
		}
		for tag := range m.Targets {
			if !slices.Contains(names, tag) {
				names = append(names, tag)
			}
		}
	}
	slices.Sort(names)
	var out []TagChange
	for _, tag := range names {
		od, nd := digest(o, tag), digest(n, tag)
		if od != nd {
			out = append(out, TagChange{Role: role, Tag: tag, Old: od, New: nd})
		}
	}
	return out
}

func keyChanges(old, repo *tuf.Repo) []KeyChange {
	var out []KeyChange
	for _, role := range []string{"root", "targets", "snapshot", "timestamp"} {
		var o, n []string
		if old.Root != nil {
			o = sortedIDs(old.Root.Roles[role].KeyIDs, old.Root.Keys, role == "root")
		}
		n = sortedIDs(repo.Root.Roles[role].KeyIDs, repo.Root.Keys, role == "root")
		if old.Root != nil && !slices.Equal(o, n) {
			out = append(out, KeyChange{Role: role, Old: o, New: n})
		}
	}
	for _, d := range repo.Roles {
		od, had := old.Role(d.Name)
		if !had {
			continue
		}
		o, n := sortedIDs(od.KeyIDs, od.Keys, false), sortedIDs(d.KeyIDs, d.Keys, false)
		if !slices.Equal(o, n) {
			out = append(out, KeyChange{Role: d.Name, Old: o, New: n})
		}
	}
	return out
}

// sortedIDs are the canonical IDs of keys (or, with asListed, the IDs as
// the metadata lists them).
func sortedIDs(ids []string, keys map[string]tuf.Key, asListed bool) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if k, ok := keys[id]; ok && !asListed {
			if c, err := k.CanonicalID(); err == nil {
				id = c
			}
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
