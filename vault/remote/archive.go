package remote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/tuf"
)

// Bundle is every metadata file of one repository, verified together, for
// an archive.
type Bundle struct {
	GUN string
	// Files are named as in the cache below metadata/ ("root.json",
	// "targets/releases.json"), plus every root version the server serves
	// as "<n>.root.json" (the server's own name for it).
	Files map[string][]byte
	Repo  *tuf.Repo
}

// Names are the bundle's file names, sorted.
func (b *Bundle) Names() []string {
	names := make([]string, 0, len(b.Files))
	for n := range b.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Gather collects a repository's metadata for an archive. Online, it pulls
// first (updating the cache), then adds every root version from 1 to the
// current one from the server; offline, it takes the cache as it is. The
// bundle is verified as a whole (VerifyBundle) before it is returned.
func Gather(ctx context.Context, o Options, offline bool) (*Bundle, error) {
	s, err := o.resolve(!offline)
	if err != nil {
		return nil, err
	}
	if !offline {
		if _, err := Pull(ctx, o); err != nil {
			return nil, err
		}
	}
	cached, err := ReadCache(s.trustDir, s.gun)
	if err != nil {
		return nil, err
	}
	if len(cached) == 0 {
		return nil, fmt.Errorf("nothing cached in %s to archive; pull it first", MetadataDir(s.trustDir, s.gun))
	}
	b := &Bundle{GUN: s.gun, Files: map[string][]byte{}}
	for role, data := range cached {
		b.Files[role+".json"] = data
	}
	if !offline {
		if err := gatherRoots(ctx, s, b); err != nil {
			return nil, err
		}
	}
	if b.Repo, err = VerifyBundle(s.gun, b.Files, s.pin, s.at); err != nil {
		return nil, fmt.Errorf("gathered metadata: %w", err)
	}
	return b, nil
}

// gatherRoots fetches root versions 1 … current (each verified in turn by
// VerifyBundle).
func gatherRoots(ctx context.Context, s *settings, b *Bundle) error {
	root, err := tuf.ParseRole("root", b.Files["root.json"])
	if err != nil {
		return err
	}
	if root.Version > MaxRootChain {
		return fmt.Errorf("root version %d: more than %d versions to gather", root.Version, MaxRootChain)
	}
	c, err := s.newClient(ctx, "")
	if err != nil {
		return err
	}
	for n := 1; n <= root.Version; n++ {
		data, err := c.get(ctx, fmt.Sprintf("%d.root.json", n), MaxRootSize)
		if errors.Is(err, ErrNotFound) && n < root.Version {
			continue // the server may not keep every version; the chain check says whether that matters
		}
		if err != nil {
			return err
		}
		b.Files[fmt.Sprintf("%d.root.json", n)] = data
	}
	return nil
}

// VerifyBundle verifies the files of a Bundle (as an archive holds them)
// offline, at the given time: the root versions in order, each signed by
// the one before (the first trusted on first use or through the pinning),
// then the current metadata. It is how an archive proves, after the server
// is gone, what was signed.
func VerifyBundle(gun string, files map[string][]byte, pin tuf.TrustPinning, at time.Time) (*tuf.Repo, error) {
	byRole := map[string][]byte{}
	for name, data := range files {
		base, ok := strings.CutSuffix(name, ".json")
		if !ok {
			return nil, fmt.Errorf("bundle file %.80q is not a .json file", name)
		}
		if n, ok := tuf.ParseRootVersionName(base); ok {
			byRole[tuf.RootVersionName(n)] = data
			continue
		}
		if base != "root" && base != "timestamp" && base != "snapshot" && base != "targets" &&
			!(strings.HasPrefix(base, "targets/") && tuf.ValidRoleName(base)) {
			return nil, fmt.Errorf("bundle file %.80q is not a metadata file of a role", name)
		}
		byRole[base] = data
	}
	return tuf.VerifyFiles(gun, byRole, nil, pin, at)
}

// TrustBundle is the bundle as a trust archive holds it (vault.
// WriteTrustArchive): pulled from server ("" when from the cache alone)
// and gathered at now.
func (b *Bundle) TrustBundle(server string, now time.Time) vault.TrustBundle {
	tb := vault.TrustBundle{GUN: b.GUN, Server: server, Gathered: now, Files: b.Files}
	if b.Repo != nil && b.Repo.Root != nil && b.Repo.Timestamp != nil {
		tb.RootVersion = b.Repo.Root.Version
		tb.TimestampVersion, tb.TimestampExpires = b.Repo.Timestamp.Version, b.Repo.Timestamp.Expires
	}
	return tb
}
