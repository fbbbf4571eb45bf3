package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestTerminalGuideContext runs the built binary in tmux on a demo vault,
// opens registry.example.com/acme/api, its root key (shared with
// docker.io/acme/tools and registry.example.com/acme/web) and the key's
// lost-key guide with real key presses, and checks that the guide is about
// the repository the person came from: its name at the top and in the
// breadcrumb, and none of the other repository's delete or init commands.
func TestTerminalGuideContext(t *testing.T) {
	bin := tools.Trustvault(t)
	info := vaulttest.LiveDemo(t, filepath.Join(t.TempDir(), "trust"))
	root := vault.ShortID(info.RootKeys[0])
	tm := tools.StartTmux(t, 120, 40, bin, "--trust-dir", info.Dir)
	tm.WaitFor("repositories", "▸ docker.io/acme/tools", apiGUN)

	tm.Send("j", "j", "Enter")
	tm.WaitFor("repository", "Repositories › "+apiGUN, "ROOT")
	tm.Send("Enter")
	tm.WaitFor("key", "› key "+root, "opened from here")
	tm.Send("L")
	screen := tm.WaitFor("guide", "Guide: lost root key "+root, "For repository "+apiGUN)
	if strings.Contains(screen, "For repository "+toolsGUN) {
		t.Fatalf("the guide names %s:\n%s", toolsGUN, screen)
	}
	// Every command on the guide's pages names this repository, never the
	// other one the key also signs.
	var all strings.Builder
	for i := 0; i < 12; i++ {
		all.WriteString(tm.Screen())
		tm.Send("PageDown")
	}
	if strings.Contains(all.String(), "delete "+toolsGUN) || strings.Contains(all.String(), "init "+toolsGUN) {
		t.Errorf("the guide from %s has commands for %s:\n%s", apiGUN, toolsGUN, all.String())
	}
	if !strings.Contains(all.String(), apiGUN) {
		t.Errorf("the guide never names %s", apiGUN)
	}
	// Back one page at a time, each seen before the next key, then quit.
	tm.Send("q")
	tm.WaitFor("back to the key", "› key "+root)
	tm.Send("q")
	tm.WaitFor("back to the repository", "Repositories › "+apiGUN, "ROOT")
	tm.Send("q")
	tm.WaitFor("back to the repositories", "▸ "+apiGUN)
	tm.Send("q")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
