package ui

import (
	"path/filepath"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestTerminalHealth runs the built binary in tmux on a demo vault: the
// health page from the repositories, its first item to its key, the key's
// lost-key guide, and the error translator.
func TestTerminalHealth(t *testing.T) {
	bin := tools.Trustvault(t)
	// Set in the present, as the binary's clock is.
	info, err := demo.Generate(filepath.Join(t.TempDir(), "trust"), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	missing := vault.ShortID(info.Missing.ID)
	tm := tools.StartTmux(t, 110, 32, bin, "--trust-dir", info.Dir)

	tm.WaitFor("repositories", "Repositories", "HEALTH", " warnings", "! health")
	tm.Send("!")
	tm.WaitFor("health page", "Repositories › Health", "most urgent first", "▸ ! missing-key", missing,
		"WARNING · missing-key", "Fix: if the signer still has it")

	tm.Send("Enter")
	tm.WaitFor("its key", "Health › key "+missing, "HEALTH", "fix: if the signer still has it", "L lost-key guide")

	tm.Send("L")
	tm.WaitFor("the lost-key guide", "Guide: lost delegation key "+missing, "Lost delegation key "+missing+" (targets/bob)",
		"trustvault signer remove bob "+info.Missing.GUN)
	tm.Send("Space")
	tm.WaitFor("guide scrolled", "docker trust signer add --key bob.pub bob "+info.Missing.GUN)

	// One at a time: escapes sent together read as alt+escape.
	tm.Send("Escape")
	tm.WaitFor("back to the key", "Health › key "+missing, "USED BY")
	tm.Send("Escape")
	tm.WaitFor("back to the health page", "most urgent first")
	tm.Send("Escape")
	tm.WaitFor("back to the repositories", "REPOSITORY", "HEALTH")
	tm.Send("x")
	tm.WaitFor("translator", "Repositories › Explain an error", "paste an error")
	tm.Type("Error: remote repository " + info.Expiring.GUN + " out-of-date: targets expired at Thu Dec 3 12:00:00 UTC 2026")
	tm.Send("Enter")
	tm.WaitFor("explained", "Trust metadata has expired", "the cached targets of "+info.Expiring.GUN+" expires on")
	tm.Send("Escape")
	tm.WaitFor("translator closed", "REPOSITORY")
	tm.Send("q")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
