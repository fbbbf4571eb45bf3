package demo_test

import (
	"io/fs"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/tuf"
)

var now = time.Date(2026, 11, 21, 22, 14, 15, 123456789, time.UTC)

// seeded is a deterministic random source.
func seeded() *mathrand.ChaCha8 { return mathrand.NewChaCha8([32]byte{'d', 'e', 'm', 'o'}) }

// generate makes a demo vault and opens it.
func generate(t *testing.T) (*demo.Info, *vault.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trust")
	info, err := demo.Generate(dir, demo.Options{Rand: seeded(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := vault.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return info, s
}

func TestGenerateKeys(t *testing.T) {
	info, s := generate(t)
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	// 2 roots, 4 targets (one legacy), 1 snapshot, signers alice and ci, the orphan.
	if len(keys) != 10 {
		t.Errorf("%d keys, want 10", len(keys))
	}
	for _, k := range keys {
		if k.Err != nil {
			t.Errorf("key %s (%s): %v", k.ShortID(), k.Path, k.Err)
		}
		if k.Mode.Perm() != 0o600 {
			t.Errorf("key %s: mode %v, want 0600", k.ShortID(), k.Mode.Perm())
		}
		if k.ID == info.Legacy.ID {
			if k.Layout != vault.LayoutLegacyTUF || k.Encryption.Scheme != vault.SchemeLegacyPEM || k.Role != "targets" || k.GUN != "docker.io/acme/tools" {
				t.Errorf("legacy key listed as %v %v role %q gun %q", k.Layout, k.Encryption.Scheme, k.Role, k.GUN)
			}
			continue
		}
		if k.Layout != vault.LayoutFlat || k.Encryption.Scheme != vault.SchemePBES2 || k.Encryption.Iterations != vault.CompatIterations {
			t.Errorf("key %s: %v %s, want flat PBES2 ×2048", k.ShortID(), k.Layout, k.Encryption.Summary())
		}
	}
	if info.Missing.ID == "" || info.Legacy.ID == "" || info.Orphan.ID == "" || len(info.RootKeys) != 2 {
		t.Fatalf("info incomplete: %+v", info)
	}
	if _, err := s.Key(info.Missing.ID); err == nil {
		t.Error("the missing key is in the store")
	}
	for _, id := range []string{info.Legacy.ID, info.Orphan.ID, info.RootKeys[0]} {
		pk, err := s.Unlock(id, func(vault.PassphraseRequest) ([]byte, error) { return []byte(demo.Passphrase), nil })
		if err != nil {
			t.Errorf("unlock %s: %v", vault.ShortID(id), err)
		} else if pk.ID != id {
			t.Errorf("unlocked key has ID %s, want %s", pk.ID, id)
		}
	}
}

func TestGenerateRepositories(t *testing.T) {
	info, s := generate(t)
	repos, err := s.Repositories()
	if err != nil {
		t.Fatal(err)
	}
	var guns []string
	for _, r := range repos {
		guns = append(guns, r.GUN)
		if len(r.Problems) != 0 {
			t.Errorf("%s: problems %v", r.GUN, r.Problems)
		}
	}
	wantGUNs := []string{
		"docker.io/acme/tools",
		"notary.internal.example.com:4443/platform-team/observability/collector",
		"registry.example.com/acme/api",
		"registry.example.com/acme/web",
	}
	if !slices.Equal(guns, wantGUNs) {
		t.Fatalf("repositories %q, want %q", guns, wantGUNs)
	}
	byGUN := map[string]vault.Repository{}
	for _, r := range repos {
		byGUN[r.GUN] = r
	}
	// role -> locations of its keys, in metadata order
	tests := []struct {
		gun   string
		roles map[string][]vault.Location
	}{
		{"registry.example.com/acme/web", map[string][]vault.Location{
			"root": {vault.LocationFile}, "targets": {vault.LocationFile},
			"snapshot": {vault.LocationServer}, "timestamp": {vault.LocationServer},
			"targets/alice": {vault.LocationFile}, "targets/releases": {vault.LocationFile},
		}},
		{"registry.example.com/acme/api", map[string][]vault.Location{
			"root": {vault.LocationFile}, "targets": {vault.LocationFile},
			"snapshot": {vault.LocationFile}, "timestamp": {vault.LocationServer},
			"targets/alice": {vault.LocationFile}, "targets/bob": {vault.LocationMissing},
			"targets/releases": {vault.LocationFile, vault.LocationMissing},
		}},
		{"docker.io/acme/tools", map[string][]vault.Location{
			"root": {vault.LocationFile}, "targets": {vault.LocationFile},
			"snapshot": {vault.LocationServer}, "timestamp": {vault.LocationServer},
		}},
		{"notary.internal.example.com:4443/platform-team/observability/collector", map[string][]vault.Location{
			"root": {vault.LocationFile}, "targets": {vault.LocationFile},
			"snapshot": {vault.LocationServer}, "timestamp": {vault.LocationServer},
			"targets/ci": {vault.LocationFile}, "targets/releases": {vault.LocationFile},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.gun, func(t *testing.T) {
			repo := byGUN[tt.gun]
			want := demoRepo(t, info, tt.gun)
			if len(repo.Roles) != len(tt.roles) {
				t.Errorf("%d roles, want %d", len(repo.Roles), len(tt.roles))
			}
			for _, ri := range repo.Roles {
				locs, ok := tt.roles[ri.Name]
				if !ok {
					t.Errorf("unexpected role %s", ri.Name)
					continue
				}
				var gotLocs []vault.Location
				var ids []string
				for _, k := range ri.Keys {
					gotLocs = append(gotLocs, k.Location)
					ids = append(ids, k.ID)
					if k.Location == vault.LocationFile && k.Path == "" {
						t.Errorf("%s: key %s is a file without a path", ri.Name, k.ID)
					}
				}
				if !slices.Equal(gotLocs, locs) {
					t.Errorf("%s: locations %v, want %v", ri.Name, gotLocs, locs)
				}
				if !slices.Equal(ids, want.Keys[ri.Name]) {
					t.Errorf("%s: key IDs %v, want %v", ri.Name, ids, want.Keys[ri.Name])
				}
				if ri.Threshold != 1 {
					t.Errorf("%s: threshold %d, want 1", ri.Name, ri.Threshold)
				}
				wantMeta := ri.Kind != keyrole.Delegation || ri.Name == "targets/releases"
				if ri.HasMetadata != wantMeta || wantMeta && (ri.Version < 1 || !ri.Expires.After(now)) {
					t.Errorf("%s: metadata %v version %d expires %v", ri.Name, ri.HasMetadata, ri.Version, ri.Expires)
				}
			}
			root, _ := repo.Role("root")
			if root.Keys[0].TUFID != want.RootX509ID {
				t.Errorf("root TUF ID %s, want %s", root.Keys[0].TUFID, want.RootX509ID)
			}
		})
	}
}

func TestGenerateExpiry(t *testing.T) {
	info, s := generate(t)
	repos, err := s.Repositories()
	if err != nil {
		t.Fatal(err)
	}
	if info.Expiring.GUN != "docker.io/acme/tools" || info.Expiring.Role != "targets" {
		t.Errorf("expiring %+v", info.Expiring)
	}
	if left := info.Expiring.Expires.Sub(now); left < 11*24*time.Hour || left > 13*24*time.Hour {
		t.Errorf("expiring role has %v left, want about 12 days", left)
	}
	for _, r := range repos {
		for _, ri := range r.Roles {
			if !ri.HasMetadata {
				continue
			}
			left := ri.Expires.Sub(now)
			isExpiring := r.GUN == info.Expiring.GUN && ri.Name == info.Expiring.Role
			switch {
			case isExpiring:
				if !ri.Expires.Equal(info.Expiring.Expires) {
					t.Errorf("%s %s expires %v, Info says %v", r.GUN, ri.Name, ri.Expires, info.Expiring.Expires)
				}
			case ri.Kind == keyrole.Timestamp:
				if left < 13*24*time.Hour || left > 14*24*time.Hour {
					t.Errorf("%s timestamp: %v left, want just under 14 days", r.GUN, left)
				}
			case left < 60*24*time.Hour:
				t.Errorf("%s %s: only %v left; only %s should be close to expiry", r.GUN, ri.Name, left, info.Expiring.Role)
			}
		}
	}
}

func TestGenerateSignatures(t *testing.T) {
	info, _ := generate(t)
	for _, repo := range info.Repositories {
		t.Run(repo.GUN, func(t *testing.T) {
			meta := filepath.Join(info.Dir, "tuf", filepath.FromSlash(repo.GUN), "metadata")
			read := func(role string) ([]byte, *tuf.Metadata) {
				t.Helper()
				data, err := os.ReadFile(filepath.Join(meta, filepath.FromSlash(role)+".json"))
				if err != nil {
					t.Fatal(err)
				}
				m, err := tuf.Parse(data)
				if err != nil {
					t.Fatal(err)
				}
				return data, m
			}
			_, root := read("root")
			files := map[string][]byte{}
			for _, role := range []string{"root", "targets", "snapshot", "timestamp"} {
				data, _ := read(role)
				files[role] = data
				spec := root.Roles[role]
				if err := tuf.Verify(data, root.Keys[spec.KeyIDs[0]]); err != nil {
					t.Errorf("%s.json: %v", role, err)
				}
			}
			_, targets := read("targets")
			for _, d := range targets.Delegations {
				data, err := os.ReadFile(filepath.Join(meta, filepath.FromSlash(d.Name)+".json"))
				if os.IsNotExist(err) {
					continue
				}
				files[d.Name] = data
				verified := false
				for _, id := range d.KeyIDs {
					verified = verified || tuf.Verify(data, targets.Keys[id]) == nil
				}
				if !verified {
					t.Errorf("%s.json: no valid signature by its keys", d.Name)
				}
			}
			_, snapshot := read("snapshot")
			for role, fm := range snapshot.Meta {
				if want := tuf.NewFileMeta(files[role]); fm.Length != want.Length || string(fm.Hashes["sha256"]) != string(want.Hashes["sha256"]) {
					t.Errorf("snapshot meta of %s does not match the file", role)
				}
			}
			if len(snapshot.Meta) != len(files)-2 {
				t.Errorf("snapshot lists %d files, want %d", len(snapshot.Meta), len(files)-2)
			}
			_, ts := read("timestamp")
			if want := tuf.NewFileMeta(files["snapshot"]); ts.Meta["snapshot"].Length != want.Length {
				t.Error("timestamp meta does not match snapshot.json")
			}
		})
	}
}

func TestGenerateModes(t *testing.T) {
	info, _ := generate(t)
	err := filepath.WalkDir(info.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if strings.HasPrefix(d.Name(), "lock") {
			return nil // the store's lock file is its own business
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, _ := generate(t)
	b, _ := generate(t)
	if !slices.Equal(a.RootKeys, b.RootKeys) || a.Legacy.ID != b.Legacy.ID || a.Missing.ID != b.Missing.ID {
		t.Error("same seed, different keys")
	}
	for _, repo := range a.Repositories {
		rel := filepath.Join("tuf", filepath.FromSlash(repo.GUN), "metadata", "timestamp.json")
		x, _ := os.ReadFile(filepath.Join(a.Dir, rel))
		y, _ := os.ReadFile(filepath.Join(b.Dir, rel))
		if len(x) == 0 || string(x) != string(y) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
	}
}

func TestGenerateRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "something"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(dir, demo.Options{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Generate into a non-empty directory: %v", err)
	}
}

func TestGenerateDefaults(t *testing.T) {
	dir := t.TempDir() // empty: allowed
	info, err := demo.Generate(dir, demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Repositories) != 4 || info.Expiring.Expires.Before(time.Now()) {
		t.Errorf("info %+v", info)
	}
}

func demoRepo(t *testing.T, info *demo.Info, gun string) demo.Repository {
	t.Helper()
	for _, r := range info.Repositories {
		if r.GUN == gun {
			return r
		}
	}
	t.Fatalf("no repository %s in Info", gun)
	return demo.Repository{}
}
