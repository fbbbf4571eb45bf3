package publish

import (
	"errors"
	"strings"
	"testing"
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
		{"refused", &PublishError{GUN: "r/a", Roles: []string{"root", "targets"}, Err: cause},
			[]string{"nothing was published (root, targets", "boom", "key store too"}},
		{"before", &PublishError{GUN: "r/a", Err: cause}, []string{"r/a: nothing was published: boom"}},
		{"uncertain", &PublishError{GUN: "r/a", Roles: []string{"targets"}, Uncertain: true, Kept: []string{"new key file /k"}, Err: cause},
			[]string{"may or may not", "pull r/a", "kept: new key file /k"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := c.e.Error()
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
