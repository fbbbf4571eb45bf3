package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestTerminal runs the built binary in tmux on a demo vault and walks
// repositories → repository → key → help → back with real key presses.
func TestTerminal(t *testing.T) {
	bin := tools.Trustvault(t)
	info, _ := vaulttest.Demo(t)
	root := vault.ShortID(info.RootKeys[0])
	tm := tools.StartTmux(t, 100, 30, bin, "--trust-dir", info.Dir)

	tm.WaitFor("repositories", "Repositories", "docker.io/acme/tools", "registry.example.com/acme/api",
		"keys without a repository", "4 repositories", "10 keys", "▸ docker.io/acme/tools")

	tm.Send("/", "w", "e", "b")
	tm.WaitFor("filter", "/web", "1 of 5", "▸ registry.example.com/acme/web")
	tm.Send("Escape")
	tm.WaitFor("filter cleared", "▸ docker.io/acme/tools", "registry.example.com/acme/api")

	tm.Send("j", "j", "Enter")
	screen := tm.WaitFor("repository", "Repositories › registry.example.com/acme/api",
		"ROOT", "TARGETS", "SNAPSHOT", "TIMESTAMP", "DELEGATIONS", "targets/releases", "signing server", "missing")
	// The five key types, in their fixed order.
	last := -1
	for _, h := range []string{"\nROOT", "\nTARGETS", "\nSNAPSHOT", "\nTIMESTAMP", "\nDELEGATIONS"} {
		i := strings.Index(screen, h)
		if i < last {
			t.Fatalf("%s is out of order:\n%s", strings.TrimSpace(h), screen)
		}
		last = i
	}

	tm.Send("Enter")
	tm.WaitFor("key", "› key "+root, info.RootKeys[0], "PROTECTION", "USED BY", "p change passphrase")

	tm.Send("?")
	tm.WaitFor("help", "› Help", "change passphrase", "export public key", "refresh", "any key closes the help")
	tm.Send("x")
	tm.WaitFor("help closed", "› key "+root, "PROTECTION")

	tm.Send("Escape")
	tm.WaitFor("back to the repository", "Repositories › registry.example.com/acme/api", "▸   "+root)
	tm.Send("q")
	tm.WaitFor("back to the repositories", "▸ registry.example.com/acme/api", "REPOSITORY")
	tm.Send("q")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}

// TestTerminalDemo opens trustvault --demo, which generates a vault of its
// own, and leaves with ctrl+c.
func TestTerminalDemo(t *testing.T) {
	bin := tools.Trustvault(t)
	tm := tools.StartTmux(t, 80, 24, bin, "--demo", "--trust-dir", filepath.Join(t.TempDir(), "trust"))
	tm.WaitFor("demo", "DEMO", "registry.example.com/acme/web", "keys without a repository")
	tm.Send("C-c")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
