package vault

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyPathIsWhereStoreReadsFlatKeys(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "trust"))
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("ab", 32)
	if got, want := s.KeyPath(id), filepath.Join(s.Dir(), "private", id+".key"); got != want {
		t.Errorf("KeyPath = %s, want %s", got, want)
	}
	if k := placeKey(id + keyExt); k.ID != id || k.Layout != LayoutFlat {
		t.Errorf("the store reads %s as %+v, not flat key %s", id+keyExt, k, id)
	}
}

func TestKeyNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"private/" + strings.Repeat("ab", 32) + ".key", true},
		{"private/tuf_keys/docker.io/x/" + strings.Repeat("ab", 32) + "_targets.key", true},
		{"tuf/docker.io/x/metadata/root.json", false},
		{"private/.tmp-x.key-123", false},
		{"other/a.key", false},
	} {
		if got := IsKeyEntry(tc.name); got != tc.ok {
			t.Errorf("IsKeyEntry(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"3cc0f1a", true}, {"3CC0F1A", true}, {" 3cc0f1a ", true}, {strings.Repeat("a", 64), true},
		{"3cc", false}, {"not-an-id", false}, {strings.Repeat("a", 65), false}, {"", false},
	} {
		if err := CheckKeyIDPrefix(tc.id); (err == nil) != tc.ok {
			t.Errorf("CheckKeyIDPrefix(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}
