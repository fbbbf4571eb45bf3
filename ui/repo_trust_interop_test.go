package ui

// The repository page's signed tags, pull and archive against a real
// notary-server v0.7.0 (with a real notary-signer) started by
// vault/remote/remotetest, with the trust data published by the real
// notary CLI.

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
)

const rigGUN = "registry.test/team/app"

// publishRigRepo publishes a repository with tags in targets, in
// targets/releases and in nested delegations (one only in a delegation
// docker does not pull from).
func publishRigRepo(t *testing.T, rig *remotetest.Rig) *remotetest.Notary {
	t.Helper()
	n := rig.NewNotary(t)
	n.Init(rigGUN)
	n.AddTag(rigGUN, "v1", []byte("image one"))
	n.AddDelegations(rigGUN, remotetest.Delegation{Role: "targets/releases"}, remotetest.Delegation{Role: "targets/alice"},
		remotetest.Delegation{Role: "targets/alice/bob", Paths: []string{"v3"}}, remotetest.Delegation{Role: "targets/ci", Paths: []string{"ci-"}})
	n.AddTag(rigGUN, "v2", []byte("image two"), "targets/releases", "targets/alice")
	n.AddTag(rigGUN, "v3", []byte("image three"), "targets/alice/bob")
	n.AddTag(rigGUN, "ci-7", []byte("ci build"), "targets/ci")
	return n
}

// rigModel is the view, 250x60, on trustDir with the rig as its server
// (as --server and --tlscacert give it) and home as $HOME (docker's
// config.json in home/.docker).
func rigModel(t *testing.T, rig *remotetest.Rig, trustDir, home string) (*Model, *vault.Store) {
	t.Helper()
	s, err := vault.Open(trustDir)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := remote.NewSetup(remote.SetupInput{Server: rig.URL, CAFile: rig.CAFile, TrustDir: trustDir,
		Getenv: func(k string) string { return map[string]string{"HOME": home}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(context.Background(), Options{Store: s, Remote: rs})
	m.Update(tea.WindowSizeMsg{Width: 250, Height: 60})
	start(m)
	return m, s
}

// rowsAsList are the tab's rows as `notary list` prints its table.
func rowsAsList(rows []tagRow) []remotetest.Target {
	out := make([]remotetest.Target, len(rows))
	for i, r := range rows {
		out[i] = remotetest.Target{Name: r.name, SHA256: r.digest, Size: r.size, Role: r.role}
	}
	return out
}

func sortedTargets(ts []remotetest.Target) []remotetest.Target {
	out := slices.Clone(ts)
	slices.SortFunc(out, func(a, b remotetest.Target) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// flat is the screen with its lines joined, so that wrapped words match.
func flat(m *Model) string { return strings.Join(strings.Fields(screen(m)), " ") }

// TestRepoTrustWithNotaryServer: the tab's tags are `notary list`'s; after
// the notary CLI publishes a new tag, P shows it added and the tab lists
// it; A archives (from the server) into a file that verifies offline and
// that the records hold; with the server stopped, P says it is unreachable
// and what still works, the cached tags still show, and A archives the
// cache offline and says why.
func TestRepoTrustWithNotaryServer(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	n := publishRigRepo(t, rig)
	trustDir := filepath.Join(t.TempDir(), "trust")
	// A first pull, as trustvault pull does, so that the repository is
	// in the trust directory.
	if _, err := remote.Pull(context.Background(), remote.Options{GUN: rigGUN, Server: rig.URL, CAFile: rig.CAFile, TrustDir: trustDir}); err != nil {
		t.Fatal(err)
	}
	m, s := rigModel(t, rig, trustDir, t.TempDir())
	rp := tagsPage(t, m, rigGUN)

	// The tags are notary list's: names, digests, sizes and roles.
	if got, want := rowsAsList(rp.trust.reading.rows), sortedTargets(n.List(rigGUN, "")); !slices.Equal(got, want) {
		t.Fatalf("the tab lists\n%+v\nnotary list:\n%+v", got, want)
	}
	if got := flat(m); !strings.Contains(got, "P pulls it from "+rig.URL+" (--server)") || !strings.Contains(got, "not released") {
		t.Errorf("the tab does not name the server, or does not mark ci-7 unreleased:\n%s", screen(m))
	}

	// A new tag published by the notary CLI: P shows it added, and lists it.
	v9 := n.AddTag(rigGUN, "v9", []byte("image nine"))
	press(m, "P")
	got := flat(m)
	for _, w := range []string{"PULLED", rigGUN + ": updated from " + rig.URL, "new tag v9 in targets: sha256:" + v9.SHA256} {
		if !strings.Contains(got, w) {
			t.Errorf("after P the tab does not say %q:\n%s", w, screen(m))
		}
	}
	if got, want := rowsAsList(rp.trust.reading.rows), sortedTargets(n.List(rigGUN, "")); !slices.Equal(got, want) {
		t.Errorf("after the pull the tab lists\n%+v\nnotary list:\n%+v", got, want)
	}
	// Just after the pull the tab does not say the server was not asked.
	if got := flat(m); strings.Contains(got, "the server was not asked") || !strings.Contains(got, "as pulled from "+rig.URL+" at") {
		t.Errorf("after P the tab's freshness words:\n%s", screen(m))
	}

	// A: from the server, into a new file in the current directory.
	dir := t.TempDir()
	t.Chdir(dir)
	press(m, "A")
	path := rp.trust.form.text(fieldPath)
	if filepath.Dir(path) != dir || !strings.HasPrefix(filepath.Base(path), "registry.test_team_app-trust-") {
		t.Errorf("default archive %q, want one in %s named after the repository", path, dir)
	}
	press(m, "enter")
	got = flat(m)
	for _, w := range []string{"ARCHIVED", "into " + path, "sidecar: " + path + ".sha256", "from " + rig.URL + " (pulled first", "Recorded in trustvault's archive records"} {
		if !strings.Contains(got, w) {
			t.Errorf("the archive report does not say %q:\n%s", w, screen(m))
		}
	}
	checkArchive(t, s, path, time.Now(), rp.trust.reading.rows)

	// The server is gone.
	rig.Stop()
	press(m, "P")
	got = flat(m)
	for _, w := range []string{"PULL FAILED", "server unreachable", "still verifies offline", "The signed tags below are the cached copy, verified offline", "v9"} {
		if !strings.Contains(got, w) {
			t.Errorf("P with the server stopped does not say %q:\n%s", w, screen(m))
		}
	}
	if len(rp.trust.reading.rows) != 5 || rp.trust.reading.err != nil {
		t.Errorf("the cached tags are gone after a failed pull: %+v", rp.trust.reading)
	}
	press(m, "A")
	offline := rp.trust.form.text(fieldPath)
	if offline == path {
		t.Fatalf("the default archive is the existing %s", path)
	}
	press(m, "enter")
	if got := flat(m); !strings.Contains(got, "from the cache, offline") ||
		!strings.Contains(got, "The server did not serve it, so the cache was archived as it is: notary server "+rig.URL) || !strings.Contains(got, "ARCHIVED") {
		t.Errorf("A with the server stopped does not say it archived the cache:\n%s", screen(m))
	}
	if got := flat(m); strings.Contains(got, "before it is lost") {
		t.Errorf("A, having archived the cache, still advises archiving it:\n%s", screen(m))
	}
	checkArchive(t, s, offline, time.Now(), rp.trust.reading.rows)
	if _, err := os.Stat(offline + ".sha256"); err != nil {
		t.Error(err)
	}
}

// TestRepoPullRefusedCredentials: against the real server with the
// registry token flow, P with a wrong password in docker's config.json
// says the credentials were refused and what to do (never the password),
// and the cached tags stay; with the right password P pulls.
func TestRepoPullRefusedCredentials(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{Auth: remotetest.TokenAuth})
	n := rig.NewNotary(t)
	user := remotetest.DefaultUser
	n.Login(user.Name, user.Password)
	n.Init(rigGUN)
	n.AddTag(rigGUN, "v1", []byte("image one"))
	home := t.TempDir()
	dockerDir := filepath.Join(home, ".docker")
	login := func(password string) {
		t.Helper()
		if err := os.MkdirAll(dockerDir, 0o700); err != nil {
			t.Fatal(err)
		}
		cfg := `{"auths":{"registry.test":{"auth":"` + b64(user.Name+":"+password) + `"}}}`
		if err := os.WriteFile(filepath.Join(dockerDir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	login(user.Password)
	trustDir := filepath.Join(t.TempDir(), "trust")
	if _, err := remote.Pull(context.Background(), remote.Options{GUN: rigGUN, Server: rig.URL, CAFile: rig.CAFile,
		TrustDir: trustDir, DockerConfig: dockerDir}); err != nil {
		t.Fatal(err)
	}
	m, _ := rigModel(t, rig, trustDir, home)
	rp := tagsPage(t, m, rigGUN)

	const wrong = "S3cret-Wr0ng-pw"
	login(wrong)
	press(m, "P")
	got := flat(m)
	for _, w := range []string{"PULL FAILED", "credentials refused", "docker login", "The signed tags below are the cached copy"} {
		if !strings.Contains(got, w) {
			t.Errorf("P with a wrong password does not say %q:\n%s", w, screen(m))
		}
	}
	if strings.Contains(got, wrong) || len(rp.trust.reading.rows) != 1 {
		t.Errorf("the password is on screen, or the cached tag is gone:\n%s", screen(m))
	}
	login(user.Password)
	press(m, "P")
	if got := flat(m); !strings.Contains(got, rigGUN+": up to date with "+rig.URL) {
		t.Errorf("P with the right password:\n%s", screen(m))
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
