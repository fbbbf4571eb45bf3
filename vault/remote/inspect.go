package remote

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/trustvault/trustvault/vault/tuf"
)

// TrustInspect is one element of `docker trust inspect`'s JSON array,
// field for field.
type TrustInspect struct {
	Name               string
	SignedTags         []SignedTag
	Signers            []Signer
	AdministrativeKeys []Signer
}

// SignedTag is a released tag: its hex SHA-256 digest and who signed it.
type SignedTag struct {
	SignedTag string
	Digest    string
	Signers   []string
}

// Signer is a named set of keys.
type Signer struct {
	Name string
	Keys []KeyRef
}

// KeyRef is a key by ID.
type KeyRef struct {
	ID string `json:",omitempty"`
}

// releasedRoleName is what docker calls the signer of a tag that only
// targets or targets/releases signed.
const releasedRoleName = "Repo Admin"

func isReleased(role string) bool { return role == "targets" || role == "targets/releases" }

// splitTag splits "host:port/x/y:tag" into the GUN and the tag.
func splitTag(name string) (gun, tag string) {
	slash := strings.LastIndexByte(name, '/')
	if i := strings.LastIndexByte(name, ':'); i > slash {
		return name[:i], name[i+1:]
	}
	return name, ""
}

// InspectRepo is what `docker trust inspect NAME` prints for a verified
// repository, computed as docker does: tags released into targets or
// targets/releases (of the tag in NAME, if it has one), each with the
// other roles signing the same digest ("Repo Admin" when none); every
// delegation but targets/releases with the canonical IDs of its keys,
// names descending; the root and targets key IDs as root.json lists them.
func InspectRepo(name string, repo *tuf.Repo) TrustInspect {
	_, tag := splitTag(name)
	out := TrustInspect{Name: name, SignedTags: signedTags(repo.AllTargets(tag)), Signers: signers(repo)}
	for _, admin := range []struct{ role, name string }{{"root", "Root"}, {"targets", "Repository"}} {
		keys := []KeyRef{}
		for _, id := range repo.Root.Roles[admin.role].KeyIDs {
			keys = append(keys, KeyRef{ID: id})
		}
		out.AdministrativeKeys = append(out.AdministrativeKeys, Signer{Name: admin.name, Keys: keys})
	}
	return out
}

func signedTags(all []tuf.TargetRef) []SignedTag {
	type key struct{ tag, digest string }
	rows := map[key][]string{}
	var order []key
	for _, t := range all {
		if isReleased(t.Role.Name) {
			k := key{t.Name, hex.EncodeToString(t.Meta.Hashes["sha256"])}
			if _, seen := rows[k]; !seen {
				order = append(order, k)
				rows[k] = []string{}
			}
		}
	}
	for _, t := range all {
		k := key{t.Name, hex.EncodeToString(t.Meta.Hashes["sha256"])}
		if _, ok := rows[k]; ok && !isReleased(t.Role.Name) {
			rows[k] = append(rows[k], strings.TrimPrefix(t.Role.Name, "targets/"))
		}
	}
	out := []SignedTag{}
	for _, k := range order {
		s := rows[k]
		if len(s) == 0 {
			s = []string{releasedRoleName}
		}
		out = append(out, SignedTag{SignedTag: k.tag, Digest: k.digest, Signers: s})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SignedTag < out[j].SignedTag })
	return out
}

// signers are the delegations the verified files declare (the files the
// walk visits), with canonical key IDs, names descending.
func signers(repo *tuf.Repo) []Signer {
	byName := map[string][]KeyRef{}
	repo.Walk("", "", nil, func(_ tuf.DelegatedRole, m *tuf.Metadata) bool {
		for _, d := range m.Delegations {
			if d.Name == "targets/releases" {
				continue
			}
			keys := []KeyRef{}
			for _, id := range d.KeyIDs {
				if k, ok := m.Keys[id]; ok {
					if c, err := k.CanonicalID(); err == nil {
						id = c
					}
				}
				keys = append(keys, KeyRef{ID: id})
			}
			byName[strings.TrimPrefix(d.Name, "targets/")] = keys
		}
		return false
	})
	out := []Signer{}
	for name, keys := range byName {
		out = append(out, Signer{Name: name, Keys: keys})
	}
	slices.SortFunc(out, func(a, b Signer) int { return strings.Compare(b.Name, a.Name) })
	return out
}

// VerifyCache verifies a GUN's cached metadata offline, with expiry at
// o.At (zero: now). The root is the cache's own (trusted on first use or
// through the pinning). A cache that has expired fails with
// tuf.ErrExpired, naming the role and time; give an earlier At to
// evaluate it as of then.
func VerifyCache(o Options) (*tuf.Repo, error) {
	s, err := o.resolve(false)
	if err != nil {
		return nil, err
	}
	files, err := ReadCache(s.trustDir, s.gun)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("nothing cached in %s; pull it from its server first", MetadataDir(s.trustDir, s.gun))
	}
	repo, err := tuf.VerifyFiles(s.gun, files, nil, s.pin, s.at)
	if err != nil {
		return nil, fmt.Errorf("cached metadata in %s: %w", MetadataDir(s.trustDir, s.gun), err)
	}
	return repo, nil
}

// Inspect pulls the repository named by name (GUN or GUN:TAG) and returns
// what `docker trust inspect name` prints; offline, it reads the cache
// instead (VerifyCache). The Repo is the verified metadata it came from.
func Inspect(ctx context.Context, o Options, name string, offline bool) (TrustInspect, *tuf.Repo, error) {
	o.GUN, _ = splitTag(name)
	var repo *tuf.Repo
	if offline {
		var err error
		if repo, err = VerifyCache(o); err != nil {
			return TrustInspect{}, nil, err
		}
	} else {
		u, err := Pull(ctx, o)
		if err != nil {
			return TrustInspect{}, nil, err
		}
		repo = u.Repo
	}
	return InspectRepo(name, repo), repo, nil
}
