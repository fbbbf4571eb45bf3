package remote_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// passStore is a real password store for docker-credential-pass: its own
// GNUPGHOME with a key made for the test (no passphrase) and its own
// PASSWORD_STORE_DIR. env is the environment its helpers run with.
type passStore struct {
	env    []string
	helper string
}

func newPassStore(t *testing.T) *passStore {
	t.Helper()
	helper := tools.Find(t, "docker-credential-pass", "Debian package golang-docker-credential-helpers; .ci/setup test installs it")
	tools.Find(t, "pass", "Debian package pass")
	gpg := tools.Find(t, "gpg", "Debian package gnupg")
	// gpg's socket path must be short: a directory under /tmp.
	home, err := os.MkdirTemp("", "tv-gpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
		os.RemoveAll(home)
	})
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	ps := &passStore{helper: helper}
	ps.env = append(os.Environ(), "GNUPGHOME="+home, "PASSWORD_STORE_DIR="+filepath.Join(home, "store"))
	ps.run(t, "", gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
		"--quick-gen-key", "trustvault test <test@registry.test>", "default", "default", "never")
	ps.run(t, "", "pass", "init", "test@registry.test")
	return ps
}

func (ps *passStore) run(t *testing.T, stdin string, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = ps.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(argv, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// store keeps credentials for server in the helper, as `docker login`
// does with "credsStore": "pass".
func (ps *passStore) store(t *testing.T, server, user, secret string) {
	t.Helper()
	ps.run(t, `{"ServerURL":"`+server+`","Username":"`+user+`","Secret":"`+secret+`"}`, ps.helper, "store")
}

// TestPullCredentialsFromPassHelper: registry credentials kept by the real
// docker-credential-pass (config.json "credsStore": "pass", and the same
// helper named in "credHelpers") reach the real notary-server's token
// flow; a helper that has no entry for the registry leaves the pull
// without credentials, refused, and no secret in the error.
func TestPullCredentialsFromPassHelper(t *testing.T) {
	ps := newPassStore(t)
	rig := remotetest.Start(t, remotetest.Options{Auth: remotetest.TokenAuth})
	n := rig.NewNotary(t)
	n.Login(remotetest.DefaultUser.Name, remotetest.DefaultUser.Password)
	n.Init(gun)
	n.AddTag(gun, "v1", []byte("one"))

	host := remote.RegistryHost(gun)
	configDir := func(cfg string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	pull := func(t *testing.T, dockerDir string) error {
		o := options(rig, t.TempDir())
		o.DockerConfig, o.HelperEnv = dockerDir, ps.env
		u, err := remote.Pull(context.Background(), o)
		if err == nil {
			if _, ok := u.Repo.Lookup("v1"); !ok {
				t.Error("v1 not found after the pull")
			}
		}
		return err
	}

	t.Run("no entry yet", func(t *testing.T) {
		err := pull(t, configDir(`{"credsStore":"pass"}`))
		if !errors.Is(err, remote.ErrUnauthorized) {
			t.Errorf("a helper without an entry: %v, want ErrUnauthorized", err)
		}
	})
	ps.store(t, host, remotetest.DefaultUser.Name, remotetest.DefaultUser.Password)
	for name, cfg := range map[string]string{
		"credsStore":  `{"credsStore":"pass"}`,
		"credHelpers": `{"credHelpers":{"` + host + `":"pass"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			before := len(rig.Issuer.Requests())
			if err := pull(t, configDir(cfg)); err != nil {
				t.Fatalf("pull with credentials from docker-credential-pass: %v", err)
			}
			issued := false
			for _, r := range rig.Issuer.Requests()[before:] {
				if r.User == remotetest.DefaultUser.Name && r.Status == 200 {
					issued = true
				}
			}
			if !issued {
				t.Errorf("no token was issued to %s through the helper's credentials", remotetest.DefaultUser.Name)
			}
		})
	}
	t.Run("wrong secret in the helper", func(t *testing.T) {
		ps.store(t, host, remotetest.DefaultUser.Name, "S3cret-Wr0ng-pw")
		err := pull(t, configDir(`{"credsStore":"pass"}`))
		if !errors.Is(err, remote.ErrUnauthorized) || strings.Contains(err.Error(), "S3cret") {
			t.Errorf("got %v, want ErrUnauthorized without the secret in it", err)
		}
	})
}
