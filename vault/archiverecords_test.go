package vault_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// TestArchiveRecords: an archive written and recorded is found for each
// of its repositories and not for others; Check notices the file moved or
// changed; a damaged records file is an error that names it.
func TestArchiveRecords(t *testing.T) {
	s, err := vault.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.LastArchiveOf("registry.test/team/app"); ok || err != nil {
		t.Fatalf("no records yet: %v %v", ok, err)
	}
	path := filepath.Join(t.TempDir(), "trust.tar.gz")
	ta, err := vault.WriteTrustArchive(path, sampleBundles(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	if err := s.RecordArchive(ta, now); err != nil {
		t.Fatal(err)
	}
	rec, ok, err := s.LastArchiveOf("registry.test/team/app")
	if err != nil || !ok {
		t.Fatalf("recorded archive not found: %v %v", ok, err)
	}
	if rec.Path != path || rec.SHA256 != ta.SHA256 || !rec.Created.Equal(now) || rec.Repositories[0].TimestampVersion != 7 {
		t.Errorf("record %+v", rec)
	}
	if _, ok, _ := s.LastArchiveOf("registry.test/none"); ok {
		t.Error("a repository the archive does not hold is found")
	}
	if err := rec.Check(); err != nil {
		t.Errorf("untouched archive: %v", err)
	}
	if err := os.WriteFile(path, []byte("other bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := rec.Check(); err == nil || !strings.Contains(err.Error(), "has changed") {
		t.Errorf("changed archive: %v", err)
	}
	os.Remove(path)
	if err := rec.Check(); err == nil || !strings.Contains(err.Error(), "no longer there") {
		t.Errorf("removed archive: %v", err)
	}
	recsFile := filepath.Join(s.Dir(), "trustvault", "archives.json")
	if st, err := os.Stat(recsFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("records file: %v %v", err, st)
	}
	if err := os.WriteFile(recsFile, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ArchiveRecords(); err == nil || !strings.Contains(err.Error(), recsFile) {
		t.Errorf("damaged records: %v", err)
	}
}
