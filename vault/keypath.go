package vault

import (
	"fmt"
	"path/filepath"
	"strings"
)

// KeyPath is where the store keeps the key file of id in notary's flat
// layout: <trust dir>/private/<id>.key.
func (s *Store) KeyPath(id string) string {
	return KeyFileIn(s.PrivateDir(), id)
}

// KeyFileIn is the key file of id in the private directory dir, in notary's
// flat layout: dir/<id>.key. It and the helpers below are the one place
// that spells the layouts of private/.
func KeyFileIn(dir, id string) string {
	return filepath.Join(dir, keyFileName(id))
}

// LegacyKeyPath is where notary before 0.4 kept a key of a repository:
// <trust dir>/private/tuf_keys/<gun>/<id>_<role>.key.
func LegacyKeyPath(trustDir, gun, id, role string) string {
	return filepath.Join(trustDir, privateDir, legacyTUFDir, filepath.FromSlash(gun), id+"_"+role+keyExt)
}

// keyFileName is the name of id's key file in the flat layout.
func keyFileName(id string) string { return id + keyExt }

// keyEntry is the slash-separated name, relative to the trust directory,
// of the key file at rel below private/ (an archive entry).
func keyEntry(rel string) string { return privateDir + "/" + filepath.ToSlash(rel) }

// keyEntryRel is an entry's path below private/ (for placeKey).
func keyEntryRel(entry string) string { return strings.TrimPrefix(entry, privateDir+"/") }

// IsKeyEntry reports whether name, a slash-separated path relative to the
// trust directory (an archive entry, a restored file), is a key file below
// private/ in any of the layouts.
func IsKeyEntry(name string) bool {
	return strings.HasPrefix(name, privateDir+"/") && strings.HasSuffix(name, keyExt)
}

// CheckKeyIDPrefix says whether s can name a key: a full key ID or a prefix
// of at least 7 hex digits (any case, surrounding space ignored), as Key
// takes it. The error says what to give instead.
func CheckKeyIDPrefix(s string) error {
	id := strings.ToLower(strings.TrimSpace(s))
	if len(id) < 7 || len(id) > 64 || !isHexString(id) {
		return fmt.Errorf("%q is not a key ID: give the full 64-digit ID or at least its first 7 digits", s)
	}
	return nil
}
