package main

import (
	"os"
	"strings"
)

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
