package vault

import (
	"path/filepath"
	"testing"
)

// TestJoinClean: joinClean is filepath.Join for the clean paths the walk
// makes.
func TestJoinClean(t *testing.T) {
	for _, tc := range [][2]string{
		{"/a/private", "x.key"}, {"/a/private", "tuf_keys/docker.io/x/y/z.key"}, {"/", "x.key"}, {"", "x.key"}, {"rel/private", "x.key"},
	} {
		if got, want := joinClean(tc[0], tc[1]), filepath.Join(tc[0], filepath.FromSlash(tc[1])); got != want {
			t.Errorf("joinClean(%q, %q) = %q, want %q", tc[0], tc[1], got, want)
		}
	}
}
