package migrate

// The migration report: for each repository whose trust data is cached,
// the keys that sign it and where they are, the notary server it depends
// on (and whether that is Docker Hub's, gone after 2026-12-08), whether
// its trust data has been archived and that archive is still sound, and
// what to do next. The command line (migrate report) and the interactive
// view (the Migration page) both show this.

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/internal/fsread"
	"github.com/trustvault/trustvault/vault/remote"
)

// Repository is one repository's part of the report.
type Repository struct {
	GUN string `json:"gun"`
	// Server is the notary server the repository depends on
	// (remote.Setup.ServerFor); ServerSource says how that was found;
	// NotaryServer is the notary CLI's remote_server.url when its config
	// names one.
	Server       string `json:"server"`
	ServerSource string `json:"server_source"`
	NotaryServer string `json:"notary_server,omitempty"`
	DockerHub    bool   `json:"docker_hub"`
	// Archived says in a sentence what Archive holds.
	Archived string        `json:"archived"`
	Archive  ArchiveStatus `json:"archive"`
	Signers  []Signer      `json:"signers"`
	Next     []string      `json:"next"`
	// Uncached: no trust data for it is cached here (delete --remote
	// removed it, or the cache was cleared); it is known only from an
	// archive record, and that archive is what is left of it.
	Uncached bool `json:"uncached,omitempty"`
}

// Signer is a key that signs a repository's targets or a delegation.
type Signer struct {
	Role     string `json:"role"`
	ID       string `json:"id"`
	KeyType  string `json:"key_type"`
	Location string `json:"location"`
	// Where is the key file's path or the token.
	Where string `json:"where,omitempty"`
}

// ArchiveState says whether a repository's trust data has been archived.
type ArchiveState string

// The archive states. trustvault knows of the archives it wrote and
// recorded (trustvault archive, delete --remote); an archive made another
// way is not known.
const (
	// ArchiveNone: no recorded archive holds the repository.
	ArchiveNone ArchiveState = "none"
	// ArchiveKept: the newest archive that holds it is where it was
	// written, unchanged.
	ArchiveKept ArchiveState = "archived"
	// ArchiveGone: that archive is no longer where it was written.
	ArchiveGone ArchiveState = "gone"
	// ArchiveChanged: that archive's bytes differ from what was written.
	ArchiveChanged ArchiveState = "changed"
	// ArchiveUnchecked: that archive could not be read to check it.
	ArchiveUnchecked ArchiveState = "unchecked"
	// ArchiveUnknown: the archive records themselves could not be read.
	ArchiveUnknown ArchiveState = "unknown"
)

// ArchiveStatus is what is known of a repository's newest archive.
type ArchiveStatus struct {
	State ArchiveState `json:"state"`
	// Path, SHA256, Created and TimestampVersion are the record's (zero
	// for ArchiveNone and ArchiveUnknown).
	Path             string     `json:"path,omitempty"`
	SHA256           string     `json:"sha256,omitempty"`
	Created          *time.Time `json:"created,omitempty"`
	TimestampVersion int        `json:"timestamp_version,omitempty"`
	// CachedTimestampVersion is the cache's timestamp version now (0 when
	// the cache holds no readable timestamp.json).
	CachedTimestampVersion int `json:"cached_timestamp_version,omitempty"`
	// Outdated is set when the cache holds a newer timestamp version
	// than the archive: what was signed since is not in the archive.
	Outdated bool `json:"outdated"`
	// Problem says what is wrong (gone, changed, unreadable records).
	Problem string `json:"problem,omitempty"`
}

// ReportOptions are the report's inputs besides the store.
type ReportOptions struct {
	// Setup picks each repository's server (ServerFor); nil: the
	// environment-free default (docker's own choice).
	Setup *remote.Setup
	// NotaryServer is the notary CLI's remote_server.url ("" when none).
	NotaryServer string
	// Now is when the report is made: before Docker Hub's shutdown it says
	// to archive before it, after it that the server is gone.
	Now time.Time
}

// Report builds the migration report for repos (as vault.ReadRepositories
// gives them, tokens included), in their order. The archive records come
// from s; each recorded archive is read once to check it.
func Report(s *vault.Store, repos []vault.Repository, o ReportOptions) ([]Repository, error) {
	setup := o.Setup
	if setup == nil {
		var err error
		if setup, err = remote.NewSetup(remote.SetupInput{TrustDir: s.Dir()}); err != nil {
			return nil, err
		}
	}
	records, recErr := s.ArchiveRecords()
	checked := map[string]error{}
	out := make([]Repository, 0, len(repos))
	for _, r := range repos {
		m := Repository{GUN: r.GUN, NotaryServer: o.NotaryServer, Signers: signersOf(r)}
		m.Server, m.ServerSource = setup.ServerFor(r.GUN)
		m.DockerHub = remote.IsHubNotary(m.Server) ||
			remote.IsHubNotary(o.NotaryServer) && remote.RegistryHost(r.GUN) == "docker.io"
		m.Archive = archiveStatus(r, records, recErr, checked)
		m.Archived = m.Archive.Sentence()
		m.Next = nextSteps(m, o.Now)
		out = append(out, m)
	}
	return append(out, archivedOnly(records, repos, setup, o, checked)...), nil
}

// archivedOnly reports the repositories that archive records hold but
// whose trust data is no longer cached, in the order they were archived.
func archivedOnly(records []vault.ArchiveRecord, repos []vault.Repository, setup *remote.Setup, o ReportOptions, checked map[string]error) []Repository {
	known := map[string]bool{}
	for _, r := range repos {
		known[r.GUN] = true
	}
	var out []Repository
	for _, rec := range records {
		for _, ar := range rec.Repositories {
			if known[ar.GUN] {
				continue
			}
			known[ar.GUN] = true
			m := Repository{GUN: ar.GUN, NotaryServer: o.NotaryServer, Signers: []Signer{}, Uncached: true}
			m.Server, m.ServerSource = setup.ServerFor(ar.GUN)
			m.DockerHub = remote.IsHubNotary(m.Server) ||
				remote.IsHubNotary(o.NotaryServer) && remote.RegistryHost(ar.GUN) == "docker.io"
			m.Archive = archiveStatus(vault.Repository{GUN: ar.GUN}, records, nil, checked)
			m.Archived = m.Archive.Sentence()
			m.Next = uncachedSteps(m)
			out = append(out, m)
		}
	}
	return out
}

// uncachedSteps: the archive is all that is left here of the repository.
func uncachedSteps(m Repository) []string {
	st := m.Archive
	if st.State == ArchiveKept {
		return []string{"keep the archive " + st.Path + " with the key backups: no trust data for " + m.GUN +
			" is cached here any more, so it is the only proof here of what was signed; check it offline any time: trustvault archive verify " + vault.ShellQuote(st.Path)}
	}
	return []string{"find a copy of the archive " + st.Path + " (a backup, another machine): no trust data for " + m.GUN +
		" is cached here any more and " + st.Problem + "; while the server still answers, trustvault pull " + vault.ShellQuote(m.GUN) + " and archive again"}
}

// NotaryCLIConfig is the notary CLI's default config file for the home
// directory home ("" when home is "").
func NotaryCLIConfig(home string) string {
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".notary", "config.json")
}

// NotaryCLIServer is remote_server.url of the notary CLI's config file at
// path, for ReportOptions.NotaryServer: "" when path is "", or when the
// file does not exist and was not named (explicit); an error that names
// the file when it cannot be read or parsed.
func NotaryCLIServer(path string, explicit bool) (string, error) {
	if path == "" {
		return "", nil
	}
	data, err := fsread.File(path, remote.MaxConfigSize)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("notary config: %w", err)
	}
	nc, _, err := remote.ParseNotaryConfig(data, filepath.Dir(path))
	if err != nil {
		return "", fmt.Errorf("notary config %s: %w", path, err)
	}
	return nc.Server, nil
}

func signersOf(r vault.Repository) []Signer {
	signers := []Signer{}
	for _, ri := range r.Roles {
		if ri.Name != "targets" && !strings.HasPrefix(ri.Name, "targets/") {
			continue
		}
		for _, k := range ri.Keys {
			sk := Signer{Role: ri.Name, ID: k.ID, KeyType: k.KeyType, Location: k.Location.String(), Where: k.Path}
			if k.Token != nil {
				sk.Where = k.Token.String()
			}
			signers = append(signers, sk)
		}
	}
	return signers
}

// archiveStatus finds the newest record that holds r and checks its file
// (once per file: checked keeps the outcomes).
func archiveStatus(r vault.Repository, records []vault.ArchiveRecord, recErr error, checked map[string]error) ArchiveStatus {
	st := ArchiveStatus{State: ArchiveNone}
	if ts, ok := r.Role("timestamp"); ok && ts.HasMetadata {
		st.CachedTimestampVersion = ts.Version
	}
	if recErr != nil {
		st.State, st.Problem = ArchiveUnknown, recErr.Error()
		return st
	}
	var rec *vault.ArchiveRecord
	for i := len(records) - 1; i >= 0 && rec == nil; i-- {
		if records[i].Holds(r.GUN) {
			rec = &records[i]
		}
	}
	if rec == nil {
		return st
	}
	created := rec.Created
	st.Path, st.SHA256, st.Created = rec.Path, rec.SHA256, &created
	for _, ar := range rec.Repositories {
		if ar.GUN == r.GUN {
			st.TimestampVersion = ar.TimestampVersion
		}
	}
	st.Outdated = st.CachedTimestampVersion > st.TimestampVersion
	err, seen := checked[rec.Path]
	if !seen {
		err = rec.Check()
		checked[rec.Path] = err
	}
	switch {
	case err == nil:
		st.State = ArchiveKept
	case errors.Is(err, vault.ErrArchiveGone):
		st.State = ArchiveGone
	case errors.Is(err, vault.ErrArchiveChanged):
		st.State = ArchiveChanged
	default:
		st.State = ArchiveUnchecked
	}
	if err != nil {
		st.Problem = err.Error()
	}
	return st
}

// Sentence says in one line what is known of the archive.
func (st ArchiveStatus) Sentence() string {
	if st.State == ArchiveNone {
		return "no: no archive trustvault wrote holds this repository (trustvault archive makes one)"
	}
	if st.State == ArchiveUnknown {
		return "unknown: " + st.Problem
	}
	what := fmt.Sprintf("%s in %s (timestamp version %d)", st.Created.UTC().Format("2006-01-02 15:04 UTC"), st.Path, st.TimestampVersion)
	var s string
	switch st.State {
	case ArchiveKept:
		s = "yes: " + what + ", still there and unchanged"
	case ArchiveGone:
		s = "no longer: archived " + what + ", but the file is no longer there"
	case ArchiveChanged:
		s = "no longer: archived " + what + ", but " + st.Problem
	default:
		s = "not checked: archived " + what + ", but it cannot be read: " + st.Problem
	}
	if st.Outdated {
		s += fmt.Sprintf("; the cache has timestamp version %d since", st.CachedTimestampVersion)
	}
	return s
}

// Sound reports whether the archive is there, unchanged and not older than
// the cache: nothing to archive again.
func (st ArchiveStatus) Sound() bool { return st.State == ArchiveKept && !st.Outdated }

// nextSteps says what to do for one repository, in order: archive (or keep
// the archive), export, wind down.
func nextSteps(m Repository, now time.Time) []string {
	next := []string{archiveStep(m, now)}
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
	return append(next, "wind down: sign new images with cosign or Notation, give consumers the new public key or certificate, and tell them to stop relying on DOCKER_CONTENT_TRUST=1 for "+m.GUN)
}

// archiveStep is the first step: keep a sound archive, else archive (again),
// from the server while it answers, from the cache once Docker Hub's is gone.
func archiveStep(m Repository, now time.Time) string {
	gun := vault.ShellQuote(m.GUN)
	st := m.Archive
	if st.Sound() {
		return "keep the archive " + st.Path + " with the key backups; check it offline any time: trustvault archive verify " + vault.ShellQuote(st.Path)
	}
	cmd := "trustvault archive " + gun + " -o FILE"
	if m.DockerHub && !now.Before(remote.HubShutdown) {
		cmd = "trustvault archive --offline " + gun + " -o FILE (Docker Hub's notary stopped on " + remote.HubShutdown.Format("2006-01-02") + "; only the cache is left)"
	}
	head, reason := "archive", "freeze the trust data, every root version included, into a file that verifies offline"
	switch {
	case st.State == ArchiveKept && st.Outdated:
		head, reason = "archive again", fmt.Sprintf("the archive %s holds timestamp version %d, the cache has %d", st.Path, st.TimestampVersion, st.CachedTimestampVersion)
	case st.State == ArchiveGone || st.State == ArchiveChanged:
		head, reason = "archive again", st.Problem
	}
	if m.DockerHub && now.Before(remote.HubShutdown) {
		head += " before " + remote.HubShutdown.Format("2006-01-02") + ", when Docker Hub's notary stops"
	}
	return head + ": " + reason + ": " + cmd
}

// HubWords says what Docker Hub's shutdown means for the repository ("" when
// it is not on Docker Hub's notary).
func (m Repository) HubWords(now time.Time) string {
	if !m.DockerHub {
		return ""
	}
	day := remote.HubShutdown.Format("2006-01-02")
	switch {
	case now.Before(remote.HubShutdown):
		return "Docker Hub's notary stops on " + day + "; its trust data is gone after that"
	case m.Uncached:
		return "Docker Hub's notary stopped on " + day + "; only the archive is left"
	}
	return "Docker Hub's notary stopped on " + day + "; only the cached trust data is left"
}

// CacheWords says that no trust data is cached for an uncached repository
// ("" otherwise).
func (m Repository) CacheWords() string {
	if !m.Uncached {
		return ""
	}
	return "none: no trust data for it is cached here any more (delete --remote removed it, or the cache was cleared); it is known from its archive"
}
