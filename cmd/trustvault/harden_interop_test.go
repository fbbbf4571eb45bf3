package main

import (
	"path/filepath"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// After harden, every key of a store written the way notary writes
// (2048 iterations) and in the legacy layout (legacy PEM encryption) has the
// hardened count, and `notary key passwd` still opens each one.
func TestInteropNotaryOpensHardenedKeys(t *testing.T) {
	notary := tools.Notary(t)
	in := newInterop(t)
	dir := filepath.Join(t.TempDir(), "trust")
	in.trustvault(dir, nil, "--demo")
	before := in.list(dir)
	legacy := 0
	for id, k := range before {
		if k.Encryption.Scheme == "legacy-pem" {
			legacy++
		} else if k.Encryption.Iterations != vault.CompatIterations {
			t.Fatalf("demo key %s: %+v, want notary's %d iterations", vault.ShortID(id), k.Encryption, vault.CompatIterations)
		}
	}
	if legacy == 0 {
		t.Fatal("the demo vault has no legacy-PEM key")
	}

	pass := demo.Passphrase
	env := []string{
		"NOTARY_ROOT_PASSPHRASE=" + pass,
		"NOTARY_TARGETS_PASSPHRASE=" + pass,
		"NOTARY_SNAPSHOT_PASSPHRASE=" + pass,
		"NOTARY_DELEGATION_PASSPHRASE=" + pass,
		"DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE=" + pass,
	}
	in.trustvault(dir, env, "harden")

	after := in.list(dir)
	if len(after) != len(before) {
		t.Fatalf("harden changed the number of keys: %d, then %d", len(before), len(after))
	}
	for id, k := range after {
		if k.Encryption.Scheme != "pbes2" || k.Encryption.Iterations != vault.HardenedIterations {
			t.Errorf("key %s after harden: %+v", vault.ShortID(id), k.Encryption)
		}
		if b := before[id]; k.Role != b.Role || k.GUN != b.GUN {
			t.Errorf("key %s: role %q gun %q, was %q %q", vault.ShortID(id), k.Role, k.GUN, b.Role, b.GUN)
		}
	}
	// notary decrypts each hardened file (key passwd re-encrypts it under
	// the same passphrase), on a copy: opening the directory migrates the
	// legacy layout.
	cp := filepath.Join(t.TempDir(), "trust")
	copyDir(t, dir, cp)
	for id := range after {
		in.run(env, notary, "-d", cp, "key", "passwd", id)
	}
	if theirs := in.notaryList(notary, cp); len(theirs) != len(after) {
		t.Errorf("notary lists %d keys after key passwd, want %d", len(theirs), len(after))
	}
}
