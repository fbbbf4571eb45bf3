package health

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

var update = flag.Bool("update", false, "rewrite testdata/every-finding.golden")

// everyFinding is an Input that raises every kind of finding, with ties
// that only the order of adding breaks (one key ID in two files, both
// weak and with loose modes) and keys of every severity.
func everyFinding() Input {
	now := vaulttest.Now()
	id := func(c string) string { return strings.Repeat(c, 64) }
	const priv = "/t/trust/private"
	weak := vault.Encryption{Scheme: vault.SchemePBES2, Iterations: vault.CompatIterations}
	hard := vault.Encryption{Scheme: vault.SchemePBES2, Iterations: vault.HardenedIterations}
	key := func(c, role, gun string, enc vault.Encryption, mode fs.FileMode) vault.Key {
		return vault.Key{ID: id(c), Role: role, GUN: gun, Path: priv + "/" + id(c) + ".key", Location: vault.LocationFile,
			Encryption: enc, Mode: mode, ModTime: now.Add(-72 * time.Hour)}
	}
	yk := vault.TokenRef{Serial: 12345678, Slot: "9c", Model: "YubiKey 5", Firmware: "5.4.3"}
	keys := []vault.Key{
		key("a", "root", "", weak, 0o600),
		key("b", "targets", "docker.io/acme/web", vault.Encryption{}, 0o644),
		key("c", "snapshot", "docker.io/acme/web", vault.Encryption{Scheme: vault.SchemeLegacyPEM}, 0o620),
		key("d", "targets/releases", "", hard, 0o600),
		key("e", "", "", hard, 0o600),
		key("1", "root", "", hard, 0o600),
		key("2", "targets", "docker.io/acme/api", hard, 0o600),
		key("3", "targets", "docker.io/acme/db", hard, 0o600),
		key("4", "root", "", hard, 0o600),
		key("5", "signer7", "", weak, 0o640),
		{ID: id("f"), Path: priv + "/" + id("f") + ".key", Err: errors.New("no PEM block")},
		{ID: "notes", Path: priv + "/old/notes.key", Layout: vault.LayoutStray, Err: errors.New("no PEM block")},
		{ID: id("7"), Role: "root", Location: vault.LocationToken, Token: &yk},
	}
	keys[3].Algorithm = vault.AlgorithmED25519
	keys[4].Mode = fs.ModeSymlink | 0o777 // not a regular file: no mode finding
	// One ID in two files (flat and legacy), both weak and loose.
	dup := key("5", "signer7", "", weak, 0o640)
	dup.Path, dup.Layout = priv+"/tuf_keys/"+id("5")+"_signer7.key", vault.LayoutLegacyTUF
	keys = append(keys, dup)
	keys[8].Token = &yk                   // a root key on a token with its file: not only on this disk
	keys[6].ModTime = now.Add(-time.Hour) // after its only backup

	role := func(name string, kind keyrole.Kind, expires time.Time, ks ...vault.RoleKey) vault.RoleInfo {
		return vault.RoleInfo{Name: name, Kind: kind, Expires: expires, Keys: ks}
	}
	at := func(c string, loc vault.Location) vault.RoleKey {
		return vault.RoleKey{ID: id(c), TUFID: id(c), KeyType: "ecdsa", Location: loc}
	}
	repos := []vault.Repository{
		{GUN: "docker.io/acme/web", Dir: "/t/trust/tuf/docker.io/acme/web", Roles: []vault.RoleInfo{
			role("root", keyrole.Root, now.Add(60*24*time.Hour), at("a", vault.LocationFile)),
			role("targets", keyrole.Targets, now.Add(10*24*time.Hour), at("b", vault.LocationFile)),
			role("snapshot", keyrole.Snapshot, now.Add(-time.Hour), at("c", vault.LocationFile)),
			role("timestamp", keyrole.Timestamp, now.Add(-time.Hour), at("8", vault.LocationServer)),
			role("targets/releases", keyrole.Delegation, time.Time{}, at("9", vault.LocationMissing)),
			role("targets/ops", keyrole.Delegation, time.Time{}, at("9", vault.LocationMissing)),
		}, Problems: []error{errors.New("snapshot.json: unexpected end of JSON input")}},
		{GUN: "docker.io/acme/api", Dir: "/t/trust/tuf/docker.io/acme/api", Roles: []vault.RoleInfo{
			role("root", keyrole.Root, now.Add(-time.Hour), at("6", vault.LocationMissing)),
			role("targets", keyrole.Targets, now.Add(400*24*time.Hour), at("0", vault.LocationMissing)),
		}},
	}
	for _, g := range []string{"a/1", "a/2", "a/3", "a/4", "a/5"} {
		repos = append(repos, vault.Repository{GUN: g, Roles: []vault.RoleInfo{role("root", keyrole.Root, time.Time{}, at("1", vault.LocationFile))}})
	}
	repos = append(repos, vault.Repository{GUN: "b/1", Roles: []vault.RoleInfo{role("root", keyrole.Root, time.Time{}, at("4", vault.LocationFile))}},
		vault.Repository{GUN: "b/2", Roles: []vault.RoleInfo{role("root", keyrole.Root, time.Time{}, at("4", vault.LocationFile))}})
	backups := []vault.BackupRecord{
		{KeyID: id("1"), Where: "drive A", Drive: "a", VerifiedAt: now.Add(-2 * time.Hour)},
		{KeyID: id("2"), Where: "drive A", Drive: "a", VerifiedAt: now.Add(-2 * time.Hour), KeyModTime: now.Add(-3 * time.Hour)},
		{KeyID: id("3"), Where: "drive A", Drive: "a", VerifiedAt: now.Add(-2 * time.Hour)},
		{KeyID: id("3"), Where: "drive B", Drive: "b", VerifiedAt: now.Add(-2 * time.Hour)},
		{KeyID: id("d"), Where: "drive C", Drive: "c"}, // never verified
	}
	tokens := []token.Key{
		{ID: id("7"), Role: "root", Token: yk, Generated: true, Proven: true},
		{ID: id("8"), Role: "root", Token: yk},
		{ID: id("9"), Role: "root", Token: yk, Proven: true},
	}
	return Input{Now: now, Keys: keys, KeysErr: errors.New("open /t/trust/private/sub: permission denied"),
		Repos: repos, ReposErr: errors.New("open /t/trust/tuf/x: permission denied"),
		Private: vault.PrivateDirInfo{Path: priv, Exists: true, Symlink: true, Target: "/srv/keys", Mode: fs.ModeDir | 0o755},
		Backups: backups, BackupsErr: errors.New("backups.json: unexpected end of JSON input"),
		Tokens: tokens, Command: "trustvault --trust-dir /t/trust"}
}

// goldenLines is one JSON line per finding, every field.
func goldenLines(t *testing.T, fs []Finding) string {
	t.Helper()
	var b strings.Builder
	for _, f := range fs {
		line, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestDiagnoseGolden: Diagnose's findings on everyFinding are those in
// testdata/every-finding.golden, which the code before Walk wrote.
func TestDiagnoseGolden(t *testing.T) {
	got := goldenLines(t, Diagnose(everyFinding()))
	path := filepath.Join("testdata", "every-finding.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Diagnose's findings differ from %s:\n%s", path, got)
	}
	checks := map[string]bool{}
	for _, f := range Diagnose(everyFinding()) {
		checks[f.Check] = true
	}
	for _, c := range Checks() {
		if !checks[c] {
			t.Errorf("everyFinding raises no %s finding", c)
		}
	}
}

// TestWalkGolden: Walk gives Diagnose's findings, in Diagnose's order, on
// everyFinding, and DiagnoseLean gives them too once Text fills the
// messages it left out. Walk stops at the first error of its callback.
func TestWalkGolden(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "every-finding.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var walked []Finding
	if err := Walk(everyFinding(), func(f *Finding) error { walked = append(walked, *f); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := goldenLines(t, walked); got != string(want) {
		t.Errorf("Walk's findings differ from the golden file:\n%s", got)
	}
	lean := DiagnoseLean(everyFinding())
	for i := range lean {
		lean[i].Message = lean[i].Text()
	}
	if got := goldenLines(t, lean); got != string(want) {
		t.Errorf("DiagnoseLean's findings with Text differ from the golden file:\n%s", got)
	}
	// Keys in Store.Keys's order (by ID, then path), which keyRanks
	// takes as it is.
	sorted := everyFinding()
	slices.SortFunc(sorted.Keys, func(a, b vault.Key) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.Path, b.Path))
	})
	walked = walked[:0]
	if err := Walk(sorted, func(f *Finding) error { walked = append(walked, *f); return nil }); err != nil {
		t.Fatal(err)
	}
	if got, want := goldenLines(t, walked), goldenLines(t, Diagnose(sorted)); got != want {
		t.Errorf("on keys in ID order, Walk's findings:\n%s\nDiagnose's:\n%s", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := Walk(everyFinding(), func(*Finding) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Walk with a callback failing at once: %v after %d findings, want stop after 1", err, n)
	}
}
