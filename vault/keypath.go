package vault

import (
	"fmt"
	"path/filepath"
	"strings"
)

// KeyPath is where the store keeps the key file of id in notary's flat
// layout: <trust dir>/private/<id>.key. It is the one place outside the
// store's own reading that spells the layout.
func (s *Store) KeyPath(id string) string {
	return filepath.Join(s.PrivateDir(), id+keyExt)
}

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
