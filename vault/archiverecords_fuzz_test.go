package vault_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
)

// FuzzArchiveRecords feeds <trust dir>/trustvault/archives.json to the
// store: ArchiveRecords either fails, naming the file, or reads it; a
// record found for a repository holds it; and recording one more archive
// over what was read keeps every record that was there. Seeded from a
// real archive's record.
func FuzzArchiveRecords(f *testing.F) {
	s, err := vault.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	ta, err := vault.WriteTrustArchive(filepath.Join(f.TempDir(), "t.tar.gz"), sampleBundles(), time.Now())
	if err != nil {
		f.Fatal(err)
	}
	if err := s.RecordArchive(ta, time.Now()); err != nil {
		f.Fatal(err)
	}
	file := filepath.Join(s.Dir(), "trustvault", "archives.json")
	real, err := os.ReadFile(file)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{string(real), ``, `{}`, `null`, `[1]`, `{"version":1,"archives":null}`,
		`{"version":1,"archives":[{"path":"/x","repositories":[{"gun":"a/b"},{"gun":"a/b"}]}]}`,
		`{"version":1,"archives":[{"created":"2026-13-01T00:00:00Z"}]}`, `{"archives":[{"size":1e400}]}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		recs, err := s.ArchiveRecords()
		if err != nil {
			if !strings.Contains(err.Error(), file) {
				t.Fatalf("error does not name %s: %v", file, err)
			}
			return
		}
		for _, r := range recs {
			for _, ar := range r.Repositories {
				got, ok, err := s.LastArchiveOf(ar.GUN)
				if err != nil || !ok || !got.Holds(ar.GUN) {
					t.Fatalf("LastArchiveOf(%q) = %+v, %v, %v", ar.GUN, got, ok, err)
				}
			}
		}
		if err := s.RecordArchive(ta, time.Now()); err != nil {
			t.Fatal(err)
		}
		after, err := s.ArchiveRecords()
		if err != nil {
			t.Fatal(err)
		}
		want := min(len(recs)+1, 200)
		if len(after) != want || after[len(after)-1].SHA256 != ta.SHA256 {
			t.Fatalf("%d records before, %d after recording one more (want %d)", len(recs), len(after), want)
		}
	})
}
