package migrate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/migrate"
	"github.com/trustvault/trustvault/vault/remote"
)

const (
	hubGUN  = "docker.io/team/app"
	selfGUN = "registry.test/team/app"
)

// reportRepos are two repositories as ReadRepositories gives them: the
// cache of each at timestamp version tsVersion, one signer file each.
func reportRepos(tsVersion int) []vault.Repository {
	repo := func(gun, id string) vault.Repository {
		return vault.Repository{GUN: gun, Roles: []vault.RoleInfo{
			{Name: "targets", Keys: []vault.RoleKey{{ID: id, KeyType: "ecdsa", Location: vault.LocationFile, Path: "/keys/" + id + ".key"}}},
			{Name: "timestamp", Version: tsVersion, HasMetadata: true},
		}}
	}
	return []vault.Repository{repo(hubGUN, strings.Repeat("a", 64)), repo(selfGUN, strings.Repeat("b", 64))}
}

// archiveBoth writes a real trust archive holding both repositories at
// timestamp version 7 and records it in s.
func archiveBoth(t *testing.T, s *vault.Store, path string, now time.Time) {
	t.Helper()
	var bundles []vault.TrustBundle
	for _, gun := range []string{hubGUN, selfGUN} {
		bundles = append(bundles, vault.TrustBundle{GUN: gun, Gathered: now, TimestampVersion: 7, RootVersion: 1,
			Files: map[string][]byte{"root.json": []byte(`{"r":1}`), "timestamp.json": []byte(`{"ts":7}`)}})
	}
	ta, err := vault.WriteTrustArchive(path, bundles, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordArchive(ta, now); err != nil {
		t.Fatal(err)
	}
}

func report(t *testing.T, s *vault.Store, tsVersion int, now time.Time) map[string]migrate.Repository {
	t.Helper()
	setup, err := remote.NewSetup(remote.SetupInput{TrustDir: s.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := migrate.Report(s, reportRepos(tsVersion), migrate.ReportOptions{Setup: setup, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]migrate.Repository{}
	for _, r := range rep {
		out[r.GUN] = r
	}
	return out
}

// TestReportArchiveStates follows one store through the archive states the
// report tells apart, with a real archive on disk: none, archived (sound),
// outdated by a newer cache, changed, gone, and records that cannot be
// read; and the server and Docker Hub words before and after the shutdown.
func TestReportArchiveStates(t *testing.T) {
	s, err := vault.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	after := time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC)

	r := report(t, s, 7, before)
	hub, self := r[hubGUN], r[selfGUN]
	if hub.Server != remote.HubNotary || !hub.DockerHub || self.DockerHub || self.Server != "https://registry.test" {
		t.Errorf("servers: hub %s %v, self %s %v", hub.Server, hub.DockerHub, self.Server, self.DockerHub)
	}
	if hub.Archive.State != migrate.ArchiveNone || !strings.HasPrefix(hub.Archived, "no:") {
		t.Errorf("nothing archived yet: %+v %q", hub.Archive, hub.Archived)
	}
	if !strings.HasPrefix(hub.Next[0], "archive before 2026-12-08, when Docker Hub's notary stops:") || !strings.HasSuffix(hub.Next[0], "trustvault archive "+hubGUN+" -o FILE") {
		t.Errorf("hub next: %q", hub.Next[0])
	}
	if !strings.HasPrefix(self.Next[0], "archive: ") {
		t.Errorf("self next: %q", self.Next[0])
	}
	if !strings.HasPrefix(hub.Next[1], "export to cosign: trustvault migrate cosign aaaaaaa") {
		t.Errorf("export step: %q", hub.Next[1])
	}

	path := filepath.Join(t.TempDir(), "trust.tar.gz")
	archiveBoth(t, s, path, before)
	r = report(t, s, 7, before)
	for _, gun := range []string{hubGUN, selfGUN} {
		st := r[gun].Archive
		if st.State != migrate.ArchiveKept || st.Path != path || st.TimestampVersion != 7 || st.Outdated || !st.Created.Equal(before) {
			t.Errorf("%s archived: %+v", gun, st)
		}
		if !strings.Contains(r[gun].Archived, "still there and unchanged") || !strings.HasPrefix(r[gun].Next[0], "keep the archive "+path) {
			t.Errorf("%s: %q, next %q", gun, r[gun].Archived, r[gun].Next[0])
		}
	}

	// The cache moved on (timestamp version 9): archive again.
	r = report(t, s, 9, before)
	st := r[selfGUN].Archive
	if st.State != migrate.ArchiveKept || !st.Outdated || st.CachedTimestampVersion != 9 {
		t.Errorf("outdated: %+v", st)
	}
	if !strings.HasPrefix(r[selfGUN].Next[0], "archive again: the archive "+path+" holds timestamp version 7, the cache has 9") {
		t.Errorf("outdated next: %q", r[selfGUN].Next[0])
	}

	// The file changed, then gone.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	r = report(t, s, 7, before)
	if st := r[selfGUN].Archive; st.State != migrate.ArchiveChanged || !strings.Contains(r[selfGUN].Next[0], "archive again: "+path+" has changed") {
		t.Errorf("changed: %+v %q", st, r[selfGUN].Next[0])
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r = report(t, s, 7, after)
	if st := r[hubGUN].Archive; st.State != migrate.ArchiveGone || !strings.Contains(r[hubGUN].Archived, "the file is no longer there") {
		t.Errorf("gone: %+v %q", st, r[hubGUN].Archived)
	}
	// After the shutdown, Docker Hub's trust data is only in the cache.
	if n := r[hubGUN].Next[0]; !strings.Contains(n, "trustvault archive --offline "+hubGUN) || !strings.Contains(n, "stopped on 2026-12-08") {
		t.Errorf("hub after shutdown: %q", n)
	}

	// Records that cannot be read: unknown, naming the file.
	recs := filepath.Join(s.Dir(), "trustvault", "archives.json")
	if err := os.WriteFile(recs, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = report(t, s, 7, before)
	if st := r[selfGUN].Archive; st.State != migrate.ArchiveUnknown || !strings.Contains(st.Problem, recs) {
		t.Errorf("unreadable records: %+v", st)
	}
}

// TestReportArchivedButNoLongerCached: a repository whose cache is gone
// (delete --remote removed it) but which an archive record holds is still
// in the report, said to be uncached, its archive the only proof left; and
// when that archive is gone too, the report says so and what to do.
func TestReportArchivedButNoLongerCached(t *testing.T) {
	s, err := vault.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "trust.tar.gz")
	archiveBoth(t, s, path, now)
	setup, err := remote.NewSetup(remote.SetupInput{TrustDir: s.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	only := reportRepos(7)[1:] // hubGUN's cache is gone
	rep, err := migrate.Report(s, only, migrate.ReportOptions{Setup: setup, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep) != 2 || rep[0].GUN != selfGUN || rep[0].Uncached || rep[1].GUN != hubGUN || !rep[1].Uncached {
		t.Fatalf("report %+v", rep)
	}
	gone := rep[1]
	if gone.Archive.State != migrate.ArchiveKept || len(gone.Next) != 1 || !strings.Contains(gone.Next[0], "only proof here of what was signed") {
		t.Errorf("uncached, archived: %+v", gone)
	}
	os.Remove(path)
	rep, err = migrate.Report(s, only, migrate.ReportOptions{Setup: setup, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if gone = rep[1]; gone.Archive.State != migrate.ArchiveGone || !strings.Contains(gone.Next[0], "find a copy of the archive "+path) {
		t.Errorf("uncached, archive gone: %+v", gone)
	}
}
