package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/migrate"
)

func (a *app) migrateReportCmd() *cobra.Command {
	var asJSON bool
	var notaryConfig string
	cmd := &cobra.Command{
		Use:   "report [--json]",
		Short: "For each repository: its signing keys, its server, and what to do next",
		Long: `For every repository whose trust data is cached here: the keys that sign it
(targets and delegations) and where each is (file, token, server, damaged or
missing), the notary server docker uses for it (DOCKER_CONTENT_TRUST_SERVER,
else Docker Hub's notary for docker.io repositories, else the registry's own
host) and the notary CLI's server (its config file, default
~/.notary/config.json), whether the server is Docker Hub's (which stops on
2026-12-08), whether the trust data was archived (by trustvault archive or
delete --remote, which record each archive they write: when, where, which
timestamp version) and whether that archive is still there unchanged and
holds the cache's newest timestamp, and the next steps.

--json prints [{gun, server, server_source, notary_server, docker_hub,
archived, archive: {state, path, sha256, created, timestamp_version,
cached_timestamp_version, outdated, problem}, signers: [{role, id, key_type,
location, where}], next: [...]}]; archive.state is none, archived, gone,
changed, unchecked or unknown.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "migrate report"
			// The trust directory and the servers as pull and archive
			// resolve them.
			rs, err := a.remoteSetup(serverFlags{})
			if err != nil {
				return err
			}
			s, err := vault.Open(rs.TrustDir)
			if err != nil {
				return fail(op, err)
			}
			keys, err := s.Keys()
			if err != nil {
				return fail(op, err)
			}
			repos, err := vault.ReadRepositories(s.Dir(), a.withTokens(op, keys))
			if err != nil {
				fmt.Fprintln(a.stderr, "trustvault: "+(&opError{op: op, err: err}).explain(a))
			}
			report, err := migrate.Report(s, repos, migrate.ReportOptions{Setup: rs, NotaryServer: a.notaryServer(notaryConfig), Now: clock()})
			if err != nil {
				return fail(op, err)
			}
			if asJSON {
				err = writeJSON(a.stdout, report)
			} else {
				err = writeMigrationText(a.stdout, report, clock())
			}
			if err != nil {
				return fail(op, err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&notaryConfig, "notary-config", "", "the notary CLI's config `FILE` (default ~/.notary/config.json)")
	return cmd
}

// notaryServer is remote_server.url from the notary CLI's config (path,
// else ~/.notary/config.json), or "". A config that cannot be read is
// reported once and otherwise ignored.
func (a *app) notaryServer(path string) string {
	explicit := path != ""
	if !explicit {
		path = migrate.NotaryCLIConfig(a.getenv("HOME"))
	}
	server, err := migrate.NotaryCLIServer(path, explicit)
	if err != nil {
		fmt.Fprintf(a.stderr, "trustvault: migrate report: %v (its server is not shown)\n", err)
	}
	return server
}

func writeMigrationText(w io.Writer, report []migrate.Repository, now time.Time) error {
	if len(report) == 0 {
		_, err := fmt.Fprintln(w, "No repository trust data is cached here: nothing to migrate (trustvault repos lists the repositories).")
		return err
	}
	var b strings.Builder
	for i, m := range report {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s\n  server:   %s (%s)\n", m.GUN, m.Server, m.ServerSource)
		if m.NotaryServer != "" {
			fmt.Fprintf(&b, "  notary:   %s (notary CLI config)\n", m.NotaryServer)
		}
		if w := m.HubWords(now); w != "" {
			fmt.Fprintf(&b, "  WARNING:  %s\n", w)
		}
		if w := m.CacheWords(); w != "" {
			fmt.Fprintf(&b, "  cache:    %s\n", w)
		}
		fmt.Fprintf(&b, "  archived: %s\n", m.Archived)
		if len(m.Signers) == 0 && !m.Uncached {
			b.WriteString("  signers:  none named in cached metadata\n")
		}
		for _, k := range m.Signers {
			fmt.Fprintf(&b, "  signer:   %s %s %s %s", k.Role, vault.ShortID(k.ID), k.KeyType, k.Location)
			if k.Where != "" {
				fmt.Fprintf(&b, " (%s)", k.Where)
			}
			b.WriteString("\n")
		}
		for _, n := range m.Next {
			fmt.Fprintf(&b, "  next:     %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
