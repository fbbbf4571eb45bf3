package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/migrate"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// TestMigrationGolden: M on the repositories page shows the migration
// report of the demo vault (nothing archived, one repository on Docker
// Hub), the cursor on the first repository; j moves to the next.
func TestMigrationGolden(t *testing.T) {
	_, s := sharedDemo(t)
	goldenScreens(t, s, relocated(t, s), []goldenCase{
		{"migration", func(m *Model) { press(m, "M") }},
		{"migration-next", func(m *Model) { press(m, "M", "j") }},
	})
}

// archiveCache writes a real trust archive of gun's cached metadata at
// the cache's timestamp version, as trustvault archive --offline does,
// and records it in s.
func archiveCache(t *testing.T, s *vault.Store, gun, path string) {
	t.Helper()
	repo := vault.ReadRepository(s.Dir(), gun, nil)
	ts, ok := repo.Role("timestamp")
	if !ok || !ts.HasMetadata {
		t.Fatalf("%s has no cached timestamp", gun)
	}
	files := map[string][]byte{}
	for _, name := range []string{"root", "targets", "snapshot", "timestamp"} {
		data, err := os.ReadFile(filepath.Join(repo.Dir, "metadata", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		files[name+".json"] = data
	}
	now := vaulttest.Now()
	ta, err := vault.WriteTrustArchive(path, []vault.TrustBundle{{GUN: gun, Gathered: now, Files: files,
		TimestampVersion: ts.Version, TimestampExpires: ts.Expires}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordArchive(ta, now); err != nil {
		t.Fatal(err)
	}
}

// selectRepo moves the Migration page's cursor to gun.
func selectRepo(t *testing.T, m *Model, mp *migrationPage, gun string) {
	t.Helper()
	for mp.selectedGUN() != gun {
		before := mp.list.cursor
		press(m, "j")
		if mp.list.cursor == before {
			t.Fatalf("%s not reached", gun)
		}
	}
}

// squash drops every space and line break: text wrapped at any width
// compares with the text it came from.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// TestMigrationPage: the page shows what the engine's report says, an
// archive written and recorded included; the file moved away shows after
// u; enter opens the repository under the cursor.
func TestMigrationPage(t *testing.T) {
	_, s := demoStore(t)
	const hubGUN, webGUN = "docker.io/acme/tools", "registry.example.com/acme/web"
	arch := filepath.Join(t.TempDir(), "web-trust.tar.gz")
	archiveCache(t, s, webGUN, arch)

	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 120, 60)
	press(m, "M")
	mp, ok := m.active().(*migrationPage)
	if !ok || mp.loading {
		t.Fatalf("M opened %T (loading %v)", m.active(), ok && mp.loading)
	}
	states := map[string]migrate.Repository{}
	for _, r := range mp.report {
		states[r.GUN] = r
	}
	if st := states[webGUN].Archive; st.State != migrate.ArchiveKept || st.Path != arch || !st.Sound() {
		t.Errorf("%s: %+v", webGUN, st)
	}
	if st := states[hubGUN].Archive; st.State != migrate.ArchiveNone || !states[hubGUN].DockerHub {
		t.Errorf("%s: %+v, Docker Hub %v", hubGUN, st, states[hubGUN].DockerHub)
	}
	for _, want := range []string{
		"Warning     Docker Hub's notary stops on 2026-12-08",
		"archive before 2026-12-08, when Docker Hub's notary stops",
		"1 archived and current",
	} {
		if !strings.Contains(squash(screen(m)), squash(want)) {
			t.Errorf("the page lacks %q:\n%s", want, screen(m))
		}
	}
	selectRepo(t, m, mp, webGUN)
	for _, want := range []string{"Archived yes: 2026-11-21 12:00 UTC in " + arch, "still there and unchanged", "keep the archive " + arch} {
		if !strings.Contains(squash(screen(m)), squash(want)) {
			t.Errorf("the page lacks %q:\n%s", want, screen(m))
		}
	}

	// The archive moved away: u shows it, on the same repository.
	if err := os.Rename(arch, arch+".moved"); err != nil {
		t.Fatal(err)
	}
	press(m, "u")
	if mp.selectedGUN() != webGUN {
		t.Errorf("after u the cursor is on %q", mp.selectedGUN())
	}
	if got := squash(screen(m)); !strings.Contains(got, squash("but the file is no longer there")) || !strings.Contains(got, squash("archive again: "+arch+" is no longer there")) {
		t.Errorf("after the archive moved:\n%s", screen(m))
	}

	// enter opens the repository under the cursor.
	press(m, "enter")
	if rp, ok := m.active().(*repoPage); !ok || rp.gun != webGUN {
		t.Fatalf("enter opened %T %q", m.active(), activeTitle(m))
	}
	press(m, "esc")
	if m.active() != mp {
		t.Fatalf("esc went to %T", m.active())
	}
}

// TestMigrationNotaryConfig: the notary CLI's server from its config
// under HOME is shown as migrate report shows it; a config that cannot be
// parsed is a warning on the page, and the report is still there.
func TestMigrationNotaryConfig(t *testing.T) {
	_, s := sharedDemo(t)
	home := t.TempDir()
	if got, want := notaryConfigOf([]string{"TERM=x", "HOME=" + home}), filepath.Join(home, ".notary", "config.json"); got != want {
		t.Fatalf("notaryConfigOf: %q, want %q", got, want)
	}
	if got := notaryConfigOf([]string{"TERM=x"}); got != "" {
		t.Fatalf("notaryConfigOf without HOME: %q", got)
	}
	config := filepath.Join(home, ".notary", "config.json")
	for _, tc := range []struct{ name, content, want string }{
		{"server", `{"remote_server":{"url":"https://notary.internal:4443"}}`, "Notary CLI  https://notary.internal:4443 (its config's remote_server.url)"},
		{"broken", `{"remote_server":`, "notary config " + config + ": "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vaulttest.WriteFile(t, config, []byte(tc.content))
			m := newTestModel(t, s, relocated(t, s), 120, 40)
			m.c.notaryConfig = config
			press(m, "M")
			mp := m.active().(*migrationPage)
			if len(mp.report) != 4 || !strings.Contains(squash(screen(m)), squash(tc.want)) {
				t.Errorf("%d repositories; the page lacks %q:\n%s", len(mp.report), tc.want, screen(m))
			}
		})
	}
}
