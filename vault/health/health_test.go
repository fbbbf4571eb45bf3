package health

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

const (
	healthGUN  = "registry.example.com/acme/web"
	healthPass = "health-test-passphrase-42"
)

// repoSpec describes a crafted repository: which keys sign it and when its
// roles expire.
type repoSpec struct {
	gun                     string
	root, targets           crypto.Signer
	rootExpires, tgtExpires time.Time
	snapExpires, tsExpires  time.Time
}

// writeRepo writes a repository's metadata as notary would cache it: root
// and targets signed by the given keys, snapshot and timestamp by
// server-held Ed25519 keys.
func writeRepo(t testing.TB, dir string, spec repoSpec) {
	t.Helper()
	cert, err := tuf.NewRootCertificate(spec.root, spec.gun, vaulttest.Now().Add(-24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	rootKey, err := tuf.NewCertificateKey(cert)
	if err != nil {
		t.Fatal(err)
	}
	targetsKey, _ := tuf.NewKey(spec.targets.Public())
	snapPub, snapPriv, _ := ed25519.GenerateKey(nil)
	tsPub, tsPriv, _ := ed25519.GenerateKey(nil)
	snapKey, _ := tuf.NewKey(snapPub)
	tsKey, _ := tuf.NewKey(tsPub)
	keys := map[string]tuf.Key{rootKey.ID(): rootKey, targetsKey.ID(): targetsKey, snapKey.ID(): snapKey, tsKey.ID(): tsKey}
	roles := map[string]tuf.Role{
		"root":      {KeyIDs: []string{rootKey.ID()}, Threshold: 1},
		"targets":   {KeyIDs: []string{targetsKey.ID()}, Threshold: 1},
		"snapshot":  {KeyIDs: []string{snapKey.ID()}, Threshold: 1},
		"timestamp": {KeyIDs: []string{tsKey.ID()}, Threshold: 1},
	}
	sign := func(signed map[string]any, id string, s crypto.Signer) []byte {
		data, err := tuf.Sign(signed, nil, tuf.Signer{KeyID: id, Signer: s})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	meta := filepath.Join(dir, "tuf", filepath.FromSlash(spec.gun), "metadata")
	rootJSON := sign(tuf.RootSigned(keys, roles, spec.rootExpires, 1), rootKey.ID(), spec.root)
	targetsJSON := sign(tuf.TargetsSigned(nil, nil, nil, spec.tgtExpires, 1), targetsKey.ID(), spec.targets)
	snapJSON := sign(tuf.SnapshotSigned(map[string]tuf.FileMeta{"root": tuf.NewFileMeta(rootJSON), "targets": tuf.NewFileMeta(targetsJSON)}, spec.snapExpires, 1), snapKey.ID(), snapPriv)
	tsJSON := sign(tuf.TimestampSigned(tuf.NewFileMeta(snapJSON), spec.tsExpires, 1), tsKey.ID(), tsPriv)
	for name, data := range map[string][]byte{"root": rootJSON, "targets": targetsJSON, "snapshot": snapJSON, "timestamp": tsJSON} {
		vaulttest.WriteFile(t, filepath.Join(meta, name+".json"), data)
	}
}

// healthyKeys are the root and targets keys of the healthy store, made
// and unlocked once: hardened encryption is slow on purpose.
type healthyKeySet struct {
	dir           string
	root, targets crypto.Signer
}

var healthyKeys = sync.OnceValues(func() (healthyKeySet, error) {
	var ks healthyKeySet
	dir, err := os.MkdirTemp("", "trustvault-health-")
	if err != nil {
		return ks, err
	}
	s, err := vault.Open(filepath.Join(dir, "trust"))
	if err != nil {
		return ks, err
	}
	for _, k := range []struct {
		role, gun string
		signer    *crypto.Signer
	}{{"root", "", &ks.root}, {"targets", healthGUN, &ks.targets}} {
		key, err := s.Generate(k.role, k.gun, "", vaulttest.PassFunc(healthPass))
		if err != nil {
			return ks, err
		}
		pk, err := s.Unlock(key.ID, vaulttest.PassFunc(healthPass))
		if err != nil {
			return ks, err
		}
		*k.signer = pk.Signer
	}
	ks.dir = s.Dir()
	return ks, nil
})

// copyTree copies a directory, keeping modes.
func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(dst, fi.Mode().Perm())
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// healthyStore is a trust directory with nothing wrong that trustvault can
// see today: one repository whose root and targets keys are here,
// hardened, with modes 0700/0600, metadata far from expiry, and the
// snapshot and timestamp keys on the server. It still raises the backup
// and root-on-disk warnings: no backup has been made of it, and tokens
// with issue 6, so no store can be free of them yet.
func healthyStore(t *testing.T) (*vault.Store, vault.Key, vault.Key) {
	t.Helper()
	ks, err := healthyKeys()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "trust")
	copyTree(t, ks.dir, dir)
	s, err := vault.Open(dir, vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	root, targets := keyOfRole(t, s, "root"), keyOfRole(t, s, "targets")
	writeRepo(t, dir, repoSpec{
		gun: healthGUN, root: ks.root, targets: ks.targets,
		rootExpires: vaulttest.Now().Add(tuf.RootExpiry), tgtExpires: vaulttest.Now().Add(tuf.TargetsExpiry),
		snapExpires: vaulttest.Now().Add(tuf.SnapshotExpiry), tsExpires: vaulttest.Now().Add(tuf.TimestampExpiry),
	})
	return s, root, targets
}

func keyOfRole(t testing.TB, s *vault.Store, role string) vault.Key {
	t.Helper()
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Role == role {
			return k
		}
	}
	t.Fatalf("no %s key", role)
	return vault.Key{}
}

// unlock returns the healthy store's signer for one of its keys.
func unlock(t testing.TB, _ *vault.Store, k vault.Key) crypto.Signer {
	t.Helper()
	ks, err := healthyKeys()
	if err != nil {
		t.Fatal(err)
	}
	if k.Role == "root" {
		return ks.root
	}
	return ks.targets
}

// notYet are the checks whose remedies are not built yet: every key has no
// verified backup (none was made) and every root key file is on no token (issue 6).
var notYet = []string{CheckBackup, CheckRootOnDisk}

// others drops the findings of the not-yet checks.
func others(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if !slices.Contains(notYet, f.Check) {
			out = append(out, f)
		}
	}
	return out
}

func describe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n  " + f.Severity.String() + " " + f.Check + " " + vault.ShortID(f.KeyID) + " " + f.GUN + ": " + f.Message)
	}
	return b.String()
}

func TestHealthyStore(t *testing.T) {
	s, root, targets := healthyStore(t)
	fs := Check(s, vaulttest.Now(), "")
	if rest := others(fs); len(rest) != 0 {
		t.Fatalf("a healthy store raises findings besides backup and root-on-disk:%s", describe(rest))
	}
	// What it does raise, today: both keys lack a backup, and the root key
	// is only on disk.
	want := []string{
		"warning backup " + root.ID,
		"warning backup " + targets.ID,
		"warning root-on-disk " + root.ID,
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Severity.String()+" "+f.Check+" "+f.KeyID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}

// TestHealthChecks gives the healthy store exactly one problem at a time
// and expects exactly that finding.
func TestHealthChecks(t *testing.T) {
	cases := []struct {
		name     string
		spoil    func(t *testing.T, s *vault.Store, root, targets vault.Key)
		check    string
		severity Severity
		keyID    func(root, targets vault.Key) string
		message  string
	}{
		{
			name: "unreadable key file",
			spoil: func(t *testing.T, s *vault.Store, _, _ vault.Key) {
				vaulttest.WriteFile(t, filepath.Join(s.PrivateDir(), strings.Repeat("ab", 32)+".key"), []byte("not a key"))
			},
			check: CheckUnreadableKey, severity: SeverityProblem, message: "cannot be used",
		},
		{
			name: "corrupt metadata",
			spoil: func(t *testing.T, s *vault.Store, _, _ vault.Key) {
				vaulttest.WriteFile(t, filepath.Join(s.Dir(), "tuf", healthGUN, "metadata", "snapshot.json"), []byte("{"))
			},
			check: CheckMetadata, severity: SeverityProblem, message: "snapshot.json",
		},
		{
			name: "targets key missing",
			spoil: func(t *testing.T, s *vault.Store, _, targets vault.Key) {
				if err := os.Remove(targets.Path); err != nil {
					t.Fatal(err)
				}
			},
			check: CheckMissingKey, severity: SeverityProblem, keyID: func(_, tg vault.Key) string { return tg.ID },
			message: "nobody can sign",
		},
		{
			name:  "targets expired",
			spoil: rewriteRepo(func(sp *repoSpec) { sp.tgtExpires = vaulttest.Now().Add(-time.Hour) }),
			check: CheckExpiry, severity: SeverityProblem, keyID: func(_, tg vault.Key) string { return tg.ID },
			message: "targets metadata expired",
		},
		{
			name:  "targets expires within 30 days",
			spoil: rewriteRepo(func(sp *repoSpec) { sp.tgtExpires = vaulttest.Now().Add(10 * 24 * time.Hour) }),
			check: CheckExpiry, severity: SeverityWarning, message: "in 10 days",
		},
		{
			name:  "root expires within 90 days",
			spoil: rewriteRepo(func(sp *repoSpec) { sp.rootExpires = vaulttest.Now().Add(60 * 24 * time.Hour) }),
			check: CheckExpiry, severity: SeverityInfo, message: "root metadata expires",
		},
		{
			name:  "server-renewed timestamp expired in the cache",
			spoil: rewriteRepo(func(sp *repoSpec) { sp.tsExpires = vaulttest.Now().Add(-48 * time.Hour) }),
			check: CheckExpiry, severity: SeverityInfo, message: "the notary server renews it",
		},
		{
			name: "weak encryption",
			spoil: func(t *testing.T, s *vault.Store, _, targets vault.Key) {
				if _, err := s.ChangePassphrase(targets.ID, vaulttest.PassFunc(healthPass), vaulttest.PassFunc(healthPass)); err != nil {
					t.Fatal(err)
				}
			},
			check: CheckEncryption, severity: SeverityWarning, keyID: func(_, tg vault.Key) string { return tg.ID },
			message: "2048 PBKDF2 iterations",
		},
		{
			name: "unencrypted key",
			spoil: func(t *testing.T, s *vault.Store, _, targets vault.Key) {
				pk := unlock(t, s, targets)
				der, err := x509.MarshalPKCS8PrivateKey(pk)
				if err != nil {
					t.Fatal(err)
				}
				block := &pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"role": "targets", "gun": healthGUN}, Bytes: der}
				vaulttest.WriteFile(t, targets.Path, pem.EncodeToMemory(block))
			},
			check: CheckEncryption, severity: SeverityProblem, keyID: func(_, tg vault.Key) string { return tg.ID },
			message: "not encrypted",
		},
		{
			name:  "key file readable by others",
			spoil: chmod(func(_, tg vault.Key) string { return tg.Path }, 0o644),
			check: CheckFileMode, severity: SeverityProblem, keyID: func(_, tg vault.Key) string { return tg.ID },
			message: "other users can read it",
		},
		{
			name:  "key file writable by the group",
			spoil: chmod(func(_, tg vault.Key) string { return tg.Path }, 0o620),
			check: CheckFileMode, severity: SeverityWarning, keyID: func(_, tg vault.Key) string { return tg.ID },
			message: "notary writes 0600",
		},
		{
			name: "private directory open to others",
			spoil: func(t *testing.T, s *vault.Store, _, _ vault.Key) {
				if err := os.Chmod(s.PrivateDir(), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			check: CheckFileMode, severity: SeverityWarning, message: "mode 0755",
		},
		{
			name: "private directory through a symlink",
			spoil: func(t *testing.T, s *vault.Store, _, _ vault.Key) {
				elsewhere := filepath.Join(filepath.Dir(s.Dir()), "keys-elsewhere")
				if err := os.Rename(s.PrivateDir(), elsewhere); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(elsewhere, s.PrivateDir()); err != nil {
					t.Fatal(err)
				}
			},
			check: CheckPrivateSymlink, severity: SeverityWarning, message: "docker/cli#3155",
		},
		{
			name: "root key shared by two repositories",
			spoil: func(t *testing.T, s *vault.Store, root, _ vault.Key) {
				other, err := ecdsa.GenerateKey(elliptic.P256(), nil)
				if err != nil {
					t.Fatal(err)
				}
				writeRepo(t, s.Dir(), repoSpec{
					gun: "registry.example.com/acme/api", root: unlock(t, s, root), targets: other,
					rootExpires: vaulttest.Now().Add(tuf.RootExpiry), tgtExpires: vaulttest.Now().Add(tuf.TargetsExpiry),
					snapExpires: vaulttest.Now().Add(tuf.SnapshotExpiry), tsExpires: vaulttest.Now().Add(tuf.TimestampExpiry),
				})
			},
			// The second repository's targets key is not here: that is
			// its own finding, filtered out below.
			check: CheckSharedRoot, severity: SeverityInfo, keyID: func(r, _ vault.Key) string { return r.ID },
			message: "signs 2 repositories",
		},
		{
			name: "orphan key",
			spoil: func(t *testing.T, s *vault.Store, _, _ vault.Key) {
				if _, err := s.Generate("targets/old", "", "", vaulttest.PassFunc(healthPass)); err != nil {
					t.Fatal(err)
				}
			},
			// A new key file: it lacks a backup too, and is weak (the
			// store writes 2048 iterations); both filtered out below.
			check: CheckOrphanKey, severity: SeverityInfo, message: "named by no metadata",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, root, targets := healthyStore(t)
			tc.spoil(t, s, root, targets)
			var got []Finding
			for _, f := range others(Check(s, vaulttest.Now(), "")) {
				switch {
				case tc.check == CheckSharedRoot && f.Check == CheckMissingKey,
					tc.check == CheckOrphanKey && f.Check == CheckEncryption:
					continue
				}
				got = append(got, f)
			}
			if len(got) != 1 {
				t.Fatalf("want exactly one %s finding, got:%s", tc.check, describe(got))
			}
			f := got[0]
			if f.Check != tc.check || f.Severity != tc.severity {
				t.Errorf("finding %s %s, want %s %s:%s", f.Severity, f.Check, tc.severity, tc.check, describe(got))
			}
			if !strings.Contains(f.Message, tc.message) {
				t.Errorf("message %q does not say %q", f.Message, tc.message)
			}
			if tc.keyID != nil && f.KeyID != tc.keyID(root, targets) {
				t.Errorf("key %s, want %s", vault.ShortID(f.KeyID), vault.ShortID(tc.keyID(root, targets)))
			}
			if f.Fix == "" {
				t.Error("no fix")
			}
		})
	}
}

// rewriteRepo rewrites the healthy repository's metadata with changed
// expiries.
func rewriteRepo(change func(*repoSpec)) func(t *testing.T, s *vault.Store, root, targets vault.Key) {
	return func(t *testing.T, s *vault.Store, root, targets vault.Key) {
		spec := repoSpec{
			gun: healthGUN, root: unlock(t, s, root), targets: unlock(t, s, targets),
			rootExpires: vaulttest.Now().Add(tuf.RootExpiry), tgtExpires: vaulttest.Now().Add(tuf.TargetsExpiry),
			snapExpires: vaulttest.Now().Add(tuf.SnapshotExpiry), tsExpires: vaulttest.Now().Add(tuf.TimestampExpiry),
		}
		change(&spec)
		writeRepo(t, s.Dir(), spec)
	}
}

func chmod(path func(root, targets vault.Key) string, mode fs.FileMode) func(t *testing.T, s *vault.Store, root, targets vault.Key) {
	return func(t *testing.T, s *vault.Store, root, targets vault.Key) {
		if err := os.Chmod(path(root, targets), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHealthBackups runs the backup checks on records a ledger would hold
// (backup_test.go makes real ones).
func TestHealthBackups(t *testing.T) {
	root := vault.Key{ID: strings.Repeat("a", 64), Role: "root", Location: vault.LocationFile, Encryption: vault.Encryption{Scheme: vault.SchemePBES2, Iterations: vault.HardenedIterations}, ModTime: vaulttest.Now().Add(-48 * time.Hour), Mode: 0o600}
	targets := vault.Key{ID: strings.Repeat("b", 64), Role: "targets", GUN: healthGUN, Location: vault.LocationFile, Encryption: root.Encryption, ModTime: vaulttest.Now().Add(-time.Hour), Mode: 0o600}
	twoDaysAgo, yesterday := vaulttest.Now().Add(-48*time.Hour), vaulttest.Now().Add(-24*time.Hour)
	cases := []struct {
		name    string
		records []vault.BackupRecord
		want    []string // severity check key
	}{
		{"no records (today)", nil, []string{"warning backup aaaaaaa", "warning backup bbbbbbb"}},
		{"two verified copies of each, after the newest key", []vault.BackupRecord{
			{KeyID: root.ID, Where: "drive A", Drive: "drive A", VerifiedAt: vaulttest.Now()}, {KeyID: root.ID, Where: "drive B", Drive: "drive B", VerifiedAt: vaulttest.Now()},
			{KeyID: targets.ID, Where: "drive A", Drive: "drive A", VerifiedAt: vaulttest.Now()}, {KeyID: targets.ID, Where: "drive B", Drive: "drive B", VerifiedAt: vaulttest.Now()},
		}, nil},
		{"one copy of each", []vault.BackupRecord{{KeyID: root.ID, Where: "drive A", Drive: "drive A", VerifiedAt: vaulttest.Now()}, {KeyID: targets.ID, Where: "drive A", Drive: "drive A", VerifiedAt: vaulttest.Now()}},
			[]string{"warning backup aaaaaaa", "info backup bbbbbbb"}},
		{"a copy never verified does not count", []vault.BackupRecord{
			{KeyID: root.ID, Where: "drive A", Drive: "drive A", VerifiedAt: vaulttest.Now()}, {KeyID: root.ID, Where: "drive B", Drive: "drive B", VerifiedAt: time.Time{}},
			{KeyID: targets.ID, Where: "drive A", Drive: "drive A", VerifiedAt: vaulttest.Now()}, {KeyID: targets.ID, Where: "drive B", Drive: "drive B", VerifiedAt: vaulttest.Now()},
		}, []string{"warning backup aaaaaaa"}},
		{"copies of an older version of the key", []vault.BackupRecord{
			{KeyID: root.ID, Where: "drive A", Drive: "a", VerifiedAt: vaulttest.Now(), KeyModTime: root.ModTime},
			{KeyID: root.ID, Where: "drive B", Drive: "b", VerifiedAt: vaulttest.Now(), KeyModTime: root.ModTime},
			{KeyID: targets.ID, Where: "drive A", Drive: "a", VerifiedAt: vaulttest.Now(), KeyModTime: targets.ModTime.Add(-time.Hour)},
			{KeyID: targets.ID, Where: "drive B", Drive: "b", VerifiedAt: vaulttest.Now(), KeyModTime: targets.ModTime.Add(-time.Hour)},
		}, []string{"warning backup-age bbbbbbb"}},
		{"backups older than the newest key", []vault.BackupRecord{
			{KeyID: root.ID, Where: "drive A", Drive: "drive A", VerifiedAt: twoDaysAgo}, {KeyID: root.ID, Where: "drive B", Drive: "drive B", VerifiedAt: twoDaysAgo},
			{KeyID: targets.ID, Where: "drive A", Drive: "drive A", VerifiedAt: twoDaysAgo}, {KeyID: targets.ID, Where: "drive B", Drive: "drive B", VerifiedAt: yesterday.Add(-time.Hour)},
		}, []string{"warning backup-age bbbbbbb"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := Diagnose(Input{Now: vaulttest.Now(), Keys: []vault.Key{root, targets}, Backups: tc.records})
			var got []string
			for _, f := range fs {
				if f.Check == CheckBackup || f.Check == CheckBackupAge {
					got = append(got, f.Severity.String()+" "+f.Check+" "+vault.ShortID(f.KeyID))
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHealthSharedRootMany: five repositories on one root key is a warning.
func TestHealthSharedRootMany(t *testing.T) {
	root := strings.Repeat("c", 64)
	var repos []vault.Repository
	for _, gun := range []string{"a/1", "a/2", "a/3", "a/4", "a/5"} {
		repos = append(repos, vault.Repository{GUN: gun, Roles: []vault.RoleInfo{{Name: "root", Kind: keyrole.Root, Keys: []vault.RoleKey{{ID: root, Location: vault.LocationMissing}}}}})
	}
	var shared []Finding
	for _, f := range Diagnose(Input{Now: vaulttest.Now(), Repos: repos}) {
		if f.Check == CheckSharedRoot {
			shared = append(shared, f)
		}
	}
	if len(shared) != 1 || shared[0].Severity != SeverityWarning || !strings.Contains(shared[0].Message, "signs 5 repositories") {
		t.Errorf("shared-root findings:%s", describe(shared))
	}
}

// TestHealthOrder: most urgent first, and the same every time.
func TestHealthOrder(t *testing.T) {
	fs := []Finding{
		{Check: CheckOrphanKey, Severity: SeverityInfo, KeyID: "1"},
		{Check: CheckBackup, Severity: SeverityWarning, KeyID: "2"},
		{Check: CheckExpiry, Severity: SeverityWarning, GUN: "b"},
		{Check: CheckExpiry, Severity: SeverityWarning, GUN: "a"},
		{Check: CheckMissingKey, Severity: SeverityProblem, KeyID: "3"},
	}
	Sort(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Check+f.GUN+f.KeyID)
	}
	want := []string{"missing-key3", "expirya", "expiryb", "backup2", "orphan-key1"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
	if w, ok := Worst(fs); !ok || w != SeverityProblem {
		t.Errorf("Worst = %v %v", w, ok)
	}
	if _, ok := Worst(nil); ok {
		t.Error("Worst(nil) reports a severity")
	}
}
