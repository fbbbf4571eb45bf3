package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
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
together and writes them to a trust archive, as trustvault archive does
(trust-GUN-TIME.tar.gz and its .sha256 sidecar in --archive-dir, default
the current directory; trustvault archive verify checks it offline, and
tar -xzf FILE -C TRUSTDIR puts it back into a trust directory), reads it
back and records it (migrate report shows it); only then does it delete on
the server and remove the GUN's metadata cache. notary's delete wipes the
cache with no archive. Keys stay.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			op := "delete " + args[0]
			if !remoteToo {
				return usage("%s", op+": give --remote: delete removes the trust data on the server (after archiving it); the cache alone is not deleted")
			}
			p, err := a.publisher(&sf)
			if err != nil {
				return failAtomic(op, err)
			}
			d, err := p.Delete(context.Background(), args[0], func(b *remote.Bundle) (string, error) {
				now := time.Now()
				name := "trust-" + strings.NewReplacer("/", "_", ":", "_").Replace(b.GUN) + "-" + now.UTC().Format("20060102T150405Z") + ".tar.gz"
				ta, err := vault.WriteTrustArchive(filepath.Join(archiveDir, name), []vault.TrustBundle{trustBundleOf(b, p.Remote.Server, now)}, now)
				if err != nil {
					return "", err
				}
				a.recordArchive(op, p.Store.Dir(), ta, now)
				return filepath.Abs(ta.Path)
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
