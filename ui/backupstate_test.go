package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// writeRecords writes backup records into the store's trust directory, as
// a backup run leaves them.
func writeRecords(t *testing.T, s *vault.Store, r vault.Records) {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(s.Dir(), "trustvault")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "backups.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// lineWith is the first line of a screen that contains s.
func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestBackupState crafts backup records in a demo vault: the shared root
// key and the other key of docker.io/acme/tools on two drives, one key of
// registry.example.com/acme/api on one drive, one backed up before it
// changed, one not at all; the key without a repository backed up before
// it changed. Each page shows what the records say.
func TestBackupState(t *testing.T) {
	info, s := vaulttest.Demo(t)
	before := readSnapshot(s, vaulttest.Now())
	local := func(gun string) []*vault.Key {
		t.Helper()
		row := before.row(gun, gun == "")
		if row == nil {
			t.Fatalf("no row %q", gun)
		}
		var ks []*vault.Key
		for _, id := range row.ids {
			if f := before.files[id]; f != nil && f.Err == nil {
				ks = append(ks, f)
			}
		}
		return ks
	}
	root := before.files[info.RootKeys[0]]
	tools, api, orphan := local("docker.io/acme/tools"), local("registry.example.com/acme/api"), local("")
	if len(tools) != 2 || tools[0] != root || len(api) != 4 || api[0] != root || len(orphan) != 1 {
		t.Fatalf("the demo changed: tools has %d keys here, api %d, the orphan row %d", len(tools), len(api), len(orphan))
	}
	one, older, none := api[1], api[2], api[3]

	rk := func(k *vault.Key, modified time.Time) vault.RecordKey {
		return vault.RecordKey{ID: k.ID, Role: k.Role, GUN: k.GUN, Modified: modified}
	}
	at := vaulttest.Now().Add(-2 * time.Hour)
	copyA := vault.RecordCopy{Identity: "usb:devices/pci0000:00/0000:00:14.0/usb1/1-1", Device: "SanDisk Cruzer Blade, serial 4C53, usb 1-1",
		Label: "KEYS-A", Mount: "/media/alice/KEYS-A", VerifiedAt: at}
	copyB := vault.RecordCopy{Identity: "usb:devices/pci0000:00/0000:00:14.0/usb1/1-2", Device: "Kingston DataTraveler, serial 77, usb 1-2",
		Label: "KEYS-B", Mount: "/media/alice/KEYS-B", VerifiedAt: at.Add(time.Minute)}
	writeRecords(t, s, vault.Records{Version: 1, Backups: []vault.BackupRun{
		{Archive: "keys-backup-1.tar.gz", Created: at, Copies: []vault.RecordCopy{copyA, copyB}, Keys: []vault.RecordKey{
			rk(root, root.ModTime), rk(tools[1], tools[1].ModTime),
			rk(older, older.ModTime.Add(-time.Hour)), rk(orphan[0], orphan[0].ModTime.Add(-time.Hour)),
		}},
		{Archive: "keys-backup-2.tar.gz", Created: at.Add(time.Hour), Keys: []vault.RecordKey{rk(one, one.ModTime)},
			Copies: []vault.RecordCopy{{Identity: copyA.Identity, Device: copyA.Device, Label: copyA.Label, VerifiedAt: at.Add(time.Hour)}}},
	}})
	snap := readSnapshot(s, vaulttest.Now())

	t.Run("states", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			k    *vault.Key
			want health.BackupState
		}{
			{"shared root", root, health.BackupTwo},
			{"tools' other key", tools[1], health.BackupTwo},
			{"api, one drive", one, health.BackupOne},
			{"api, backed up before it changed", older, health.BackupOlder},
			{"api, never backed up", none, health.BackupNone},
			{"without a repository, backed up before it changed", orphan[0], health.BackupOlder},
		} {
			if got, ok := snap.keyBackup(tc.k.ID); !ok || got.State != tc.want {
				t.Errorf("%s (%s): %v (%v), want %v", tc.name, tc.k.ShortID(), got.State, ok, tc.want)
			}
		}
		for gun, want := range map[string]string{"docker.io/acme/tools": "2/2 ✓", "registry.example.com/acme/api": "1 of 4 keys", "": "0 of 1, older"} {
			if got := snap.row(gun, gun == "").backup; got != want {
				t.Errorf("row %q sums up %q, want %q", gun, got, want)
			}
		}
	})

	t.Run("repositories", func(t *testing.T) {
		m := newTestModel(t, s, snap, 160, 48)
		sc := screen(m)
		if !strings.Contains(lineWith(sc, "REPOSITORY"), "BACKUP") {
			t.Fatalf("no BACKUP column at 160 columns:\n%s", sc)
		}
		for title, want := range map[string]string{"docker.io/acme/tools": "2/2 ✓", "registry.example.com/acme/api": "1 of 4 keys", orphanTitle: "0 of 1, older"} {
			if l := lineWith(sc, title); !strings.Contains(l, want) {
				t.Errorf("row %q: %q, want it to say %q", title, l, want)
			}
		}
		// Narrow terminals drop the column before the others.
		m = newTestModel(t, s, snap, 40, 10)
		if sc := screen(m); strings.Contains(sc, "BACKUP") || strings.Contains(sc, "2/2") {
			t.Errorf("the BACKUP column at 40 columns:\n%s", sc)
		}
	})

	t.Run("repository", func(t *testing.T) {
		for _, size := range [][2]int{{160, 48}, {40, 30}} {
			m := newTestModel(t, s, snap, size[0], size[1])
			deliver(m, repoSelectedMsg{gun: "registry.example.com/acme/api"})
			sc := screen(m)
			for k, want := range map[*vault.Key]string{root: "2 backups ✓", one: "1 backup", older: "backup older", none: "no backup"} {
				if l := lineWith(sc, k.ShortID()); !strings.Contains(l, want) {
					t.Errorf("%dx%d: key %s: %q, want it to say %q", size[0], size[1], k.ShortID(), l, want)
				}
			}
		}
	})

	t.Run("key", func(t *testing.T) {
		for _, tc := range []struct {
			k    *vault.Key
			want []string
		}{
			{root, []string{
				"State       two verified: copies of this version on 2 drives",
				"Drive       KEYS-B (Kingston DataTraveler, serial 77, usb 1-2) · verified 2026-11-21 10:01 UTC",
				"Drive       KEYS-A (SanDisk Cruzer Blade, serial 4C53, usb 1-1) · verified 2026-11-21 10:00 UTC",
			}},
			{one, []string{"State       one verified", "Drive       KEYS-A (SanDisk Cruzer Blade, serial 4C53, usb 1-1) · verified 2026-11-21 11:00 UTC"}},
			{older, []string{"State       older than the key", "KEYS-A (SanDisk Cruzer Blade, serial 4C53, usb 1-1) · verified 2026-11-21 10:00 UTC · an older version of the key"}},
			{none, []string{"State       none: no verified copy anywhere; press b"}},
		} {
			m := newTestModel(t, s, snap, 160, 48)
			deliver(m, keySelectedMsg{ref: keyRef{id: tc.k.ID, location: vault.LocationFile}})
			sc := screen(m)
			for _, want := range tc.want {
				if !strings.Contains(sc, want) {
					t.Errorf("key %s: the page does not say %q:\n%s", tc.k.ShortID(), want, sc)
				}
			}
		}
	})

	t.Run("b on the key page", func(t *testing.T) {
		m := newTestModel(t, s, snap, 80, 24)
		deliver(m, keySelectedMsg{ref: keyRef{id: none.ID, location: vault.LocationFile}})
		_, cmd := m.Update(keyPress("b"))
		var opened *pageOpenedMsg
		for _, msg := range run(cmd) {
			if o, ok := msg.(pageOpenedMsg); ok {
				opened = &o
			}
		}
		if opened == nil {
			t.Fatal("b opened no page")
		}
		if _, ok := opened.p.(*backupPage); !ok {
			t.Fatalf("b opened %T, want the backup page", opened.p)
		}
		// The drives are not listed: this machine's are no business of
		// the test.
		m.Update(pageOpenedMsg{p: opened.p})
		if got := activeTitle(m); got != "Back up to two drives" {
			t.Errorf("page %q after b", got)
		}
	})

	t.Run("unreadable records", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(s.Dir(), "trustvault", "backups.json"), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		snap := readSnapshot(s, vaulttest.Now())
		if got := snap.row("docker.io/acme/tools", false).backup; got != "unknown" {
			t.Errorf("row sums up %q, want unknown", got)
		}
		m := newTestModel(t, s, snap, 160, 48)
		deliver(m, keySelectedMsg{ref: keyRef{id: root.ID, location: vault.LocationFile}})
		if sc := screen(m); !strings.Contains(sc, "unknown: the backup records could not be read") {
			t.Errorf("the key page does not say the records are unreadable:\n%s", sc)
		}
	})
}
