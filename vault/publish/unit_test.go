package publish

import (
	"errors"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/token"
)

func TestTarget(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for _, c := range []struct {
		name, digest string
		size         int64
		ok           bool
	}{
		{"hex", hex, 10, true},
		{"prefixed", "sha256:" + strings.ToUpper(hex), 10, true},
		{"short", hex[:62], 10, false},
		{"not hex", strings.Repeat("zz", 32), 10, false},
		{"sha512", "sha512:" + hex + hex, 10, false},
		{"no size", hex, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Target(c.digest, c.size)
			if (err == nil) != c.ok {
				t.Fatalf("Target(%q, %d): %v", c.digest, c.size, err)
			}
			if c.ok && (len(m.Hashes["sha256"]) != 32 || m.Length != c.size || len(m.Hashes) != 1) {
				t.Errorf("meta %+v", m)
			}
		})
	}
}

func TestPublishErrorSays(t *testing.T) {
	cause := errors.New("boom")
	for _, c := range []struct {
		name string
		e    *PublishError
		want []string
	}{
		{"refused", &PublishError{GUN: "r/a", Roles: []string{"root", "targets"}, Sent: true, Err: cause},
			[]string{"nothing was published (root, targets", "boom", "key store too"}},
		{"before", &PublishError{GUN: "r/a", Err: cause}, []string{"nothing was published: boom"}},
		// A change that failed here (a check, a passphrase) sent nothing:
		// its roles are not said to be "not sent, or refused".
		{"not sent", &PublishError{GUN: "r/a", Roles: []string{"targets", "snapshot"}, Err: cause}, []string{"nothing was published: boom;"}},
		{"uncertain", &PublishError{GUN: "r/a", Roles: []string{"targets"}, Uncertain: true, Kept: []string{"new key file /k"}, Err: cause},
			[]string{"may or may not", "pull r/a", "kept: new key file /k"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := c.e.Error()
			if strings.HasPrefix(msg, "r/a") {
				t.Errorf("%q names the repository its command already names", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
			if !errors.Is(c.e, cause) {
				t.Error("does not unwrap")
			}
		})
	}
}

func TestCheckTagAndRoleNames(t *testing.T) {
	for _, tag := range []string{"", "a/b", "a:b", "a b", strings.Repeat("x", 129)} {
		if CheckTag(tag) == nil {
			t.Errorf("tag %q accepted", tag)
		}
	}
	for _, role := range []string{"targets", "releases", "targets/../x", "targets/a b", "root"} {
		if checkDelegationName(role) == nil {
			t.Errorf("role %q accepted", role)
		}
	}
	if CheckTag("v1.2-rc") != nil || checkDelegationName("targets/releases/team") != nil {
		t.Error("good names refused")
	}
}

// The token seam: with Publisher.Tokens given (no pcscd), Serial keeps
// only that token's keys, and two tokens with different root keys and no
// Serial are an error naming both.
func TestTokenChoice(t *testing.T) {
	tk := func(serial uint32, id string) token.Key {
		return token.Key{ID: id, Role: "root", Token: vault.TokenRef{Serial: serial, Slot: token.RootSlot}}
	}
	both := []token.Key{tk(11, "aaaa"), tk(12, "bbbb")}
	for _, c := range []struct {
		name   string
		tokens []token.Key
		serial uint32
		want   string
		err    string
	}{
		{"one token", both[:1], 0, "aaaa", ""},
		{"two tokens, none chosen", both, 0, "", "several Yubikeys are plugged in (11, 12) and they hold different root keys: choose one with --serial SERIAL"},
		{"two tokens, one chosen", both, 12, "bbbb", ""},
		{"the same key on both", []token.Key{tk(11, "aaaa"), tk(12, "aaaa")}, 0, "aaaa", ""},
		{"chosen token without a root key", both, 13, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx := (&Publisher{Tokens: c.tokens, Serial: c.serial}).newTxn("g", remote.Options{})
			tks, err := tx.tokenKeys()
			if err != nil {
				t.Fatal(err)
			}
			id, err := tokenRoot(tks)
			if id != c.want || (err == nil) != (c.err == "") || err != nil && (err.Error() != c.err || !errors.Is(err, ErrSeveralTokens)) {
				t.Errorf("root %q, %v; want %q, %q", id, err, c.want, c.err)
			}
		})
	}
}
