package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
)

// archiveUnknown is what the report says of archiving: trustvault keeps no
// record of the archives `trustvault archive` writes, so whether one was
// made is not known here.
const archiveUnknown = "unknown: trustvault keeps no record of trust data archives; make one with trustvault archive"

type migrationJSON struct {
	GUN string `json:"gun"`
	// Server is the notary server docker uses for the repository;
	// ServerSource says how that was found; NotaryServer is the notary
	// CLI's remote_server.url when its config names one.
	Server       string             `json:"server"`
	ServerSource string             `json:"server_source"`
	NotaryServer string             `json:"notary_server,omitempty"`
	DockerHub    bool               `json:"docker_hub"`
	Archived     string             `json:"archived"`
	Signers      []migrationKeyJSON `json:"signers"`
	Next         []string           `json:"next"`
}

type migrationKeyJSON struct {
	Role     string `json:"role"`
	ID       string `json:"id"`
	KeyType  string `json:"key_type"`
	Location string `json:"location"`
	// Where is the key file's path or the token.
	Where string `json:"where,omitempty"`
}

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
2026-12-08), whether the trust data was archived, and the next steps.

--json prints [{gun, server, server_source, notary_server, docker_hub,
archived, signers: [{role, id, key_type, location, where}], next: [...]}].`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			const op = "migrate report"
			s, err := a.openStore()
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
			notary := a.notaryServer(notaryConfig)
			report := make([]migrationJSON, 0, len(repos))
			for _, r := range repos {
				report = append(report, a.migrationOf(r, notary))
			}
			if asJSON {
				err = writeIndentedJSON(a.stdout, report)
			} else {
				err = writeMigrationText(a.stdout, report)
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

// notaryServer is remote_server.url from the notary CLI's config, or "".
// A config that cannot be read is reported once and otherwise ignored.
func (a *app) notaryServer(path string) string {
	explicit := path != ""
	if !explicit {
		if a.getenv("HOME") == "" {
			return ""
		}
		path = filepath.Join(a.getenv("HOME"), ".notary", "config.json")
	}
	data, err := readOptional(path, remote.MaxConfigSize)
	if err == nil && data == nil && explicit {
		err = fmt.Errorf("%s: no such file", path)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "trustvault: migrate report: notary config: %v (its server is not shown)\n", err)
		return ""
	}
	if data == nil {
		return ""
	}
	nc, _, err := remote.ParseNotaryConfig(data, filepath.Dir(path))
	if err != nil {
		fmt.Fprintf(a.stderr, "trustvault: migrate report: notary config %s: %v (its server is not shown)\n", path, err)
		return ""
	}
	return nc.Server
}

func (a *app) migrationOf(r vault.Repository, notary string) migrationJSON {
	m := migrationJSON{GUN: r.GUN, NotaryServer: notary, Archived: archiveUnknown, Signers: []migrationKeyJSON{}}
	host := remote.RegistryHost(r.GUN)
	switch {
	case a.getenv("DOCKER_CONTENT_TRUST_SERVER") != "":
		m.Server, m.ServerSource = a.getenv("DOCKER_CONTENT_TRUST_SERVER"), "DOCKER_CONTENT_TRUST_SERVER"
	case host == "docker.io":
		m.Server, m.ServerSource = remote.HubNotary, "docker's default for Docker Hub"
	default:
		m.Server, m.ServerSource = "https://"+host, "docker's default: the registry's host"
	}
	m.DockerHub = remote.IsHubNotary(m.Server) || remote.IsHubNotary(notary) && host == "docker.io"
	for _, ri := range r.Roles {
		if ri.Name != "targets" && !strings.HasPrefix(ri.Name, "targets/") {
			continue
		}
		for _, k := range ri.Keys {
			mk := migrationKeyJSON{Role: ri.Name, ID: k.ID, KeyType: k.KeyType, Location: k.Location.String(), Where: k.Path}
			if k.Token != nil {
				mk.Where = k.Token.String()
			}
			m.Signers = append(m.Signers, mk)
		}
	}
	m.Next = nextSteps(m)
	return m
}

// nextSteps says what to do for one repository, in order: archive, export,
// wind down.
func nextSteps(m migrationJSON) []string {
	var next []string
	archive := "archive: freeze the trust data, every root version included, into a file that verifies offline: trustvault archive " + shellQuote(m.GUN) + " -o FILE"
	if m.DockerHub {
		archive = "archive before " + remote.HubShutdown.Format("2006-01-02") + ", when Docker Hub's notary stops: " + archive[len("archive: "):]
	}
	next = append(next, archive)
	exported, onToken := false, ""
	for _, k := range m.Signers {
		if k.Location == "token" && onToken == "" {
			onToken = vault.ShortID(k.ID)
		}
		if exported || k.Location != "file" || k.KeyType != "ecdsa" {
			continue
		}
		id := vault.ShortID(k.ID)
		next = append(next, fmt.Sprintf("export to cosign: trustvault migrate cosign %s -o cosign-%s (or to Notation: trustvault migrate notation %s)", id, id, id))
		exported = true
	}
	switch {
	case !exported && onToken != "":
		next = append(next, "key "+onToken+" is on a token and cannot leave it: make a fresh key for cosign (cosign generate-key-pair)")
	case !exported:
		next = append(next, "no P-256 signing key file is held here to export: make a fresh key for cosign (cosign generate-key-pair)")
	}
	next = append(next, "wind down: sign new images with cosign or Notation, give consumers the new public key or certificate, and tell them to stop relying on DOCKER_CONTENT_TRUST=1 for "+m.GUN)
	return next
}

func writeMigrationText(w io.Writer, report []migrationJSON) error {
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
		if m.DockerHub {
			fmt.Fprintf(&b, "  WARNING:  Docker Hub's notary stops on %s; its trust data is gone after that\n", remote.HubShutdown.Format("2006-01-02"))
		}
		fmt.Fprintf(&b, "  archived: %s\n", m.Archived)
		if len(m.Signers) == 0 {
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

func writeIndentedJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
