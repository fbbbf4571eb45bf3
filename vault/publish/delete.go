package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
)

// ArchiveFunc writes a repository's gathered trust data into a trust
// archive and returns it as read back (ArchiveIn is the usual one).
type ArchiveFunc func(*remote.Bundle) (*vault.TrustArchive, error)

// Deleted is what Delete did.
type Deleted struct {
	GUN     string
	Archive string   // the archive written first
	Files   []string // the files archived
	// Trust is that archive as read back and checked (for the archive
	// records).
	Trust *vault.TrustArchive
	// CacheRemoved is the cache directory removed (empty: none, or the
	// trust directory is not known here).
	CacheRemoved string
}

// ArchiveIn writes the bundle as a trust archive (vault.WriteTrustArchive:
// `trustvault archive verify` and `inspect --archive` read it) named
// trust-GUN-TIME.tar.gz in dir, with its .sha256 sidecar, never over an
// existing file.
func (p *Publisher) ArchiveIn(dir string, now time.Time) ArchiveFunc {
	return func(b *remote.Bundle) (*vault.TrustArchive, error) {
		tb := b.TrustBundle(p.Remote.Server, now)
		name := "trust-" + strings.NewReplacer("/", "_", ":", "_").Replace(b.GUN) + "-" + now.UTC().Format("20060102T150405Z") + ".tar.gz"
		path, err := filepath.Abs(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		return vault.WriteTrustArchive(path, []vault.TrustBundle{tb}, now)
	}
}

// Delete deletes gun's trust data on the server, as `notary delete GUN
// --remote` does, but only after the data was gathered, verified and
// written to an archive by archive; then it removes the GUN's metadata
// cache (notary's delete wipes it without an archive). Keys stay.
func (p *Publisher) Delete(ctx context.Context, gun string, archive ArchiveFunc) (*Deleted, error) {
	if archive == nil {
		return nil, errors.New("delete: no archive to freeze the trust data into first; nothing was deleted")
	}
	o := p.options(gun)
	b, err := remote.Gather(ctx, o, false)
	if err != nil {
		return nil, fmt.Errorf("%s: gathering the trust data for the archive failed, nothing was deleted: %w", gun, err)
	}
	ta, err := archive(b)
	if err != nil {
		return nil, fmt.Errorf("%s: writing the archive failed, nothing was deleted: %w", gun, err)
	}
	path := ta.Path
	d := &Deleted{GUN: gun, Archive: path, Files: b.Names(), Trust: ta}
	if err := remote.DeleteRepository(ctx, o); err != nil {
		return d, fmt.Errorf("%s: archived in %s, but the server did not delete: %w", gun, path, err)
	}
	if o.TrustDir == "" {
		return d, nil
	}
	// Only metadata/ and changelist/ of this GUN: a GUN's directory may
	// hold the directories of longer GUNs ("a/b" and "a/b/c").
	dir := remote.MetadataDir(o.TrustDir, gun)
	if err := os.RemoveAll(dir); err != nil {
		return d, fmt.Errorf("%s: archived in %s and deleted on the server, but the cache %s was not removed: %w", gun, path, dir, err)
	}
	_ = os.RemoveAll(filepath.Join(filepath.Dir(dir), "changelist"))
	d.CacheRemoved = dir
	return d, nil
}
