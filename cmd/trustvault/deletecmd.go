package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/remote"
)

func (a *app) deleteCmd() *cobra.Command {
	var (
		sf         serverFlags
		remoteToo  bool
		archiveDir string
	)
	cmd := &cobra.Command{
		Use:   "delete GUN --remote",
		Short: "Delete a repository's trust data on the server, after archiving it",
		Long: `delete deletes GUN's trust data on the notary server, as notary delete GUN
--remote does, with registry credentials from docker's config.json. First it
gathers every metadata file (every root version included), verifies them
together and writes them to an archive (trust-GUN-TIME.tar.gz in
--archive-dir, default the current directory; its files extract into
tuf/GUN/metadata/ of a trust directory); only then does it delete on the
server and remove the GUN's metadata cache. notary's delete wipes the cache
with no archive. Keys stay.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "delete " + args[0]
			if !remoteToo {
				return usage("%s", op+": give --remote: delete removes the trust data on the server (after archiving it); the cache alone is not deleted")
			}
			p, err := a.publisher(&sf, args[0])
			if err != nil {
				return failAtomic(op, err)
			}
			d, err := p.Delete(context.Background(), args[0], func(b *remote.Bundle) (string, error) {
				return writeTrustBundle(archiveDir, b, time.Now())
			})
			if d != nil {
				fmt.Fprintf(a.stdout, "%s: archived %d files in %s\n", d.GUN, len(d.Files), d.Archive)
			}
			if err != nil {
				if d == nil {
					return failAtomic(op, err)
				}
				return fail(op, err)
			}
			fmt.Fprintf(a.stdout, "%s: deleted on the server\n", d.GUN)
			if d.CacheRemoved != "" {
				fmt.Fprintf(a.stdout, "%s: removed the cache %s (keys stay)\n", d.GUN, d.CacheRemoved)
			}
			return nil
		},
	}
	sf.add(cmd, true)
	cmd.Flags().BoolVar(&remoteToo, "remote", false, "delete on the server (required)")
	cmd.Flags().StringVar(&archiveDir, "archive-dir", ".", "where to write the archive of the trust data")
	return cmd
}

// writeTrustBundle writes b as a gzipped tar: GUN/metadata/<name> for each
// file and GUN/SHA256SUMS, into a new file of dir (never over an existing
// one; no partial file is left on failure).
func writeTrustBundle(dir string, b *remote.Bundle, now time.Time) (string, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	var sums strings.Builder
	add := func(name string, data []byte) error {
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, n := range b.Names() {
		data := b.Files[n]
		sum := sha256.Sum256(data)
		fmt.Fprintf(&sums, "%s  metadata/%s\n", hex.EncodeToString(sum[:]), n)
		if err := add(b.GUN+"/metadata/"+n, data); err != nil {
			return "", err
		}
	}
	if err := add(b.GUN+"/SHA256SUMS", []byte(sums.String())); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := gz.Close(); err != nil {
		return "", err
	}
	name := "trust-" + strings.NewReplacer("/", "_", ":", "_").Replace(b.GUN) + "-" + now.UTC().Format("20060102T150405Z") + ".tar.gz"
	path := filepath.Join(dir, name)
	if err := writeNew(path, buf.Bytes()); err != nil {
		return "", fmt.Errorf("archive %s: %w", path, err)
	}
	return filepath.Abs(path)
}

// writeNew writes data to a temporary file beside path, syncs it and links
// it to path, which must not exist.
func writeNew(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".trust-archive-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s already exists", path)
		}
		return err
	}
	return nil
}
