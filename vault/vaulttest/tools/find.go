package tools

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NotaryEnv names the variable that points at a notary CLI to use instead
// of the one in .tools/bin or on PATH.
const NotaryEnv = "TRUSTVAULT_NOTARY"

// Install hints, for Require.
const (
	notaryWhat = "the notary CLI v0.7.0 (.ci/setup test builds it into .tools/bin; or set " + NotaryEnv + ")"
	dockerWhat = "a docker CLI with `docker trust` (Debian package docker.io; .ci/setup test installs it)"
	tarWhat    = "GNU tar (Debian package tar)"
)

// ModuleRoot is the nearest directory at or above the working directory
// that holds a go.mod (go test runs in the package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = up
	}
}

// Look finds an executable: in the module's .tools/bin, where .ci/setup
// puts what it builds, else on PATH.
func Look(name string) (string, error) {
	if root, err := ModuleRoot(); err == nil {
		p := filepath.Join(root, ".tools", "bin", name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not in .tools/bin or on PATH", name)
	}
	return p, nil
}

// Find is Look that stops the test (Require) when the program is missing;
// install says how to get it ("Debian package tmux").
func Find(t testing.TB, name, install string) string {
	t.Helper()
	p, err := Look(name)
	Require(t, name+" ("+install+")", err)
	return p
}

// Notary is the notary CLI: $TRUSTVAULT_NOTARY (which must exist), else
// notary in .tools/bin or on PATH.
func Notary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(NotaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", NotaryEnv, p, err)
		}
		return p
	}
	p, err := Look("notary")
	Require(t, notaryWhat, err)
	return p
}

// LookDockerTrust finds a docker CLI that has `docker trust`: the one on
// PATH, else Debian's /usr/bin/docker (docker 29 moved trust to a plugin).
// config is the DOCKER_CONFIG the probe runs with.
func LookDockerTrust(config string) (string, error) {
	var tried []string
	if p, err := exec.LookPath("docker"); err == nil {
		tried = append(tried, p)
	}
	if len(tried) == 0 || tried[0] != "/usr/bin/docker" {
		tried = append(tried, "/usr/bin/docker")
	}
	for _, c := range tried {
		cmd := exec.Command(c, "trust", "inspect", "--help")
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+config)
		if err := cmd.Run(); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no docker CLI with `docker trust` (tried %s)", strings.Join(tried, ", "))
}

// DockerTrust is LookDockerTrust that stops the test (Require) when there
// is none.
func DockerTrust(t testing.TB) string {
	t.Helper()
	p, err := LookDockerTrust(t.TempDir())
	Require(t, dockerWhat, err)
	return p
}

// LookGNUTar finds tar on PATH and checks that it is GNU tar.
func LookGNUTar() (string, error) {
	p, err := exec.LookPath("tar")
	if err != nil {
		return "", err
	}
	v, err := exec.Command(p, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", p, err)
	}
	if !strings.Contains(string(v), "GNU tar") {
		return "", fmt.Errorf("%s is not GNU tar", p)
	}
	return p, nil
}

// GNUTar is LookGNUTar that stops the test (Require) when there is none.
func GNUTar(t testing.TB) string {
	t.Helper()
	p, err := LookGNUTar()
	Require(t, tarWhat, err)
	return p
}
