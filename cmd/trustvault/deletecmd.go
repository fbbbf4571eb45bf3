package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
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
			p, err := a.publisher(&sf, args[0])
			if err != nil {
				return failAtomic(op, err)
			}
			now := time.Now()
			d, err := p.Delete(context.Background(), args[0], p.ArchiveIn(archiveDir, now))
			if d != nil {
				fmt.Fprintf(a.stdout, "%s: archived %d files in %s\n", d.GUN, len(d.Files), d.Archive)
			}
			if d != nil && d.Trust != nil {
				a.recordArchive(op, p.Store.Dir(), d.Trust, now)
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
