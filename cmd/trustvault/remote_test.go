package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRemoteExitStatuses: bad arguments exit 2 before anything is asked;
// failures exit 1, --digest's "cannot tell" 2; each error is one line.
func TestRemoteExitStatuses(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	notArchive := filepath.Join(t.TempDir(), "not-an-archive.tar.gz")
	if err := os.WriteFile(notArchive, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"pull"}, 2, "requires at least 1 arg"},
		{[]string{"pull", "registry.test/a b"}, 2, `has ' '`},
		{[]string{"pull", "registry.test/a:v1"}, 2, "without a tag"},
		{[]string{"pull", "registry.test/a", "--server", "ftp://x"}, 2, "is not a URL"},
		{[]string{"archive", "registry.test/a"}, 2, "-o FILE"},
		{[]string{"archive", "registry.test/a", "-o", "x.tar.gz", "--at", "2026-01-01"}, 2, "add --offline"},
		{[]string{"inspect"}, 2, "give a repository"},
		{[]string{"inspect", "--at", "2026-01-01", "registry.test/a"}, 2, "offline only"},
		{[]string{"inspect", "--offline", "--at", "yesterday", "registry.test/a"}, 2, "is not a date"},
		{[]string{"inspect", "--offline", "registry.test/a:v1", "--digest", "sha256:zz"}, 2, "not a SHA-256 digest"},
		{[]string{"inspect", "--offline", "registry.test/a", "--digest", digest}, 2, "needs a tag"},
		{[]string{"inspect", "--offline", "registry.test/a:v1", "registry.test/b:v1", "--digest", digest}, 2, "exactly one"},
		{[]string{"inspect", "--archive", "x.tar.gz", "--server", "https://x", "registry.test/a"}, 2, "do not apply"},
		{[]string{"inspect", "--offline", "registry.test/a:"}, 2, "tag after ':' is empty"},
		// Nothing cached: a failure, and "cannot tell" under --digest.
		{[]string{"inspect", "--offline", "registry.test/a"}, 1, "nothing cached"},
		{[]string{"inspect", "--offline", "registry.test/a:v1", "--digest", digest}, 2, "nothing cached"},
		{[]string{"inspect", "--archive", notArchive, "registry.test/a:v1", "--digest", digest}, 2, "not-an-archive.tar.gz"},
		{[]string{"archive", "verify", notArchive}, 1, "not-an-archive.tar.gz"},
		{[]string{"archive", "verify", filepath.Join(t.TempDir(), "none.tar.gz")}, 1, "none.tar.gz"},
		{[]string{"archive", "--offline", "registry.test/a", "-o", filepath.Join(t.TempDir(), "a.tar.gz")}, 1, "nothing cached"},
		// A server that does not answer: one line, saying what works offline.
		{[]string{"pull", "registry.test/a", "--server", "https://127.0.0.1:1"}, 1, "server unreachable"},
		{[]string{"inspect", "registry.test/a:v1", "--server", "https://127.0.0.1:1", "--digest", digest}, 2, "an archive made earlier still verifies offline"},
		// Publishing: a bad argument is a usage error found before the
		// server (which does not answer here) is asked.
		{[]string{"rotate", "registry.test/a", "bogus", "--server", "https://127.0.0.1:1"}, 2, `role "bogus"`},
		{[]string{"rotate", "../a", "targets", "--server", "https://127.0.0.1:1"}, 2, `"../a" is not a repository name`},
		{[]string{"rotate", "registry.test/a", "targets", "--key", "zz", "--server", "https://127.0.0.1:1"}, 2, `key "zz" is not a key ID`},
		{[]string{"sign", "registry.test/a:v1", "--digest", digest, "--size", "5", "--role", "targets/../x", "--server", "https://127.0.0.1:1"}, 2, `"targets/../x"`},
		{[]string{"delegation", "add", "registry.test/a", "targets/ci", "--key", notArchive, "--server", "https://127.0.0.1:1"}, 2, "holds no PEM certificate or public key"},
		{[]string{"delegation", "add", "registry.test/a", "targets/ci", "--key", "/nonexistent/ci.pem", "--server", "https://127.0.0.1:1"}, 2, "does not exist"},
		{[]string{"signer", "add", "Alice", "registry.test/a", "--key", "abcdef0", "--server", "https://127.0.0.1:1"}, 2, `signer name "Alice"`},
		{[]string{"delete", "../a", "--remote", "--server", "https://127.0.0.1:1"}, 2, "is not a repository name"},
		// A good argument reaches the server, which does not answer.
		{[]string{"rotate", "registry.test/a", "targets", "--server", "https://127.0.0.1:1"}, 1, "nothing was published"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := newTV(t).run(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want %d; stderr should have %q:\n%s%s", code, tc.code, tc.want, errOut, out)
			}
			if tc.code == 1 && strings.Count(errOut, "\n") != 1 {
				t.Errorf("want one line on stderr:\n%s", errOut)
			}
		})
	}
}

func TestParseAt(t *testing.T) {
	for in, want := range map[string]string{
		"2026-05-01":                "2026-05-01T00:00:00Z",
		"2026-05-01T12:30:00Z":      "2026-05-01T12:30:00Z",
		"2026-05-01T12:30:00+02:00": "2026-05-01T10:30:00Z",
		"2026-05-01T12:30":          "2026-05-01T12:30:00Z",
	} {
		got, err := parseAt(in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("parseAt(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "tomorrow", "2026-13-01", "01/05/2026"} {
		if _, err := parseAt(in); err == nil {
			t.Errorf("parseAt(%q) accepted", in)
		}
	}
}

func TestDockerInspectJSONEmpty(t *testing.T) {
	out, err := dockerInspectJSON(nil)
	if err != nil || string(out) != "[]\n" {
		t.Errorf("no results: %q %v (docker prints []\\n)", out, err)
	}
}
