package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// The publishing commands, run as the built binary against the real
// notary-server rig, with keys in files; a fresh notary CLI reads what
// they published.

type pubCLI struct {
	t     *testing.T
	bin   string
	trust string
	env   []string
}

func newPubCLI(t *testing.T, rig *remotetest.Rig) *pubCLI {
	home := t.TempDir()
	return &pubCLI{t: t, bin: tools.Trustvault(t), trust: filepath.Join(home, "docker", "trust"),
		env: passphraseFreeEnv(
			"HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, "docker"),
			"DOCKER_CONTENT_TRUST_SERVER="+rig.URL,
			"PCSCLITE_CSOCK_NAME="+filepath.Join(home, "no-pcscd"), // no Yubikey in this test
			"NOTARY_ROOT_PASSPHRASE=pub-cli root 7Hq!xv93 lantern orbit",
			"DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE=pub-cli repo 4Kd#mz28 quartz fjord",
			"NOTARY_DELEGATION_PASSPHRASE=pub-cli signer 9Wp$ty51 harbor comet",
		)}
}

// run runs trustvault and returns its status, stdout and stderr.
func (c *pubCLI) run(args ...string) (int, string, string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, append([]string{"--trust-dir", c.trust}, args...)...)
	cmd.Env = c.env
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// ok runs trustvault, wants status 0 and the wanted strings on stdout.
func (c *pubCLI) ok(want []string, args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("trustvault %s: status %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			c.t.Errorf("trustvault %s: output lacks %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
	return out
}

func manifest(s string) (digest string, size string) {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:]), fmt.Sprint(len(s))
}

// treeSums is every file under dir with its sha256.
func treeSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "lock" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[p] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPublishCommandsAgainstNotaryServer(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	c := newPubCLI(t, rig)
	gun, gun2 := "registry.test/team/app", "registry.test/team/other"
	ca := "--tlscacert=" + rig.CAFile

	c.ok([]string{gun + ": published root, targets", "signed by root: key", "signed by targets: key", "new targets key"},
		"init", gun, ca, "--root-on-token", "no")
	d1, s1 := manifest("manifest v1")
	c.ok([]string{"published targets", "signed by targets: key"},
		"sign", gun+":v1", "--digest", "sha256:"+d1, "--size", s1, ca)

	code, alice, errs := c.run("generate", "--role", "alice", "--compat")
	if code != 0 {
		t.Fatalf("generate: %d %s", code, errs)
	}
	alice = strings.TrimSpace(alice)
	c.ok([]string{"published targets"}, "signer", "add", "alice", gun, "--key", alice, ca)
	d2, s2 := manifest("manifest v2")
	c.ok([]string{"published targets/alice, targets/releases", "signed by targets/alice: key " + alice[:7]},
		"sign", gun+":v2", "--digest", d2, "--size", s2, ca)
	// --dry-run says what the rotation publishes and who signs, and
	// changes nothing: no key made, nothing sent.
	dry := treeSums(t, c.trust)
	c.ok([]string{"(dry run, nothing sent)", "publishes targets.json v3 → v4, root.json v1 → v2", "then the server signs snapshot, timestamp",
		"uses a new targets key", "signed by targets: the new key", "signed by root: key"}, "rotate", gun, "targets", ca, "--dry-run")
	if after := treeSums(t, c.trust); len(after) != len(dry) {
		t.Errorf("rotate --dry-run changed the trust directory: %d files before, %d after", len(dry), len(after))
	}
	c.ok([]string{"published root, targets", "signed by root: key", "new targets key"}, "rotate", gun, "targets", ca)

	// A fresh notary CLI (no keys, new trust directory) sees the tags.
	n := rig.NewNotary(t)
	got := map[string]string{}
	for _, tg := range n.List(gun, "") {
		got[tg.Name] = tg.SHA256
	}
	if len(got) != 2 || got["v1"] != d1 || got["v2"] != d2 {
		t.Errorf("notary list %s: %v, want v1 %s and v2 %s", gun, got, d1, d2)
	}
	if rel := n.List(gun, "targets/releases"); len(rel) != 1 || rel[0].Name != "v2" || rel[0].SHA256 != d2 {
		t.Errorf("notary list --roles targets/releases: %+v", rel)
	}

	// Bad input is a usage error before any request.
	if code, _, errs := c.run("sign", gun+":v3", "--digest", "sha256:abc", "--size", "5", ca); code != 2 || !strings.Contains(errs, "not a sha256 digest") {
		t.Errorf("bad digest: status %d, %s", code, errs)
	}

	// delete archives first, then deletes on the server.
	c.ok([]string{gun2 + ": published root, targets"}, "init", gun2, ca, "--root-on-token", "no")
	arch := t.TempDir()
	c.ok([]string{"archived", "deleted on the server", "removed the cache"}, "delete", gun, "--remote", "--archive-dir", arch, ca)
	files, _ := filepath.Glob(filepath.Join(arch, "trust-registry.test_team_app-*.tar.gz"))
	if len(files) != 1 {
		t.Errorf("delete: archives %v", files)
	} else {
		// A trust archive: archive verify and inspect --archive read it,
		// with the tags signed above.
		c.ok([]string{gun}, "archive", "verify", files[0])
		c.ok([]string{"offline from the archive", "v1           " + d1, "v2           " + d2 + "   alice"},
			"inspect", "--archive", files[0], "--offline", gun)
	}
	if out, err := rig.NewNotary(t).Try("list", gun); err == nil {
		t.Errorf("notary list after delete: %s", out)
	}
	// The delete's archive is a trust archive, verified offline, and
	// recorded where migrate report finds it.
	if len(files) == 1 {
		c.ok([]string{"✓ " + gun, "matches " + files[0] + ".sha256"}, "archive", "verify", files[0])
		s, err := vault.Open(c.trust)
		if err != nil {
			t.Fatal(err)
		}
		if rec, ok, err := s.LastArchiveOf(gun); err != nil || !ok || rec.Path != files[0] || rec.Check() != nil {
			t.Errorf("delete's archive record: %+v %v %v", rec, ok, err)
		}
		// Its cache is gone, but migrate report still lists it: its
		// archive is what is left of it.
		c.ok([]string{gun + "\n", "cache:    none: no trust data for it is cached here any more", "only proof here of what was signed"}, "migrate", "report")
	}

	// The server down: a clear error, nothing published, nothing changed.
	before := treeSums(t, c.trust)
	rig.Stop()
	d3, s3 := manifest("manifest v3")
	code, out, errs := c.run("sign", gun2+":v3", "--digest", d3, "--size", s3, ca)
	if code != 1 || !strings.Contains(errs, "nothing was published") || !strings.Contains(errs, "unchanged") || strings.Contains(out, "published") {
		t.Errorf("server down: status %d\nstdout %s\nstderr %s", code, out, errs)
	}
	code, _, errs = c.run("rotate", gun2, "targets", ca)
	if code != 1 || !strings.Contains(errs, "nothing was published") {
		t.Errorf("rotate, server down: status %d, %s", code, errs)
	}
	if diff := sumsDiff(before, treeSums(t, c.trust)); diff != "" {
		t.Errorf("the trust directory changed while the server was down:\n%s", diff)
	}
}
