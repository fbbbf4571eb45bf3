package ui

import (
	"path/filepath"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
)

// TestTerminalHealth runs the built binary in tmux on a demo vault: the
// health page from the repositories, its first item to its key, the key's
// lost-key guide, and the error translator.
func TestTerminalHealth(t *testing.T) {
	requireTmux(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	// Set in the present, as the binary's clock is.
	info, err := demo.Generate(filepath.Join(t.TempDir(), "trust"), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	missing := vault.ShortID(info.Missing.ID)
	tm := startTmux(t, 110, 32, bin, "--trust-dir", info.Dir)

	tm.waitFor("repositories", "Repositories", "HEALTH", " warnings", "! health")
	tm.send("!")
	tm.waitFor("health page", "Repositories › Health", "most urgent first", "▸ ! missing-key", missing,
		"WARNING · missing-key", "Fix: if the signer still has it")

	tm.send("Enter")
	tm.waitFor("its key", "Health › key "+missing, "HEALTH", "fix: if the signer still has it", "L lost-key guide")

	tm.send("L")
	tm.waitFor("the lost-key guide", "Guide: lost delegation key "+missing, "Lost delegation key "+missing+" (targets/bob)",
		"docker trust signer remove bob "+info.Missing.GUN)
	tm.send("Space")
	tm.waitFor("guide scrolled", "docker trust signer add --key bob.pub bob "+info.Missing.GUN)

	// One at a time: escapes sent together read as alt+escape.
	tm.send("Escape")
	tm.waitFor("back to the key", "Health › key "+missing, "USED BY")
	tm.send("Escape")
	tm.waitFor("back to the health page", "most urgent first")
	tm.send("Escape")
	tm.waitFor("back to the repositories", "REPOSITORY", "HEALTH")
	tm.send("x")
	tm.waitFor("translator", "Repositories › Explain an error", "paste an error")
	tm.tmux("send-keys", "-t", "tv", "-l", "Error: remote repository "+info.Expiring.GUN+" out-of-date: targets expired at Thu Dec 3 12:00:00 UTC 2026")
	tm.send("Enter")
	tm.waitFor("explained", "Trust metadata has expired", "the cached targets of "+info.Expiring.GUN+" expires on")
	tm.send("Escape")
	tm.waitFor("translator closed", "REPOSITORY")
	tm.send("q")
	if status := tm.exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
