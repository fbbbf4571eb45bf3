package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

func (a *app) pullCmd() *cobra.Command {
	var sf serverFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "pull GUN... [--server URL] [--tlscacert FILE] [-c FILE] [--json]",
		Short: "Fetch repositories' trust data from a notary server, verify it and update the cache",
		Long: `pull fetches each repository's TUF metadata from its notary server, verifies
it as notary's client does (the root chain, signature thresholds, versions
never going back, snapshot and timestamp hashes, expiry, delegations), and
writes it into the trust directory's cache (tuf/<gun>/metadata/), where
docker and notary read it. Nothing is written unless the whole update
verified. It reports what changed: versions, rotated keys, delegations
and tags added or removed.

The server is --server, else $DOCKER_CONTENT_TRUST_SERVER, else the notary
config's remote_server.url (-c FILE), else what docker picks: Docker Hub's
notary (https://notary.docker.io, which stops on 2026-12-08) for Docker Hub
images, https://REGISTRY for the others. Registry credentials come from
docker's config.json ($DOCKER_CONFIG, else ~/.docker: auths, credsStore,
credHelpers). A repository pulled for the first time has its root trusted
on first use, unless the notary config's trust_pinning pins it.

--json prints an array of {gun, server, trust_dir, first, changed,
checked_at, timestamp_version, timestamp_expires, versions: [{role, old,
new}], rotated_keys: [{role, old, new}], added_delegations,
removed_delegations, tags: [{role, tag, old, new}] (hex SHA-256 digests,
"" for none), skipped: {role: reason}, warnings, written, removed, error}.
Exit status 0 when every repository was pulled, 1 when one failed, 2 for
bad arguments.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkNames(args, false); err != nil {
				return err
			}
			if err := checkServer(sf); err != nil {
				return err
			}
			rs, err := a.remoteSetup(sf)
			if err != nil {
				return err
			}
			var out []pullJSON
			failed := 0
			for _, gun := range args {
				o := rs.Options(gun, true, clock())
				if w := remote.HubWarning(o.Server, clock()); w != "" {
					fmt.Fprintf(a.stderr, "trustvault: warning: %s\n", w)
				}
				u, err := remote.Pull(cmd.Context(), o)
				if err != nil {
					failed++
					err = remote.HubGone(err, clock())
					fmt.Fprintln(a.stderr, "trustvault: "+(&opError{op: "pull " + gun, err: err}).explain(a))
					out = append(out, failedPullJSON(gun, o.Server, err))
					continue
				}
				if asJSON {
					out = append(out, newPullJSON(u))
				} else if err := writePull(a.stdout, u, rs.Pinned()); err != nil {
					return err
				}
			}
			if asJSON {
				if err := writeJSON(a.stdout, out); err != nil {
					return err
				}
			}
			if failed > 0 {
				return &exitStatus{code: exitFailure}
			}
			return nil
		},
	}
	sf.add(cmd, true)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what changed as JSON")
	return cmd
}

// writePull says what a pull changed, in the words the interactive view
// uses too (remote.Update.Lines).
func writePull(w io.Writer, u *remote.Update, pinning bool) error {
	_, err := io.WriteString(w, strings.Join(u.Lines(pinning), "\n")+"\n")
	return err
}

// signedTagNames are the tags docker would pull: those reachable from
// targets/releases or targets.
func signedTagNames(repo *tuf.Repo) map[string]string { return remote.ReleasedTags(repo) }

type pullJSON struct {
	GUN                string            `json:"gun"`
	Server             string            `json:"server"`
	TrustDir           string            `json:"trust_dir,omitempty"`
	First              bool              `json:"first"`
	Changed            bool              `json:"changed"`
	CheckedAt          *time.Time        `json:"checked_at,omitempty"`
	TimestampVersion   int               `json:"timestamp_version,omitempty"`
	TimestampExpires   *time.Time        `json:"timestamp_expires,omitempty"`
	Versions           []versionJSON     `json:"versions"`
	RotatedKeys        []keyChangeJSON   `json:"rotated_keys"`
	AddedDelegations   []string          `json:"added_delegations"`
	RemovedDelegations []string          `json:"removed_delegations"`
	Tags               []tagChangeJSON   `json:"tags"`
	Skipped            map[string]string `json:"skipped"`
	Warnings           []string          `json:"warnings"`
	Written            []string          `json:"written"`
	Removed            []string          `json:"removed"`
	Error              string            `json:"error,omitempty"`
}

type versionJSON struct {
	Role string `json:"role"`
	Old  int    `json:"old"`
	New  int    `json:"new"`
}

type keyChangeJSON struct {
	Role string   `json:"role"`
	Old  []string `json:"old"`
	New  []string `json:"new"`
}

type tagChangeJSON struct {
	Role string `json:"role"`
	Tag  string `json:"tag"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

func newPullJSON(u *remote.Update) pullJSON {
	at, exp := u.At.UTC(), u.Repo.Timestamp.Expires.UTC()
	j := pullJSON{GUN: u.GUN, Server: u.Server, TrustDir: u.TrustDir, First: u.First, Changed: u.Changed(),
		CheckedAt: &at, TimestampVersion: u.Repo.Timestamp.Version, TimestampExpires: &exp,
		Versions: []versionJSON{}, RotatedKeys: []keyChangeJSON{}, Tags: []tagChangeJSON{},
		AddedDelegations: nonNil(u.AddedDelegations), RemovedDelegations: nonNil(u.RemovedDelegations),
		Skipped: u.Skipped, Warnings: nonNil(u.Warnings), Written: nonNil(u.Written), Removed: nonNil(u.Removed)}
	for _, v := range u.Versions {
		j.Versions = append(j.Versions, versionJSON(v))
	}
	for _, k := range u.RotatedKeys {
		j.RotatedKeys = append(j.RotatedKeys, keyChangeJSON{Role: k.Role, Old: nonNil(k.Old), New: nonNil(k.New)})
	}
	for _, t := range u.Tags {
		j.Tags = append(j.Tags, tagChangeJSON(t))
	}
	if j.Skipped == nil {
		j.Skipped = map[string]string{}
	}
	return j
}

func failedPullJSON(gun, server string, err error) pullJSON {
	return pullJSON{GUN: gun, Server: server, Versions: []versionJSON{}, RotatedKeys: []keyChangeJSON{}, Tags: []tagChangeJSON{},
		AddedDelegations: []string{}, RemovedDelegations: []string{}, Skipped: map[string]string{}, Warnings: []string{},
		Written: []string{}, Removed: []string{}, Error: err.Error()}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeJSON prints v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
