package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
)

func (a *app) reposCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "repos [--json]",
		Short: "List the repositories whose metadata is cached, with their roles and keys",
		Long: `List each repository (GUN) cached under tuf/, its roles with their thresholds,
expiry and keys, and where each key's private part is: file (in this trust
directory), token, server (held by the notary server), damaged (a key file
with the key's ID is here but cannot be read: restore it from a backup) or
missing (found nowhere). A role's own metadata file is cached, absent (never
fetched, or a delegation that never signed) or damaged (there, but it cannot
be read: fetch it again).

The table shows short key IDs; --json prints full ones: an array of
{gun, dir, roles: [{name, kind, threshold, expires, version, has_metadata,
metadata, metadata_error, keys: [{id, tuf_id, key_type, location, path,
token, error}]}], problems: [...]}.
A key on a Yubikey that is plugged in has location "token" and token
"Yubikey 12345678, slot 9c"; the token wins over a key file with the same key.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := a.openStore()
			if err != nil {
				return fail("repos", err)
			}
			keys, err := s.Keys()
			if err != nil {
				return fail("repos", err)
			}
			repos, err := vault.ReadRepositories(s.Dir(), a.withTokens("repos", keys))
			if err != nil {
				// What could be read is still listed.
				fmt.Fprintln(a.stderr, "trustvault: "+(&opError{op: "repos", err: err}).explain(a))
			}
			if asJSON {
				err = writeReposJSON(a.stdout, repos)
			} else {
				err = writeReposTable(a.stdout, s.Dir(), repos, time.Now())
			}
			if err != nil {
				return fail("repos", err)
			}
			for _, r := range repos {
				for _, p := range r.Problems {
					fmt.Fprintf(a.stderr, "trustvault: repos: %s: %s\n", r.GUN, p.Error())
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

type repoJSON struct {
	GUN      string     `json:"gun"`
	Dir      string     `json:"dir"`
	Roles    []roleJSON `json:"roles"`
	Problems []string   `json:"problems"`
}

type roleJSON struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Threshold   int    `json:"threshold"`
	Expires     string `json:"expires,omitempty"`
	Version     int    `json:"version,omitempty"`
	HasMetadata bool   `json:"has_metadata"`
	// Metadata is "cached", "absent" or "damaged" (MetadataError says why).
	Metadata      string        `json:"metadata"`
	MetadataError string        `json:"metadata_error,omitempty"`
	Keys          []roleKeyJSON `json:"keys"`
}

type roleKeyJSON struct {
	ID       string `json:"id"`
	TUFID    string `json:"tuf_id"`
	KeyType  string `json:"key_type"`
	Location string `json:"location"`
	Path     string `json:"path,omitempty"`
	// Token is "Yubikey 12345678, slot 9c" for a key on a token.
	Token string `json:"token,omitempty"`
	// Error says why a damaged key file cannot be used.
	Error string `json:"error,omitempty"`
}

func newRepoJSON(r vault.Repository) repoJSON {
	j := repoJSON{GUN: r.GUN, Dir: r.Dir, Roles: []roleJSON{}, Problems: []string{}}
	for _, p := range r.Problems {
		j.Problems = append(j.Problems, p.Error())
	}
	for _, ri := range r.Roles {
		rj := roleJSON{
			Name: ri.Name, Kind: ri.Kind.String(), Threshold: ri.Threshold,
			Version: ri.Version, HasMetadata: ri.HasMetadata, Metadata: ri.Metadata.String(), Keys: []roleKeyJSON{},
		}
		if ri.MetadataErr != nil {
			rj.MetadataError = ri.MetadataErr.Error()
		}
		if !ri.Expires.IsZero() {
			rj.Expires = ri.Expires.UTC().Format(time.RFC3339)
		}
		for _, k := range ri.Keys {
			kj := roleKeyJSON{
				ID: k.ID, TUFID: k.TUFID, KeyType: k.KeyType, Location: k.Location.String(), Path: k.Path,
			}
			if k.Token != nil {
				kj.Token = k.Token.String()
			}
			if k.Err != nil {
				kj.Error = k.Err.Error()
			}
			rj.Keys = append(rj.Keys, kj)
		}
		j.Roles = append(j.Roles, rj)
	}
	return j
}

func writeReposJSON(w io.Writer, repos []vault.Repository) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, r := range repos {
		b, err := json.Marshal(newRepoJSON(r))
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	if len(repos) > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// writeReposTable prints one row per role: GUN, role, threshold, expiry and
// its keys as "<id7> <location>".
func writeReposTable(w io.Writer, dir string, repos []vault.Repository, now time.Time) error {
	bw := bufio.NewWriter(w)
	if len(repos) == 0 {
		fmt.Fprintf(bw, "No repositories found in %s.\n", dir)
		return bw.Flush()
	}
	tw := tabwriter.NewWriter(bw, 4, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "GUN\tROLE\tTHRESHOLD\tEXPIRES\tKEYS")
	for _, r := range repos {
		for _, ri := range r.Roles {
			keys := make([]string, 0, len(ri.Keys))
			for _, k := range ri.Keys {
				loc := k.Location.String()
				if k.Token != nil {
					loc = "on " + k.Token.String()
				}
				keys = append(keys, vault.ShortID(k.ID)+" "+loc)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", cell(r.GUN), cell(ri.Name), ri.Threshold, expiry(ri, now), cell(strings.Join(keys, ", ")))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// expiry shows a role's expiry date, and how near it is when that matters.
func expiry(ri vault.RoleInfo, now time.Time) string {
	if ri.Expires.IsZero() {
		return "-"
	}
	s := ri.Expires.UTC().Format(time.DateOnly)
	switch left := ri.Expires.Sub(now); {
	case left < 0:
		s += " (expired)"
	case left < 30*24*time.Hour:
		s += fmt.Sprintf(" (in %d days)", vault.DaysLeft(left))
	}
	return s
}
