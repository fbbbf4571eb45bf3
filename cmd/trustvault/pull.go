package main

import (
	"encoding/hex"
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

// writePull says what a pull changed.
func writePull(w io.Writer, u *remote.Update, pinning bool) error {
	var b strings.Builder
	ts := u.Repo.Timestamp
	dir := remote.MetadataDir(u.TrustDir, u.GUN)
	switch {
	case u.First:
		how := "trusted on first use"
		if pinning {
			how = "checked against the config's trust_pinning"
		}
		fmt.Fprintf(&b, "%s: first pull from %s; its root (version %d, root key %s) was %s\n",
			u.GUN, u.Server, u.Repo.Root.Version, strings.Join(u.Repo.Root.Roles["root"].KeyIDs, ", "), how)
		fmt.Fprintf(&b, "  %s, %s, timestamp version %d fresh until %s\n", plural(len(u.Repo.Roles), "delegation", "delegations"),
			plural(len(signedTagNames(u.Repo)), "signed tag", "signed tags"), ts.Version, ts.Expires.UTC().Format(time.RFC3339))
	case !u.Changed():
		fmt.Fprintf(&b, "%s: up to date with %s (timestamp version %d, fresh until %s)\n", u.GUN, u.Server, ts.Version, ts.Expires.UTC().Format(time.RFC3339))
	default:
		fmt.Fprintf(&b, "%s: updated from %s (timestamp version %d, fresh until %s)\n", u.GUN, u.Server, ts.Version, ts.Expires.UTC().Format(time.RFC3339))
		writeChanges(&b, u)
	}
	for role, why := range u.Skipped {
		fmt.Fprintf(&b, "  left out, as notary leaves it out: %s (%s)\n", role, why)
	}
	for _, warn := range u.Warnings {
		fmt.Fprintf(&b, "  warning: %s\n", warn)
	}
	if len(u.Written) > 0 || len(u.Removed) > 0 {
		fmt.Fprintf(&b, "  cache: %s written, %d removed in %s\n", plural(len(u.Written), "file", "files"), len(u.Removed), dir)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeChanges lists the versions, keys, delegations and tags that changed.
func writeChanges(b *strings.Builder, u *remote.Update) {
	if len(u.Versions) > 0 {
		var vs []string
		for _, v := range u.Versions {
			vs = append(vs, fmt.Sprintf("%s %d → %d", v.Role, v.Old, v.New))
		}
		fmt.Fprintf(b, "  new versions: %s\n", strings.Join(vs, ", "))
	}
	for _, k := range u.RotatedKeys {
		fmt.Fprintf(b, "  rotated keys of %s: %s → %s\n", k.Role, shortIDs(k.Old), shortIDs(k.New))
	}
	if len(u.AddedDelegations) > 0 {
		fmt.Fprintf(b, "  new delegations: %s\n", strings.Join(u.AddedDelegations, ", "))
	}
	if len(u.RemovedDelegations) > 0 {
		fmt.Fprintf(b, "  removed delegations: %s\n", strings.Join(u.RemovedDelegations, ", "))
	}
	for _, t := range u.Tags {
		switch {
		case t.Old == "":
			fmt.Fprintf(b, "  new tag %s in %s: sha256:%s\n", t.Tag, t.Role, t.New)
		case t.New == "":
			fmt.Fprintf(b, "  removed tag %s from %s (was sha256:%s)\n", t.Tag, t.Role, t.Old)
		default:
			fmt.Fprintf(b, "  changed tag %s in %s: sha256:%s → sha256:%s\n", t.Tag, t.Role, t.Old, t.New)
		}
	}
}

func shortIDs(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		if len(id) > 12 {
			id = id[:12]
		}
		out[i] = id
	}
	return strings.Join(out, ", ")
}

// signedTagNames are the tags docker would pull: those reachable from
// targets/releases or targets.
func signedTagNames(repo *tuf.Repo) map[string]string {
	out := map[string]string{}
	for _, t := range repo.AllTargets("") {
		if t.Role.Name == "targets" || t.Role.Name == "targets/releases" {
			out[t.Name] = hex.EncodeToString(t.Meta.Hashes["sha256"])
		}
	}
	return out
}

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
