package publish_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// TestBadArgumentsNeverReachTheServer: a bad role, signer name, key ID or
// key file is refused before any request, with an error that names it.
func TestBadArgumentsNeverReachTheServer(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p := &publish.Publisher{Store: vaulttest.NewStore(t), Remote: remote.Options{Server: srv.URL}, Tokens: []token.Key{}}
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const gun = "registry.test/team/app"
	digest := "sha256:" + strings.Repeat("ab", 32)
	cases := []struct {
		name, want string
		call       func() error
	}{
		{"rotate bogus role", `"bogus"`, func() error { _, err := p.Rotate(ctx, gun, "bogus", publish.RotateOptions{}); return err }},
		{"rotate root on the server", "snapshot and timestamp keys only", func() error {
			_, err := p.Rotate(ctx, gun, "root", publish.RotateOptions{ServerManaged: true})
			return err
		}},
		{"rotate to a key that is no ID", `"zz"`, func() error { _, err := p.Rotate(ctx, gun, "targets", publish.RotateOptions{KeyID: "zz"}); return err }},
		{"sign into a bad role", `"targets/../x"`, func() error { _, err := p.Sign(ctx, gun, "v1", digest, 5, "targets/../x"); return err }},
		{"revoke from a bad role", `"Targets"`, func() error { _, err := p.Revoke(ctx, gun, "v1", "Targets"); return err }},
		{"delegation with a missing key file", "does not exist", func() error {
			_, err := p.AddDelegation(ctx, gun, "targets/ci", publish.DelegationChange{Keys: []publish.KeySource{{File: filepath.Join(dir, "gone.pem")}}})
			return err
		}},
		{"delegation with a file that holds no key", notPEM, func() error {
			_, err := p.AddDelegation(ctx, gun, "targets/ci", publish.DelegationChange{Keys: []publish.KeySource{{File: notPEM}}})
			return err
		}},
		{"remove a key that is no ID", `"xyz"`, func() error { _, err := p.RemoveDelegation(ctx, gun, "targets/ci", []string{"xyz"}); return err }},
		{"signer with capitals", `"Alice"`, func() error {
			_, err := p.AddSigner(ctx, gun, "Alice", []publish.KeySource{{ID: "abcdef0"}})
			return err
		}},
		{"signer without keys", "no key given", func() error { _, err := p.AddSigner(ctx, gun, "alice", nil); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error naming %s", err, c.want)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server was asked %d times for arguments that could be refused here", n)
	}
}
