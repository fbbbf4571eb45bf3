package ui

import (
	"context"
	"encoding/hex"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// tagsPage opens gun's repository page on its signed tags tab.
func tagsPage(t *testing.T, m *Model, gun string) *repoPage {
	t.Helper()
	deliver(m, repoSelectedMsg{gun: gun})
	press(m, "t")
	rp, ok := m.active().(*repoPage)
	if !ok || !rp.trust.showing {
		t.Fatalf("t did not open the signed tags tab of %s:\n%s", gun, screen(m))
	}
	return rp
}

// TestRepoTagsGolden renders the signed tags tab of the demo vault's
// registry.example.com/acme/api, verified offline at the demo's clock, its
// help, and the archive form (its file set to a fixed name: the default
// depends on the current directory, TestArchiveDefaultPath checks it).
func TestRepoTagsGolden(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	openTags := func(m *Model) { press(m, "j", "j", "enter", "t") }
	goldenScreens(t, s, snap, []goldenCase{
		{"tags", openTags},
		{"tags-last", func(m *Model) { openTags(m); press(m, "G") }},
		{"tags-help", func(m *Model) { openTags(m); press(m, "?") }},
		{"archive-form", func(m *Model) {
			openTags(m)
			press(m, "A")
			rp := m.active().(*repoPage)
			if rp.trust.form == nil {
				t.Fatal("A opened no form")
			}
			rp.trust.form.fields[0].input.SetValue("/home/demo/registry.example.com_acme_api-trust-20261121.tar.gz")
		}},
	})
}

// TestRepoTagsRows: the tab lists every signed tag the cache verifies,
// with the digest and role `notary list` would show, and the detail of the
// selected tag in full.
func TestRepoTagsRows(t *testing.T) {
	_, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 120, 40)
	rp := tagsPage(t, m, apiGUN)
	repo, err := remote.VerifyCache(remote.Options{GUN: apiGUN, TrustDir: s.Dir(), At: vaulttest.Now()})
	if err != nil {
		t.Fatal(err)
	}
	want := remote.ReleasedTags(repo)
	if len(rp.trust.reading.rows) != len(want) || len(want) == 0 {
		t.Fatalf("rows %+v, want the tags %v", rp.trust.reading.rows, want)
	}
	for _, r := range rp.trust.reading.rows {
		if want[r.name] != r.digest || r.pulled != r.digest {
			t.Errorf("tag %s: digest %s (docker pull: %s), want %s", r.name, r.digest, r.pulled, want[r.name])
		}
	}
	press(m, "G")
	last := rp.trust.reading.rows[len(rp.trust.reading.rows)-1]
	got := screen(m)
	if !strings.Contains(got, "sha256:"+last.digest) || !strings.Contains(got, "Signed by "+last.role) {
		t.Errorf("the last tag's detail is not on screen in full:\n%s", got)
	}
	if !strings.Contains(got, "Verified offline from the cache") || !strings.Contains(got, "(now)") {
		t.Errorf("the tab does not say how and when it verified:\n%s", got)
	}
	press(m, "t")
	if rp.trust.showing || !strings.Contains(screen(m), "ROOT") {
		t.Errorf("t did not go back to the keys:\n%s", screen(m))
	}
}

// TestRepoTagsStates: nothing cached, a cache that does not verify (one
// byte of targets.json changed), and a cache that has expired (the clock
// past the timestamp's expiry) each say so plainly.
func TestRepoTagsStates(t *testing.T) {
	cases := []struct {
		name  string
		gun   string
		edit  func(t *testing.T, meta string)
		later time.Duration
		want  []string
		check func(t *testing.T, r trustReading)
	}{
		{"nothing-cached", apiGUN, func(t *testing.T, meta string) {
			// An empty metadata/ (as notary leaves one before a publish).
			if err := os.RemoveAll(meta); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(meta, 0o700); err != nil {
				t.Fatal(err)
			}
		}, 0, []string{"No trust data is cached for " + apiGUN}, func(t *testing.T, r trustReading) {
			if !r.empty {
				t.Errorf("reading %+v, want empty", r)
			}
		}},
		{"does-not-verify", webGUN, func(t *testing.T, meta string) {
			path := filepath.Join(meta, "targets.json")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			data = []byte(strings.Replace(string(data), `"version"`, `"version" `, 1))
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}, 0, []string{"The cached trust data does not verify, so no tag is shown as signed"}, func(t *testing.T, r trustReading) {
			if r.err == nil || len(r.rows) != 0 {
				t.Errorf("reading %+v, want an error and no tags", r)
			}
		}},
		{"expired", webGUN, nil, 60 * 24 * time.Hour, []string{"the server's word is no longer fresh", "not what is signed today", "an hour before its"},
			func(t *testing.T, r trustReading) {
				if r.expired == nil || len(r.rows) == 0 || !r.repo.At.Before(r.expired.Expires) {
					t.Errorf("reading %+v, want tags verified as of before the expiry", r)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, s := vaulttest.Demo(t)
			if tc.edit != nil {
				tc.edit(t, remote.MetadataDir(s.Dir(), tc.gun))
			}
			now := vaulttest.Now().Add(tc.later)
			m := newModel(context.Background(), Options{Store: s, Now: func() time.Time { return now }})
			m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
			deliver(m, vaultLoadedMsg{store: s, snap: readSnapshot(s, now)})
			rp := tagsPage(t, m, tc.gun)
			got := strings.Join(strings.Fields(screen(m)), " ")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the tab does not say %q:\n%s", w, screen(m))
				}
			}
			tc.check(t, rp.trust.reading)
		})
	}
}

// webGUN is the demo repository the state tests change.
const webGUN = "registry.example.com/acme/web"

// TestRepoPullNotOffered: without a server set up, and in the demo vault,
// P is not offered, and pressing it says why.
func TestRepoPullNotOffered(t *testing.T) {
	_, s := sharedDemo(t)
	for _, demo := range []bool{false, true} {
		m := newTestModel(t, s, relocated(t, s), 120, 40)
		m.c.demo = demo
		if demo {
			rs, err := remote.NewSetup(remote.SetupInput{TrustDir: s.Dir(), Server: "https://127.0.0.1:1"})
			if err != nil {
				t.Fatal(err)
			}
			m.c.remote = rs
		}
		rp := tagsPage(t, m, apiGUN)
		if rp.trust.keys.Pull.Enabled() {
			t.Errorf("demo %v: P is offered", demo)
		}
		press(m, "P")
		want := map[bool]string{false: "no notary server is set up", true: "this is the demo vault"}[demo]
		if !m.statusErr || !strings.Contains(m.status, want) || rp.trust.op != opNone {
			t.Errorf("demo %v: P said %q", demo, m.status)
		}
	}
}

// TestRepoPullCancel: a pull from a server that accepts the connection and
// never answers shows the spinner line; esc cancels it, and the tab says
// nothing was written (the cache is byte for byte as it was).
func TestRepoPullCancel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	t.Cleanup(func() {
		ln.Close()
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case conns <- c: // held open, never answered
			default:
				c.Close()
			}
		}
	}()
	_, s := vaulttest.Demo(t)
	rs, err := remote.NewSetup(remote.SetupInput{TrustDir: s.Dir(), Server: "https://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	before := vaulttest.Snapshot(t, remote.MetadataDir(s.Dir(), apiGUN))
	m := newModel(context.Background(), Options{Store: s, Now: vaulttest.Now, Remote: rs})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	deliver(m, vaultLoadedMsg{store: s, snap: readSnapshot(s, vaulttest.Now())})
	rp := tagsPage(t, m, apiGUN)

	_, cmd := m.Update(keyPress("P"))
	if !rp.Busy() || !strings.Contains(screen(m), "Pulling "+apiGUN+" from https://"+ln.Addr().String()) {
		t.Fatalf("P shows no pull running:\n%s", screen(m))
	}
	done := make(chan []tea.Msg, 1)
	go func() { done <- run(cmd) }()
	// ctrl+c first says what quitting would cut short; another key keeps
	// the pull going.
	if _, quit := m.Update(keyPress("ctrl+c")); quit != nil || !strings.Contains(m.status, "A pull of "+apiGUN+" is running") {
		t.Errorf("ctrl+c during a pull said %q", m.status)
	}
	press(m, "j")
	press(m, "esc")
	var msgs []tea.Msg
	select {
	case msgs = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("esc did not stop the pull")
	}
	for _, msg := range msgs {
		deliver(m, msg)
	}
	if rp.Busy() || m.active() != rp {
		t.Fatalf("after esc: busy %v, page %T", rp.Busy(), m.active())
	}
	got := screen(m)
	if !strings.Contains(got, "PULL CANCELLED") || !strings.Contains(got, "nothing was written to the cache") {
		t.Errorf("the tab does not say the pull was cancelled:\n%s", got)
	}
	if after := vaulttest.Snapshot(t, remote.MetadataDir(s.Dir(), apiGUN)); !maps.Equal(before, after) || len(before) == 0 {
		t.Error("a cancelled pull changed the cache")
	}
}

// TestArchiveDefaultPath: the suggested archive is in the current
// directory, named after the GUN (no / or :) and the day, and never a file
// that exists (nor its sidecar).
func TestArchiveDefaultPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	gun := "notary.example.com:4443/team/app"
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	first := filepath.Join(dir, "notary.example.com_4443_team_app-trust-20261202.tar.gz")
	msg := archivePathCmd(gun, now)().(archivePathMsg)
	if msg.path != first {
		t.Fatalf("default %q, want %q", msg.path, first)
	}
	if err := os.WriteFile(first, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	second := strings.TrimSuffix(first, ".tar.gz") + "-2.tar.gz"
	if err := os.WriteFile(second+".sha256", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := archivePathCmd(gun, now)().(archivePathMsg); msg.path != strings.TrimSuffix(first, ".tar.gz")+"-3.tar.gz" {
		t.Errorf("with the first name and the second's sidecar taken: %q", msg.path)
	}
}

// archiveTagsPage is a fresh demo vault (its own: archives are recorded
// in it) on the api repository's signed tags tab, at w x h, in a new
// current directory.
func archiveTagsPage(t *testing.T, w, h int) (*Model, *vault.Store, *repoPage) {
	t.Helper()
	_, s := vaulttest.Demo(t)
	t.Chdir(t.TempDir())
	m := newModel(context.Background(), Options{Store: s, Now: vaulttest.Now})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	deliver(m, vaultLoadedMsg{store: s, snap: readSnapshot(s, vaulttest.Now())})
	return m, s, tagsPage(t, m, apiGUN)
}

// TestArchiveOffline: A in a vault without a server archives the cache as
// it is, says so, and the archive verifies offline and is in the records;
// a second archive to the same file is refused at the form, and the file
// is untouched.
func TestArchiveOffline(t *testing.T) {
	m, s, rp := archiveTagsPage(t, 250, 50)
	press(m, "A")
	path := rp.trust.form.text(fieldPath)
	press(m, "enter")
	got := strings.Join(strings.Fields(screen(m)), " ")
	for _, w := range []string{"ARCHIVED", "Archived " + apiGUN + " into " + path, "sidecar: " + path + ".sha256", "from the cache, offline",
		"(root.json only, no numbered root versions)", "Recorded in trustvault's archive records"} {
		if !strings.Contains(got, w) {
			t.Errorf("the report does not say %q:\n%s", w, screen(m))
		}
	}
	if strings.Contains(got, "0 root versions") {
		t.Errorf("the report counts 0 root versions chained for an archive that holds root.json:\n%s", screen(m))
	}
	checkArchive(t, s, path, vaulttest.Now(), rp.trust.reading.rows)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	press(m, "A")
	rp.trust.form.fields[0].input.SetValue(path)
	press(m, "enter")
	if rp.trust.form == nil || !strings.Contains(rp.trust.form.msg, "exists") {
		t.Errorf("archiving over %s said %q", path, rp.trust.form.msg)
	}
	if again, _ := os.ReadFile(path); string(again) != string(data) {
		t.Error("the existing archive was changed")
	}
}

// checkArchive reads an archive back, verifies its metadata offline at
// at, checks that it signs the tags rows show, and that the records hold
// it with its digest.
func checkArchive(t *testing.T, s *vault.Store, path string, at time.Time, rows []tagRow) {
	t.Helper()
	ta, err := vault.ReadTrustArchive(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ta.Sidecar == "" || len(ta.Bundles) != 1 {
		t.Fatalf("archive %s: sidecar %q, %d bundles", path, ta.Sidecar, len(ta.Bundles))
	}
	b := ta.Bundles[0]
	repo, err := remote.VerifyBundle(b.GUN, b.Files, tuf.TrustPinning{}, at)
	if err != nil {
		t.Fatalf("the archive does not verify offline: %v", err)
	}
	for _, r := range rows {
		ref, ok := repo.Lookup(r.name, r.role)
		if !ok || hex.EncodeToString(ref.Meta.Hashes["sha256"]) != r.digest {
			t.Errorf("the archive does not sign %s as %s", r.name, r.digest)
		}
	}
	recs, err := s.ArchiveRecords()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[len(recs)-1].Path != path || recs[len(recs)-1].SHA256 != ta.SHA256 || !recs[len(recs)-1].Holds(b.GUN) {
		t.Errorf("the records %+v do not hold %s (%s)", recs, path, ta.SHA256)
	}
	if err := recs[len(recs)-1].Check(); err != nil {
		t.Error(err)
	}
}

// TestRepoTagsKeyIDsAsKeysTab: the signers and administrative keys on the
// signed tags tab are named by the IDs the keys tab shows (a root key's
// TUF ID, of its certificate, is not the key's own ID).
func TestRepoTagsKeyIDsAsKeysTab(t *testing.T) {
	_, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 120, 60)
	tagsPage(t, m, apiGUN)
	tags := screen(m)
	var ids []string
	for _, l := range strings.Split(tags, "\n") {
		for _, who := range []string{"Root: ", "Repository: ", "bob: ", "alice: "} {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), who); ok {
				ids = append(ids, strings.Split(rest, ", ")...)
			}
		}
	}
	if len(ids) < 4 {
		t.Fatalf("the tab names %d keys (%v), want the root, repository, bob and alice keys:\n%s", len(ids), ids, tags)
	}
	press(m, "t")
	keysTab := screen(m)
	for _, id := range ids {
		if !strings.Contains(keysTab, " "+id+"  ") {
			t.Errorf("key %s of the signed tags tab is not on the keys tab:\n%s\n%s", id, tags, keysTab)
		}
	}
}

// TestArchiveReportInView: an archive made with the cursor on the last
// tag, at 80x24, shows its report from the top (it was scrolled off above
// the cursor); the first key that moves scrolls as before.
func TestArchiveReportInView(t *testing.T) {
	m, _, rp := archiveTagsPage(t, 80, 24)
	press(m, "G", "A", "enter")
	got := screen(m)
	if !strings.Contains(got, "ARCHIVED") || !strings.Contains(got, "Archived "+apiGUN+" into") {
		t.Fatalf("the archive's report is not in view:\n%s", got)
	}
	last := len(rp.trust.reading.rows) - 1
	if r, ok := rp.selectedTag(); !ok || r.name != rp.trust.reading.rows[last].name {
		t.Errorf("the cursor left the last tag: %+v", r)
	}
	press(m, "up")
	if r, _ := rp.selectedTag(); r.name != rp.trust.reading.rows[last-1].name || !strings.Contains(screen(m), "▸") {
		t.Errorf("↑ does not move to the tag before, in view:\n%s", screen(m))
	}
}
