package archive

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
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

// TestCanonicalManifestReadsWhatManifestJSONWrites: manifests as Build
// writes them take the fast path (else it speeds nothing up) and read back
// as json.Unmarshal reads them; near misses go to json.Unmarshal.
func TestCanonicalManifestReadsWhatManifestJSONWrites(t *testing.T) {
	created := time.Date(2026, 12, 2, 22, 50, 1, 0, time.UTC)
	for _, m := range []*Manifest{
		{Format: Format, Version: "v1", Created: created,
			Keys:    []Key{{ID: "ab", Role: "targets", GUN: "docker.io/a/b", Entry: "private/ab.key"}, {ID: "cd", Entry: "private/cd.key"}},
			Entries: []Entry{{Name: "private/ab.key", Size: 0, SHA256: "00"}, {Name: "tuf/x", Size: 123456789, SHA256: "ff"}}},
		{Format: Format, Created: created},
		{Format: Format, Created: created, Keys: []Key{}, Entries: []Entry{}},
	} {
		data, err := manifestJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeCanonicalManifest(data)
		if !ok {
			t.Errorf("not taken:\n%s", data)
			continue
		}
		var want Manifest
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("fast %+v, json.Unmarshal %+v", got, want)
		}
	}
	good, _ := manifestJSON(&Manifest{Format: Format, Created: created, Keys: []Key{{ID: "a", Entry: "b"}}})
	for _, bad := range []string{
		strings.Replace(string(good), `"a"`, `"\u0061"`, 1), // an escape
		strings.Replace(string(good), `"id"`, `"ID"`, 1),    // json.Unmarshal takes it; the fast path does not
		string(good) + "\n", // trailing space
		strings.Replace(string(good), `"b"`, `"b", "x": 1`, 1),
	} {
		if _, ok := decodeCanonicalManifest([]byte(bad)); ok {
			t.Errorf("taken:\n%s", bad)
		}
	}
}

// FuzzCanonicalManifest: whenever the fast path takes a manifest,
// json.Unmarshal reads the same one from it.
func FuzzCanonicalManifest(f *testing.F) {
	created := time.Date(2026, 12, 2, 22, 50, 1, 0, time.UTC)
	for _, m := range []*Manifest{
		{Format: Format, Version: "v", Created: created, Keys: []Key{{ID: "i", Role: "r", GUN: "g", Entry: "e"}}, Entries: []Entry{{Name: "n", Size: 7, SHA256: "s"}}},
		{Format: Format, Created: created, Keys: []Key{}},
	} {
		data, _ := manifestJSON(m)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeCanonicalManifest(data)
		if !ok {
			return
		}
		var want Manifest
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("taken, but json.Unmarshal fails: %v", err)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Fatalf("fast %+v, json.Unmarshal %+v", got, want)
		}
	})
}
