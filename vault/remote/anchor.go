package remote

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/trustvault/trustvault/vault/tuf"
)

// Anchor is what an offline verification of a bundle (an archive's copy of
// a repository) rested on. Without trust pinning the bundle's own first
// root is trusted on first use: everything after it is checked against
// it, but nothing checks that first root except a person comparing its
// key with one they recorded, or this machine's cache agreeing with it.
type Anchor struct {
	// Version and KeyIDs are the first root the chain starts from and
	// its root role's key IDs.
	Version int
	KeyIDs  []string
	// Canonical are the same keys' canonical IDs (as trustvault list and
	// notary key list name the key files), by key ID.
	Canonical map[string]string
	// Pinned: trust pinning was given and that root was checked against it.
	Pinned bool
	// Cached is the version of the root this machine's cache holds for
	// the repository (0: none cached); CachedInChain reports whether the
	// bundle's chain holds that same root, byte for byte.
	Cached        int
	CachedInChain bool
	// Newest is the newest root version the bundle holds.
	Newest int
}

// BundleAnchor describes what repo, verified from a bundle, rested on,
// and compares it with the root cached in trustDir ("" : none).
func BundleAnchor(trustDir string, repo *tuf.Repo, pinned bool) Anchor {
	a := Anchor{Pinned: pinned}
	first := repo.Root
	if len(repo.RootChain) > 0 {
		versions := make([]int, 0, len(repo.RootChain))
		for v := range repo.RootChain {
			versions = append(versions, v)
		}
		if m, err := tuf.ParseRole("root", repo.RootChain[slices.Min(versions)]); err == nil {
			first = m
		}
	}
	if repo.Root != nil {
		a.Newest = repo.Root.Version
	}
	if first != nil {
		a.Version = first.Version
		a.KeyIDs = slices.Clone(first.Roles["root"].KeyIDs)
		slices.Sort(a.KeyIDs)
		a.Canonical = map[string]string{}
		for _, id := range a.KeyIDs {
			if k, ok := first.Keys[id]; ok {
				if pub, err := k.PublicKey(); err == nil {
					if c, err := tuf.CanonicalID(pub); err == nil && c != id {
						a.Canonical[id] = c
					}
				}
			}
		}
	}
	if trustDir == "" {
		return a
	}
	files, err := ReadCache(trustDir, repo.GUN)
	if err != nil || files["root"] == nil {
		return a
	}
	cached, err := tuf.ParseRole("root", files["root"])
	if err != nil {
		return a
	}
	a.Cached = cached.Version
	inChain := bytes.Equal(repo.Files["root"], files["root"])
	for _, data := range repo.RootChain {
		inChain = inChain || bytes.Equal(data, files["root"])
	}
	a.CachedInChain = inChain
	return a
}

// String says it in a sentence.
func (a Anchor) String() string {
	keys := make([]string, len(a.KeyIDs))
	for i, id := range a.KeyIDs {
		keys[i] = shortKeyID(id)
		if c, ok := a.Canonical[id]; ok {
			keys[i] += ", canonical ID " + shortKeyID(c)
		}
	}
	var b strings.Builder
	if a.Pinned {
		fmt.Fprintf(&b, "root version %d (root key %s) checked against the trust pinning given", a.Version, strings.Join(keys, " and "))
	} else {
		fmt.Fprintf(&b, "anchored on the archive's own first root, version %d (root key %s), trusted on first use", a.Version, strings.Join(keys, " and "))
	}
	switch {
	case a.Cached > 0 && a.CachedInChain:
		fmt.Fprintf(&b, "; its root chain holds root version %d, the one this machine's cache trusts", a.Cached)
	case a.Cached > a.Newest:
		fmt.Fprintf(&b, "; this machine's cache trusts a newer root, version %d (the archive's newest is %d): the archive was made before a root rotation, so the cache cannot vouch for it: compare the root key IDs", a.Cached, a.Newest)
	case a.Cached > 0:
		fmt.Fprintf(&b, "; WARNING: this machine's cache trusts root version %d, which the archive does not hold: compare the root key IDs before relying on it", a.Cached)
	case !a.Pinned:
		b.WriteString("; nothing here to compare it with: check the root key against one you recorded, or pin it (-c CONFIG with trust_pinning)")
	}
	return b.String()
}

func shortKeyID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
