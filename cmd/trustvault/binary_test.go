package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildTrustvault builds the command into a temporary directory and returns
// the binary's path. Tests that kill the process or hand its files to other
// programs use the real binary rather than the test binary.
func buildTrustvault(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trustvault")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// passphraseFreeEnv is the test process's environment without any variable
// that trustvault, docker or notary would read a passphrase or a failpoint
// from, and without DOCKER_CONFIG, plus extra ("NAME=value").
func passphraseFreeEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(name, "_PASSPHRASE") || name == "TRUSTVAULT_FAILPOINT" || name == "DOCKER_CONFIG" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
