package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// The benchmarks use a store of 10,000 keys: 2,800 repositories, each with
// a targets key, half of them a local snapshot key, a server-held
// timestamp key and two delegations (one key here, one missing), ten root
// keys shared between them, and 2,990 keys no metadata names.
const (
	benchRepos   = 2800
	benchRoots   = 10
	benchOrphans = 2990
)

func benchID(kind string, i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s-%d", kind, i))
	return hex.EncodeToString(sum[:])
}

// bigSnapshot builds the 10,000-key store's snapshot in memory: what
// loadVaultCmd hands the UI, without the disk.
func bigSnapshot() *snapshot {
	now := vaulttest.Now()
	enc := vault.Encryption{Scheme: vault.SchemePBES2, PRF: "hmacWithSHA1", Iterations: vault.CompatIterations, Cipher: "aes256-cbc"}
	var keys []vault.Key
	file := func(id, role, gun string) vault.Key {
		k := vault.Key{ID: id, Role: role, GUN: gun, Path: "/home/bench/.docker/trust/private/" + id + ".key",
			Location: vault.LocationFile, Encryption: enc, Mode: 0o600, Size: 420, ModTime: now}
		keys = append(keys, k)
		return k
	}
	for i := range benchRoots {
		file(benchID("root", i), "root", "")
	}
	repos := make([]vault.Repository, benchRepos)
	for i := range repos {
		gun := fmt.Sprintf("registry.example.com/team-%03d/service-%04d", i%97, i)
		rk := func(id string, loc vault.Location) []vault.RoleKey {
			return []vault.RoleKey{{TUFID: id, ID: id, KeyType: "ecdsa", Location: loc}}
		}
		targets := file(benchID("targets", i), "targets", gun)
		snapLoc := vault.LocationServer
		snapID := benchID("snapshot", i)
		if i%2 == 0 {
			file(snapID, "snapshot", gun)
			snapLoc = vault.LocationFile
		}
		signer := file(benchID("signer", i), "targets/releases", "")
		exp := func(d int) time.Time { return now.Add(time.Duration(d) * 24 * time.Hour) }
		repos[i] = vault.Repository{GUN: gun, Dir: "/home/bench/.docker/trust/tuf/" + gun, Roles: []vault.RoleInfo{
			{Name: "root", Kind: keyrole.Root, Threshold: 1, Expires: exp(3650 + i%365), Version: 1, HasMetadata: true, Keys: rk(benchID("root", i%benchRoots), vault.LocationFile)},
			{Name: "targets", Kind: keyrole.Targets, Threshold: 1, Expires: exp(10 + i%1000), Version: 4, HasMetadata: true, Keys: rk(targets.ID, vault.LocationFile)},
			{Name: "snapshot", Kind: keyrole.Snapshot, Threshold: 1, Expires: exp(1000), Version: 4, HasMetadata: true, Keys: rk(snapID, snapLoc)},
			{Name: "timestamp", Kind: keyrole.Timestamp, Threshold: 1, Expires: exp(14), Version: 90, HasMetadata: true, Keys: rk(benchID("timestamp", i), vault.LocationServer)},
			{Name: "targets/ci", Kind: keyrole.Delegation, Threshold: 1, Keys: rk(benchID("ci", i), vault.LocationMissing)},
			{Name: "targets/releases", Kind: keyrole.Delegation, Threshold: 1, Expires: exp(900), Version: 2, HasMetadata: true, Keys: rk(signer.ID, vault.LocationFile)},
		}}
	}
	for i := range benchOrphans {
		file(benchID("orphan", i), "targets/old-signer", "")
	}
	s := newSnapshot("/home/bench/.docker/trust", now, false, keys, repos, nil, nil)
	s.setHealth(nil) // checked, nothing found: the pages as they are once loaded
	return s
}

var (
	bigOnce sync.Once
	bigSnap *snapshot
)

func sharedBigSnapshot(b *testing.B) *snapshot {
	b.Helper()
	bigOnce.Do(func() { bigSnap = bigSnapshot() })
	if n := len(bigSnap.keys); n < 10_000 {
		b.Fatalf("%d keys, want 10,000", n)
	}
	return bigSnap
}

// benchModel is a model at 160x48 with the 10,000-key store loaded.
func benchModel(b *testing.B, w, h int) *Model {
	b.Helper()
	snap := sharedBigSnapshot(b)
	m := newModel(context.Background(), Options{Store: &vault.Store{}, Now: vaulttest.Now})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(vaultLoadedMsg{snap: snap})
	return m
}

// keystrokes measures Update and View for each key, alternating keys so
// that every press changes the screen.
func keystrokes(b *testing.B, m *Model, keys ...tea.KeyPressMsg) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.Update(keys[i%len(keys)])
		_ = m.View()
	}
}

// BenchmarkKeystroke is one key press (Update) and the frame it draws
// (View), on the 10,000-key store. Goal: at most 2 ms.
func BenchmarkKeystroke(b *testing.B) {
	down, up := keyPress("j"), keyPress("k")
	b.Run("repositories/80x24", func(b *testing.B) {
		m := benchModel(b, 80, 24)
		press(m, "G") // the bottom of 2,801 rows
		keystrokes(b, m, up, down)
	})
	b.Run("repositories/160x48", func(b *testing.B) {
		m := benchModel(b, 160, 48)
		keystrokes(b, m, down, down, down, up, up, up)
	})
	b.Run("filter-typing/160x48", func(b *testing.B) {
		m := benchModel(b, 160, 48)
		press(m, "/", "s", "e", "r", "v")
		keystrokes(b, m, keyPress("1"), keyPress("backspace"))
	})
	b.Run("keys-without-repository/160x48", func(b *testing.B) {
		m := benchModel(b, 160, 48)
		press(m, "G", "enter") // 2,990 keys
		keystrokes(b, m, down, down, up, up)
	})
	b.Run("repository/160x48", func(b *testing.B) {
		m := benchModel(b, 160, 48)
		press(m, "enter")
		keystrokes(b, m, down, up)
	})
	b.Run("key/160x48", func(b *testing.B) {
		m := benchModel(b, 160, 48)
		press(m, "enter", "enter")
		keystrokes(b, m, down, up)
	})
}

// BenchmarkFirstFrame is what the person sees first: the model built, the
// window size known, the header and spinner drawn; the store is read
// behind it. Goal: at most 50 ms.
func BenchmarkFirstFrame(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m := newModel(context.Background(), Options{Store: &vault.Store{}})
		_ = m.Init()
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		_ = m.View()
	}
}

// BenchmarkLoadedFrame is the frame that shows the 10,000-key store once
// its reading arrives: the message handled and the repositories drawn.
func BenchmarkLoadedFrame(b *testing.B) {
	snap := sharedBigSnapshot(b)
	b.ReportAllocs()
	for b.Loop() {
		m := newModel(context.Background(), Options{Store: &vault.Store{}})
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
		m.Update(vaultLoadedMsg{snap: snap})
		_ = m.View()
	}
}

// BenchmarkIndex is newSnapshot on 10,000 keys: the UI's share of a load,
// done in the load command, off the event loop.
func BenchmarkIndex(b *testing.B) {
	snap := sharedBigSnapshot(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = newSnapshot(snap.dir, snap.now, false, snap.keys, snap.repos, nil, nil)
	}
}

// BenchmarkReadStore is the whole background load from disk: 10,000 key
// files listed by the engine (one real encrypted key file copied under
// 10,000 names: listing reads headers, never the key), then indexed.
func BenchmarkReadStore(b *testing.B) {
	dir := b.TempDir()
	info, err := os.ReadDir(dir)
	if err != nil || len(info) != 0 {
		b.Fatal(err)
	}
	s, err := vault.Open(dir, vault.WithIterations(1))
	if err != nil {
		b.Fatal(err)
	}
	k, err := s.Generate("targets/releases", "", "", once([]byte("benchmark")))
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(k.Path)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i < 10_000; i++ {
		if err := os.WriteFile(filepath.Join(s.PrivateDir(), benchID("disk", i)+".key"), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		snap := readSnapshot(s, vaulttest.Now())
		if snap.counts.keys != 10_000 {
			b.Fatalf("%d keys", snap.counts.keys)
		}
	}
}

// BenchmarkSetBackups is the backup states of the 10,000-key store's
// files, each backed up to two drives (20,000 records).
func BenchmarkSetBackups(b *testing.B) {
	snap := bigSnapshot() // its own: setBackups writes the rows' BACKUP column
	var records []vault.BackupRecord
	for _, k := range snap.keys {
		for _, d := range []string{"a", "b"} {
			records = append(records, vault.BackupRecord{KeyID: k.ID, Drive: d, Where: d, VerifiedAt: snap.now, KeyModTime: k.ModTime})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		snap.setBackups(records, nil)
	}
	if snap.rows[0].backup == "" || snap.rows[0].backupUrgency != urgencyOK {
		b.Fatalf("first row's backup %q", snap.rows[0].backup)
	}
}
