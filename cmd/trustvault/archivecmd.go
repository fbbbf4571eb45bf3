package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
)

func (a *app) archiveCmd() *cobra.Command {
	var sf serverFlags
	var out string
	var offline bool
	cmd := &cobra.Command{
		Use:   "archive GUN... -o FILE [--offline [--at DATE]] [--server URL] [--tlscacert FILE] [-c FILE]",
		Short: "Freeze repositories' verified trust data into an archive that verifies offline",
		Long: `archive pulls each repository from its notary server (as pull does), adds
every root version the server serves (1 to the current one), verifies the
whole, and writes one archive with all of it: a tar.gz in notary's cache
layout (tuf/<gun>/metadata/...), a manifest of every file's SHA-256
(trustvault/manifest.json) and of the repositories (tuf/archive.json), and
a FILE.sha256 sidecar (sha256sum -c FILE.sha256 checks it). Nothing is
written unless every repository verified; an existing FILE is never
replaced.

Once the server is gone the archive is the proof of what was signed:
  trustvault archive verify FILE [--at DATE]
  trustvault inspect --archive FILE GUN:TAG [--digest sha256:...] [--at DATE]
Standard tar reads it (tar -tzf FILE; tar -xzf FILE -C ~/.docker/trust
makes a cache docker and notary read).

--offline archives the cache as it is, without asking the server (the
root versions the server serves are then not added); once the cache has
expired, --at DATE verifies it as of an earlier time. trustvault backup
carries the cache too (tuf/), and inspect --archive reads a backup.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("give the archive's name: -o FILE")
			}
			if sf.at != "" && !offline {
				return errors.New("--at checks expiry as of another time, offline only: add --offline")
			}
			if err := checkNames(args, false); err != nil {
				return err
			}
			if err := checkServer(sf); err != nil {
				return err
			}
			return a.runArchive(cmd.Context(), sf, args, out, offline)
		},
	}
	sf.add(cmd, true)
	sf.addAt(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the archive to `FILE` (and FILE.sha256)")
	cmd.Flags().BoolVar(&offline, "offline", false, "archive the cached metadata; do not ask the server")
	cmd.AddCommand(a.archiveVerifyCmd())
	return cmd
}

func (a *app) runArchive(ctx context.Context, sf serverFlags, guns []string, out string, offline bool) error {
	const op = "archive"
	rs, err := a.remoteSetup(sf)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(out); err == nil {
		return fail(op, fmt.Errorf("%s exists; give another name, or move it away first (an archive is never overwritten)", out))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fail(op, err)
	}
	now := clock()
	var bundles []vault.TrustBundle
	for _, gun := range guns {
		o := rs.Options(gun, !offline, clock())
		b, err := remote.Gather(ctx, o, offline)
		if err != nil {
			return failAtomic(op+" "+gun, expiredHint(remote.HubGone(err, now)))
		}
		bundles = append(bundles, b.TrustBundle(o.Server, now))
	}
	ta, err := vault.WriteTrustArchive(out, bundles, now)
	if err != nil {
		return failAtomic(op, err)
	}
	a.recordArchive(op, rs.TrustDir, ta, now)
	var b strings.Builder
	fmt.Fprintf(&b, "Archived %s into %s (%s, SHA-256 %s…), read back and checked; sidecar %s\n",
		plural(len(ta.Bundles), "repository", "repositories"), out, vault.SizeString(uint64(ta.Size)), ta.SHA256[:12], ta.Sidecar)
	for _, tb := range ta.Bundles {
		roots := 0
		for _, n := range tb.FileNames {
			if strings.HasSuffix(n, ".root.json") {
				roots++
			}
		}
		from := "from " + tb.Server
		if tb.Server == "" {
			from = "from the cache"
		}
		fmt.Fprintf(&b, "  %s: %s %s, root version %d (%s chained), timestamp version %d fresh until %s\n",
			tb.GUN, plural(len(tb.FileNames), "file", "files"), from, tb.RootVersion, plural(roots, "version", "versions"),
			tb.TimestampVersion, tb.TimestampExpires.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "Check it offline any time: trustvault archive verify %s (with --at DATE once it has expired)\n", out)
	fmt.Fprintf(&b, "Show a tag from it: trustvault inspect --archive %s GUN:TAG\n", out)
	_, err = fmt.Fprint(a.stdout, b.String())
	return err
}

// recordArchive adds an archive just written and read back to the archive
// records of the trust directory dir, which migrate report reads. The
// archive is written whatever happens here: a failure to record is a
// warning that says so.
func (a *app) recordArchive(op, dir string, ta *vault.TrustArchive, now time.Time) {
	s, err := vault.Open(dir)
	if err == nil {
		err = s.RecordArchive(ta, now)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "trustvault: %s: warning: %s was written and checked, but it could not be recorded in %s (migrate report will not show it): %v\n",
			op, ta.Path, dir, err)
	}
}

func (a *app) archiveVerifyCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "verify FILE [--at DATE] [-c FILE]",
		Short: "Verify a trust archive offline: digests, and every repository's signatures and expiry",
		Long: `archive verify reads a trust archive (or a trustvault backup), checks it
against its .sha256 sidecar and its manifests, and verifies each
repository's metadata offline: the root chain from the first root version
it holds (trusted on first use, or through the notary config's
trust_pinning with -c FILE), signatures, hashes and expiry. Expiry is
checked now, or as of --at DATE: once the server is gone its timestamp
expires within weeks, and --at shows what was signed while it was fresh.
Exit status 0 when every repository verified, 1 otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.runArchiveVerify(sf, args[0])
		},
	}
	sf.add(cmd, false)
	sf.addAt(cmd)
	return cmd
}

func (a *app) runArchiveVerify(sf serverFlags, path string) error {
	op := "archive verify " + path
	rs, err := a.remoteSetup(sf)
	if err != nil {
		return err
	}
	ta, err := vault.ReadTrustArchive(path, a.archivePassphrase(path))
	if err != nil {
		return fail(op, err)
	}
	at, atGiven := rs.At, !rs.At.IsZero()
	if !atGiven {
		at = clock()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: SHA-256 %s…", path, ta.SHA256[:12])
	if ta.Sidecar != "" {
		fmt.Fprintf(&b, ", matches %s", ta.Sidecar)
	}
	if ta.Manifest != nil {
		fmt.Fprintf(&b, ", made %s by trustvault %s", ta.Manifest.Created.UTC().Format("2006-01-02 15:04 UTC"), ta.Manifest.Version)
	} else {
		b.WriteString(", a backup's cached metadata")
	}
	b.WriteString("\n")
	failed := 0
	for _, tb := range ta.Bundles {
		repo, err := remote.VerifyBundle(tb.GUN, tb.Files, rs.Pinning(), at)
		if err != nil {
			failed++
			fmt.Fprintf(&b, "  ✗ %s: %v\n", tb.GUN, expiredHint(err))
			continue
		}
		fresh := freshness("offline from the archive", repo, atGiven, false, clock())
		fmt.Fprintf(&b, "  ✓ %s: %s; %s%s\n", tb.GUN, plural(len(signedTagNames(repo)), "signed tag", "signed tags"),
			strings.ToLower(fresh[:1]), fresh[1:])
		fmt.Fprintf(&b, "    root: %s\n", remote.BundleAnchor(rs.TrustDir, repo, rs.Pinned()))
	}
	if _, err := fmt.Fprint(a.stdout, b.String()); err != nil {
		return err
	}
	if failed > 0 {
		fmt.Fprintf(a.stderr, "trustvault: %s: %d of %s did not verify\n", op, failed, plural(len(ta.Bundles), "repository", "repositories"))
		return &exitStatus{code: exitFailure}
	}
	return nil
}
