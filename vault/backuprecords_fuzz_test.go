package vault_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// ledgerPath is where a store keeps its backup records (FORMAT: the
// trustvault directory beside the keys).
func ledgerPath(s *vault.Store) string { return filepath.Join(s.Dir(), "trustvault", "backups.json") }

// ledgerSeeds are hand-made ledgers for the corners a real backup does not
// write: re-verified copies, a key on two drives in two runs at the same
// time, a copy without a device, other time zones, and broken files.
var ledgerSeeds = []string{
	``,
	`{}`,
	`null`,
	`{"version":1,"backups":null}`,
	`{"version":1,"backups":[{"archive":"a.tar.gz","created":"2026-11-20T10:00:00Z","keys":[{"id":"aa","modified":"2026-11-19T10:00:00Z"}],"copies":[]}]}`,
	`{"version":1,"backups":[
	 {"archive":"keys-backup-1.tar.gz","sha256":"00","size":10,"created":"2026-11-20T10:00:00Z",
	  "keys":[{"id":"aa","role":"root","modified":"2026-11-19T10:00:00Z"},{"id":"bb","role":"targets","gun":"docker.io/acme/x","modified":"0001-01-01T00:00:00Z"}],
	  "copies":[{"identity":"usb:A","device":"SanDisk","label":"KEYS-A","mount":"/media/a","path":"/media/a/k.tar.gz","verified_at":"2026-11-20T10:00:01Z","reverified_at":"2026-11-25T08:00:00+01:00"},
	            {"identity":"usb:B","label":"KEYS-B","verified_at":"0001-01-01T00:00:00Z"}]},
	 {"archive":"keys-backup-2.tar.gz.age","encrypted":true,"created":"2026-11-20T11:00:00+01:00",
	  "keys":[{"id":"aa","modified":"2026-11-21T10:00:00Z"},{"id":"aa","modified":"2026-11-22T10:00:00Z"}],
	  "copies":[{"identity":"usb:A","verified_at":"2026-11-20T10:00:05Z"},{"identity":"usb:A","verified_at":"2026-11-20T09:00:00Z"}]}]}`,
	`{"version":1,"backups":[{"created":"2026-13-01T00:00:00Z"}]}`,
	`{"version":1,"backups":[{"keys":[{"id":"aa"}],"copies":[{"identity":"x","verified_at":"2026-11-20T10:00:00+23:59"}]}]}`,
	`{"version":"1"}`,
	`{"version":1,"backups":[{"size":1e400}]}`,
	`[1,2,3]`,
	"{\"version\":1,\"backups\":[{\"archive\":\"\xff\xfe\"}]}",
}

// FuzzBackupRecords feeds <trust dir>/trustvault/backups.json to the store:
// ReadRecords and BackupRecords either both fail, naming the file, or both
// read it; what was read writes back and reads again the same; and the
// flattened records are, for each key and drive, the copy of the newest
// run holding it, ordered by verification time. Seeded from the ledgers
// that real plain and encrypted backups write.
func FuzzBackupRecords(f *testing.F) {
	r := newBackupRig(f, "", "")
	for _, pass := range [][]byte{nil, []byte("fuzz-seed-passphrase")} {
		if _, err := r.backup(f, pass); err != nil {
			f.Fatal(err)
		}
		real, err := os.ReadFile(ledgerPath(r.store))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(real)
	}
	for _, s := range ledgerSeeds {
		f.Add([]byte(s))
	}
	s, err := vault.Open(filepath.Join(f.TempDir(), "trust"))
	if err != nil {
		f.Fatal(err)
	}
	path := ledgerPath(s)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		recs, err := s.ReadRecords()
		flat, ferr := s.BackupLedger().BackupRecords()
		if (err == nil) != (ferr == nil) {
			t.Fatalf("ReadRecords: %v; BackupRecords: %v", err, ferr)
		}
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		checkLedgerRoundTrip(t, recs)
		checkFlattened(t, recs, flat)
	})
}

// checkLedgerRoundTrip: what was read can be written back (as the store
// does when it adds a run) and reads back the same.
func checkLedgerRoundTrip(t *testing.T, recs *vault.Records) {
	t.Helper()
	out, err := json.Marshal(recs)
	if err != nil {
		t.Fatalf("records read from the file cannot be written back: %v", err)
	}
	var again vault.Records
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatalf("records written back do not read: %v\n%s", err, out)
	}
	out2, err := json.Marshal(&again)
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("the records change on a second round trip: %v\n%s\n%s", err, out, out2)
	}
}

// checkFlattened compares BackupRecords with the rule it documents,
// computed here another way: for each key and drive, among the (run, copy)
// pairs holding that key on that drive, the last of those whose run was
// created last.
func checkFlattened(t *testing.T, recs *vault.Records, flat []vault.BackupRecord) {
	t.Helper()
	type slot struct{ key, drive string }
	newest := map[slot]time.Time{}
	for _, b := range recs.Backups {
		for _, c := range b.Copies {
			for _, k := range b.Keys {
				sl := slot{k.ID, c.Identity}
				if at, ok := newest[sl]; !ok || b.Created.After(at) {
					newest[sl] = b.Created
				}
			}
		}
	}
	want := map[slot]vault.BackupRecord{}
	for _, b := range recs.Backups {
		for _, c := range b.Copies {
			verified := c.VerifiedAt
			if c.ReverifiedAt.After(verified) {
				verified = c.ReverifiedAt
			}
			for _, k := range b.Keys {
				sl := slot{k.ID, c.Identity}
				if b.Created.Equal(newest[sl]) {
					want[sl] = vault.BackupRecord{KeyID: k.ID, Where: c.Where(), VerifiedAt: verified,
						Drive: c.Identity, KeyModTime: k.Modified, Archive: b.Archive}
				}
			}
		}
	}
	if len(flat) != len(want) {
		t.Fatalf("%d records, want one per key and drive: %d", len(flat), len(want))
	}
	for i, got := range flat {
		w, ok := want[slot{got.KeyID, got.Drive}]
		if !ok {
			t.Fatalf("record %d (%q on %q) twice or not in the file", i, got.KeyID, got.Drive)
		}
		delete(want, slot{got.KeyID, got.Drive})
		if got.Where != w.Where || got.Archive != w.Archive || !got.VerifiedAt.Equal(w.VerifiedAt) || !got.KeyModTime.Equal(w.KeyModTime) {
			t.Fatalf("record %d is %+v, want %+v", i, got, w)
		}
		if i > 0 && got.VerifiedAt.Before(flat[i-1].VerifiedAt) {
			t.Fatalf("records %d and %d are out of verification order", i-1, i)
		}
	}
}
