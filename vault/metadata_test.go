package vault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/tuf"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite tuf/testdata/metadata from the metadata writer")

// testRepo is a repository written with the metadata writer.
type testRepo struct {
	root, targets, releases, nested ecdsa.PrivateKey
	snapshot, timestamp             ed25519.PrivateKey
	rootKey                         tuf.Key // ecdsa-x509
	ids                             map[string]string
	expires                         map[string]time.Time
	files                           map[string][]byte // role name -> file
}

// writeTestRepo writes the metadata of one repository below trustDir (or
// only builds it when trustDir is ""): the four base roles, delegations
// targets/releases (with a file that delegates further to
// targets/releases/qa) and targets/alice (no file).
func writeTestRepo(t testing.TB, trustDir, gun string, now time.Time) *testRepo {
	t.Helper()
	r := &testRepo{ids: map[string]string{}, expires: map[string]time.Time{}, files: map[string][]byte{}}
	for _, k := range []*ecdsa.PrivateKey{&r.root, &r.targets, &r.releases, &r.nested} {
		g, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		*k = *g
	}
	_, r.snapshot, _ = ed25519.GenerateKey(rand.Reader)
	_, r.timestamp, _ = ed25519.GenerateKey(rand.Reader)
	cert, err := tuf.NewRootCertificate(&r.root, gun, now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if r.rootKey, err = tuf.NewCertificateKey(cert); err != nil {
		t.Fatal(err)
	}
	keys := map[string]tuf.Key{r.rootKey.ID(): r.rootKey}
	r.ids["root"] = r.rootKey.ID()
	for name, s := range map[string]crypto.Signer{
		"targets": &r.targets, "snapshot": r.snapshot, "timestamp": r.timestamp,
		"targets/releases": &r.releases, "targets/releases/qa": &r.nested,
	} {
		k, err := tuf.NewKey(s.Public())
		if err != nil {
			t.Fatal(err)
		}
		r.ids[name] = k.ID()
		if !strings.HasPrefix(name, "targets/") {
			keys[k.ID()] = k
		}
	}
	for _, role := range []string{"root", "targets", "snapshot", "timestamp", "targets/releases", "targets/releases/qa"} {
		r.expires[role] = now.Add(tuf.DefaultExpiry(role))
	}
	roles := map[string]tuf.Role{}
	for _, role := range baseRoleOrder {
		roles[role] = tuf.Role{KeyIDs: []string{r.ids[role]}, Threshold: 1}
	}
	sign := func(role string, signed map[string]any, s crypto.Signer) {
		id := r.ids[role]
		data, err := tuf.Sign(signed, nil, tuf.Signer{KeyID: id, Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		r.files[role] = data
	}
	relKey, _ := tuf.NewKey(r.releases.Public())
	qaKey, _ := tuf.NewKey(r.nested.Public())
	sign("root", tuf.RootSigned(keys, roles, r.expires["root"], 1), &r.root)
	sign("targets", tuf.TargetsSigned(nil, map[string]tuf.Key{relKey.ID(): relKey}, []tuf.Delegation{
		// out of order on purpose: the reader sorts
		{Name: "targets/releases", KeyIDs: []string{relKey.ID()}, Threshold: 1, Paths: []string{""}},
		{Name: "targets/alice", KeyIDs: []string{relKey.ID()}, Threshold: 2, Paths: []string{""}},
	}, r.expires["targets"], 3), &r.targets)
	sign("targets/releases", tuf.TargetsSigned(map[string]tuf.FileMeta{
		"v1.0": {Length: 1234, Hashes: map[string][]byte{"sha256": make([]byte, 32)}},
	}, map[string]tuf.Key{qaKey.ID(): qaKey}, []tuf.Delegation{
		{Name: "targets/releases/qa", KeyIDs: []string{qaKey.ID()}, Threshold: 1, Paths: []string{"qa-"}},
	}, r.expires["targets/releases"], 2), &r.releases)
	sign("targets/releases/qa", tuf.TargetsSigned(nil, nil, nil, r.expires["targets/releases/qa"], 1), &r.nested)
	sign("snapshot", tuf.SnapshotSigned(map[string]tuf.FileMeta{
		"root":                tuf.NewFileMeta(r.files["root"]),
		"targets":             tuf.NewFileMeta(r.files["targets"]),
		"targets/releases":    tuf.NewFileMeta(r.files["targets/releases"]),
		"targets/releases/qa": tuf.NewFileMeta(r.files["targets/releases/qa"]),
	}, r.expires["snapshot"], 5), r.snapshot)
	sign("timestamp", tuf.TimestampSigned(tuf.NewFileMeta(r.files["snapshot"]), r.expires["timestamp"], 9), r.timestamp)
	if trustDir != "" {
		for role, data := range r.files {
			writeTestFile(t, filepath.Join(trustDir, "tuf", filepath.FromSlash(gun), "metadata", filepath.FromSlash(role)+".json"), data)
		}
	}
	return r
}

func writeTestFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestWriteSeeds rewrites the fuzz seeds in tuf/testdata/metadata when run with
// -update-seeds.
func TestWriteSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite tuf/testdata/metadata")
	}
	r := writeTestRepo(t, "", "registry.example.com/acme/web", time.Date(2026, 11, 21, 22, 14, 15, 123456789, time.UTC))
	for role, data := range r.files {
		writeTestFile(t, filepath.Join("tuf", "testdata", "metadata", strings.ReplaceAll(role, "/", "-")+".json"), data)
	}
}

func TestReadRepository(t *testing.T) {
	dir := t.TempDir()
	const gun = "notary.example.com:4443/team/app"
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	r := writeTestRepo(t, dir, gun, now)
	rootCanon, _ := tuf.CanonicalID(r.root.Public())
	keys := []Key{
		{ID: rootCanon, Role: "root", Path: "/keys/root.key", Layout: LayoutFlat},
		{ID: r.ids["targets"], Role: "targets", GUN: gun, Path: "/keys/legacy_targets.key", Layout: LayoutLegacyTUF},
		{ID: r.ids["targets"], Role: "targets", GUN: gun, Path: "/keys/targets.key", Layout: LayoutFlat},
		{ID: r.ids["targets/releases"], Role: "releases", Path: "/keys/broken.key", Err: errors.New("unreadable")},
		{ID: r.ids["targets/releases/qa"], Role: "qa", Path: "/keys/qa.key"},
	}
	repo := ReadRepository(dir, gun, keys)
	if len(repo.Problems) != 0 {
		t.Fatalf("problems: %v", repo.Problems)
	}
	if repo.GUN != gun || repo.Dir != filepath.Join(dir, "tuf", "notary.example.com:4443", "team", "app") {
		t.Errorf("GUN %q Dir %q", repo.GUN, repo.Dir)
	}
	var names []string
	for _, ri := range repo.Roles {
		names = append(names, ri.Name)
	}
	wantNames := []string{"root", "targets", "snapshot", "timestamp", "targets/alice", "targets/releases", "targets/releases/qa"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("roles %v, want %v", names, wantNames)
	}
	tests := []struct {
		role      string
		kind      keyrole.Kind
		threshold int
		version   int
		hasMeta   bool
		id        string
		loc       Location
		path      string
		keyType   string
	}{
		{"root", keyrole.Root, 1, 1, true, rootCanon, LocationFile, "/keys/root.key", tuf.KeyTypeECDSAX509},
		{"targets", keyrole.Targets, 1, 3, true, r.ids["targets"], LocationFile, "/keys/targets.key", tuf.KeyTypeECDSA},
		{"snapshot", keyrole.Snapshot, 1, 5, true, r.ids["snapshot"], LocationServer, "", tuf.KeyTypeED25519},
		{"timestamp", keyrole.Timestamp, 1, 9, true, r.ids["timestamp"], LocationServer, "", tuf.KeyTypeED25519},
		// Its key file is here but unreadable: damaged, not missing.
		{"targets/alice", keyrole.Delegation, 2, 0, false, r.ids["targets/releases"], LocationDamaged, "/keys/broken.key", tuf.KeyTypeECDSA},
		{"targets/releases", keyrole.Delegation, 1, 2, true, r.ids["targets/releases"], LocationDamaged, "/keys/broken.key", tuf.KeyTypeECDSA},
		{"targets/releases/qa", keyrole.Delegation, 1, 1, true, r.ids["targets/releases/qa"], LocationFile, "/keys/qa.key", tuf.KeyTypeECDSA},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.role, "/", "_"), func(t *testing.T) {
			ri, ok := repo.Role(tt.role)
			if !ok {
				t.Fatal("role missing")
			}
			if ri.Kind != tt.kind || ri.Threshold != tt.threshold || ri.Version != tt.version || ri.HasMetadata != tt.hasMeta {
				t.Errorf("kind %v threshold %d version %d hasMetadata %v, want %v %d %d %v",
					ri.Kind, ri.Threshold, ri.Version, ri.HasMetadata, tt.kind, tt.threshold, tt.version, tt.hasMeta)
			}
			if want := r.expires[tt.role]; tt.hasMeta && !ri.Expires.Equal(want) || !tt.hasMeta && !ri.Expires.IsZero() {
				t.Errorf("expires %v, want %v", ri.Expires, want)
			}
			if len(ri.Keys) != 1 {
				t.Fatalf("%d keys, want 1", len(ri.Keys))
			}
			k := ri.Keys[0]
			if k.ID != tt.id || k.Location != tt.loc || k.Path != tt.path || k.KeyType != tt.keyType {
				t.Errorf("key %+v, want ID %s location %v path %q type %s", k, tt.id, tt.loc, tt.path, tt.keyType)
			}
		})
	}
	if root, _ := repo.Role("root"); root.Keys[0].TUFID != r.rootKey.ID() || root.Keys[0].TUFID == root.Keys[0].ID {
		t.Errorf("root TUFID %s, want the x509 ID %s", root.Keys[0].TUFID, r.rootKey.ID())
	}
}

func TestReadRepositoryProblems(t *testing.T) {
	const gun = "docker.io/acme/app"
	now := time.Now()
	tests := []struct {
		name string
		// break the repository written by writeTestRepo
		damage    func(t *testing.T, meta string)
		wantRoles []string
		wantErr   string // in the one problem
	}{
		{
			name: "invalid JSON",
			damage: func(t *testing.T, meta string) {
				writeTestFile(t, filepath.Join(meta, "snapshot.json"), []byte("{not json"))
			},
			wantRoles: []string{"root", "targets", "snapshot", "timestamp", "targets/alice", "targets/releases", "targets/releases/qa"},
			wantErr:   "snapshot.json: parse metadata",
		},
		{
			name: "wrong type",
			damage: func(t *testing.T, meta string) {
				data, _ := os.ReadFile(filepath.Join(meta, "timestamp.json"))
				writeTestFile(t, filepath.Join(meta, "targets.json"), data)
			},
			wantRoles: []string{"root", "targets", "snapshot", "timestamp"},
			wantErr:   `targets.json: _type is "Timestamp", want "Targets"`,
		},
		{
			name: "root unreadable",
			damage: func(t *testing.T, meta string) {
				writeTestFile(t, filepath.Join(meta, "root.json"), []byte(`{"signed":[]}`))
			},
			// root is still listed: its file is damaged, not absent.
			wantRoles: []string{"root", "targets", "snapshot", "timestamp", "targets/alice", "targets/releases", "targets/releases/qa"},
			wantErr:   "root.json: parse metadata",
		},
		{
			name: "too large",
			damage: func(t *testing.T, meta string) {
				f, err := os.OpenFile(filepath.Join(meta, "targets", "releases.json"), os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := f.Truncate(tuf.MaxMetadataSize + 1); err != nil {
					t.Fatal(err)
				}
			},
			wantRoles: []string{"root", "targets", "snapshot", "timestamp", "targets/alice", "targets/releases"},
			wantErr:   "releases.json: 16777217 bytes, more than the 16777216 allowed",
		},
		{
			name: "directory instead of file",
			damage: func(t *testing.T, meta string) {
				os.Remove(filepath.Join(meta, "timestamp.json"))
				os.Mkdir(filepath.Join(meta, "timestamp.json"), 0o700)
			},
			wantRoles: []string{"root", "targets", "snapshot", "timestamp", "targets/alice", "targets/releases", "targets/releases/qa"},
			wantErr:   "timestamp.json is a directory, not a regular file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTestRepo(t, dir, gun, now)
			tt.damage(t, filepath.Join(dir, "tuf", "docker.io", "acme", "app", "metadata"))
			repo := ReadRepository(dir, gun, nil)
			var names []string
			for _, ri := range repo.Roles {
				names = append(names, ri.Name)
			}
			if !slices.Equal(names, tt.wantRoles) {
				t.Errorf("roles %v, want %v", names, tt.wantRoles)
			}
			if len(repo.Problems) != 1 || !strings.Contains(repo.Problems[0].Error(), tt.wantErr) {
				t.Errorf("problems %v, want one containing %q", repo.Problems, tt.wantErr)
			}
			// The role whose file is damaged says so; the others are
			// cached or absent, never damaged.
			damaged := 0
			for _, ri := range repo.Roles {
				if ri.Metadata == MetadataDamaged {
					damaged++
					if ri.MetadataErr == nil || !strings.Contains(ri.MetadataErr.Error(), tt.wantErr) || ri.HasMetadata {
						t.Errorf("%s: damaged with %v, hasMetadata %v", ri.Name, ri.MetadataErr, ri.HasMetadata)
					}
				}
			}
			if damaged != 1 {
				t.Errorf("%d roles damaged, want 1", damaged)
			}
		})
	}
}

func TestFindGUNs(t *testing.T) {
	dir := t.TempDir()
	mk := func(rel string) {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(rel)), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	mk("tuf/docker.io/library/alpine/metadata/targets")
	mk("tuf/docker.io/library/alpine/changelist")
	mk("tuf/registry.example.com:5000/team/app/metadata")
	mk("tuf/docker.io/acme/metadata")                      // GUN docker.io/acme ...
	mk("tuf/docker.io/acme/web/metadata")                  // ... and one below it
	mk("tuf/docker.io/odd/metadata/metadata")              // GUN docker.io/odd/metadata
	mk("tuf/docker.io/library/alpine/metadata/x/metadata") // inside metadata: not a GUN
	mk("tuf/empty/dir")
	writeTestFile(t, filepath.Join(dir, "tuf", "stray.json"), []byte("{}"))
	if err := os.Symlink(filepath.Join(dir, "tuf", "docker.io"), filepath.Join(dir, "tuf", "link")); err != nil {
		t.Fatal(err)
	}
	got, err := FindGUNs(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"docker.io/acme", "docker.io/acme/web", "docker.io/library/alpine",
		"docker.io/odd/metadata", "registry.example.com:5000/team/app",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestFindGUNsNoTUFDir(t *testing.T) {
	got, err := FindGUNs(filepath.Join(t.TempDir(), "nothing"))
	if err != nil || got != nil {
		t.Errorf("FindGUNs = %v, %v; want nil, nil", got, err)
	}
	repos, err := ReadRepositories(t.TempDir(), nil)
	if err != nil || len(repos) != 0 {
		t.Errorf("ReadRepositories = %v, %v; want none, nil", repos, err)
	}
}

func TestReadRepositories(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	writeTestRepo(t, dir, "registry.example.com/b", now)
	writeTestRepo(t, dir, "registry.example.com/a", now)
	repos, err := ReadRepositories(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 || repos[0].GUN != "registry.example.com/a" || repos[1].GUN != "registry.example.com/b" {
		t.Fatalf("repositories %+v", repos)
	}
	if len(repos[0].Roles) != 7 {
		t.Errorf("%d roles, want 7", len(repos[0].Roles))
	}
}

func FuzzParseMetadata(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("tuf", "testdata", "metadata", "*.json"))
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"signed":{"_type":"Targets","expires":"2030-01-01T00:00:00Z","delegations":{"roles":[{"name":"targets/../../x"}]}}}`))
	key := tuf.Key{Type: tuf.KeyTypeED25519, Public: make([]byte, 32)}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := tuf.Parse(data)
		if err != nil {
			return
		}
		_ = m.Verify(key)
		for _, k := range m.Keys {
			_, _ = k.PublicKey()
			_, _ = k.CanonicalID()
		}
		// What parses also reads back from a repository without panicking.
		dir := t.TempDir()
		for _, name := range []string{"root", "targets", "snapshot", "timestamp"} {
			writeTestFile(t, filepath.Join(dir, "tuf", "g", "metadata", name+".json"), data)
		}
		repo := ReadRepository(dir, "g", []Key{{ID: strings.Repeat("a", 64)}})
		for _, ri := range repo.Roles {
			if ri.Kind == keyrole.Delegation && !tuf.ValidRoleName(ri.Name) {
				t.Errorf("unsafe delegation name %q read", ri.Name)
			}
		}
	})
}
