package remotetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// Docker runs the real docker CLI's `docker trust` against the rig. It
// needs no daemon. Its DOCKER_CONFIG is a directory of its own, holding
// the rig's CA where docker looks for a trust server's CA:
// $DOCKER_CONFIG/tls/<host:port of DOCKER_CONTENT_TRUST_SERVER>/ca.crt
// (every *.crt there is a root). Its trust cache is $DOCKER_CONFIG/trust.
type Docker struct {
	rig    *Rig
	t      testing.TB
	Binary string
	Config string // DOCKER_CONFIG
}

// FindDocker is a docker CLI that has `docker trust`: the one on PATH, else
// Debian's /usr/bin/docker (docker 29 moved trust to a plugin).
func FindDocker() (string, error) {
	var cands []string
	if p, err := exec.LookPath("docker"); err == nil {
		cands = append(cands, p)
	}
	cands = append(cands, "/usr/bin/docker")
	for _, c := range cands {
		if err := exec.Command(c, "trust", "inspect", "--help").Run(); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no docker CLI with `docker trust` (tried %s); run .ci/setup test",
		strings.Join(cands, ", "))
}

// NewDocker is a docker CLI set up for the rig. It skips the test when no
// docker CLI with `docker trust` is installed (fails under
// TRUSTVAULT_REQUIRE_INTEROP=1).
func (r *Rig) NewDocker(t testing.TB) *Docker {
	t.Helper()
	bin, err := FindDocker()
	if err != nil {
		if tools.Required() {
			t.Fatalf("%v (%s=1 makes this a failure)", err, RequireEnv)
		}
		t.Skip(err)
	}
	cfg := filepath.Join(t.TempDir(), "docker")
	tlsDir := filepath.Join(cfg, "tls", r.Host)
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(r.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tlsDir, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &Docker{rig: r, t: t, Binary: bin, Config: cfg}
}

// Login writes registry credentials for the registry host of image
// names (the part before the first slash of a GUN) into config.json, as
// `docker login` does without a credential helper.
func (d *Docker) Login(registry, user, password string) {
	d.t.Helper()
	cfg := map[string]any{"auths": map[string]any{registry: map[string]string{
		"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password)),
	}}}
	data, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.Config, "config.json"), data, 0o600); err != nil {
		d.t.Fatal(err)
	}
}

// Try runs the docker CLI with DOCKER_CONFIG and
// DOCKER_CONTENT_TRUST_SERVER set, and returns stdout and stderr apart.
func (d *Docker) Try(args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.Binary, args...)
	cmd.Env = cleanEnv([]string{
		"DOCKER_CONFIG=" + d.Config,
		"DOCKER_CONTENT_TRUST_SERVER=" + d.rig.URL,
		"HOME=" + filepath.Dir(d.Config),
	})
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("docker %s: timed out after %s", strings.Join(args, " "), commandTimeout)
	}
	return o.String(), e.String(), err
}

// TrustInspect runs `docker trust inspect IMAGE...` and returns its JSON.
func (d *Docker) TrustInspect(images ...string) []TrustInspect {
	d.t.Helper()
	out, errOut, err := d.Try(append([]string{"trust", "inspect"}, images...)...)
	if err != nil {
		d.t.Fatalf("docker trust inspect %s: %v\n%s%s", strings.Join(images, " "), err, out, errOut)
	}
	var v []TrustInspect
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		d.t.Fatalf("docker trust inspect: %v\n%s", err, out)
	}
	return v
}

// TrustInspect is one element of `docker trust inspect`'s JSON array.
type TrustInspect struct {
	Name               string
	SignedTags         []SignedTag
	Signers            []Signer
	AdministrativeKeys []Signer
}

// SignedTag is a tag, its digest (hex sha256) and the signer names.
type SignedTag struct {
	SignedTag string
	Digest    string
	Signers   []string
}

// Signer is a named set of keys.
type Signer struct {
	Name string
	Keys []struct{ ID string }
}
