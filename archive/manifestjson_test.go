package archive

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func checkManifestJSON(t *testing.T, m *Manifest) {
	t.Helper()
	want, wantErr := json.MarshalIndent(m, "", "  ")
	got, err := manifestJSON(m)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, MarshalIndent's %v", err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("manifestJSON:\n%s\nMarshalIndent:\n%s", got, want)
	}
}

// TestManifestJSONIsMarshalIndent: the manifest written by hand is
// MarshalIndent's, byte for byte: nil and empty lists, omitted role and
// GUN, strings json escapes (quotes, control characters, HTML, non-ASCII,
// invalid UTF-8), and a time MarshalJSON refuses.
func TestManifestJSONIsMarshalIndent(t *testing.T) {
	created := time.Date(2026, 12, 2, 22, 50, 1, 0, time.UTC)
	odd := []string{"", "plain", `a"b\c`, "tab\there\n", "<script>&amp;", "ünïcode", "\xff\xfe bad", "\u2028\u2029", "\x7f"}
	for _, s := range odd {
		checkManifestJSON(t, &Manifest{Format: s, Version: s, Created: created,
			Keys:    []Key{{ID: s, Role: s, GUN: s, Entry: s}, {ID: "x", Entry: "y"}},
			Entries: []Entry{{Name: s, Size: -1, SHA256: s}, {Name: "n", Size: 1 << 40}}})
	}
	checkManifestJSON(t, &Manifest{Format: Format, Created: created})
	checkManifestJSON(t, &Manifest{Format: Format, Created: created, Keys: []Key{}, Entries: []Entry{}})
	checkManifestJSON(t, &Manifest{Format: Format, Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
}

func FuzzManifestJSON(f *testing.F) {
	f.Add("trustvault-backup/1", "v1.2.3", "0123abcd", "targets/releases", "docker.io/acme/app", "private/x.key", int64(1023), int64(0))
	f.Add("<>&", "\x00", "\u00e9", "", "", "\xc3", int64(-5), int64(253402300800))
	f.Fuzz(func(t *testing.T, format, version, id, role, gun, name string, size, unix int64) {
		checkManifestJSON(t, &Manifest{Format: format, Version: version, Created: time.Unix(unix, 0).UTC(),
			Keys:    []Key{{ID: id, Role: role, GUN: gun, Entry: name}},
			Entries: []Entry{{Name: name, Size: size, SHA256: id}}})
	})
}
