package ui

import (
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
)

// TestTerminalGuideContext runs the built binary in tmux on a demo vault,
// opens registry.example.com/acme/api, its root key (shared with
// docker.io/acme/tools and registry.example.com/acme/web) and the key's
// lost-key guide with real key presses, and checks that the guide is about
// the repository the person came from: its name at the top and in the
// breadcrumb, and none of the other repository's delete or init commands.
func TestTerminalGuideContext(t *testing.T) {
	requireTmux(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	info, _ := newDemo(t)
	root := vault.ShortID(info.RootKeys[0])
	tm := startTmux(t, 120, 40, bin, "--trust-dir", info.Dir)
	tm.waitFor("repositories", "▸ docker.io/acme/tools", apiGUN)

	tm.send("j", "j", "Enter")
	tm.waitFor("repository", "Repositories › "+apiGUN, "ROOT")
	tm.send("Enter")
	tm.waitFor("key", "› key "+root, "opened from here")
	tm.send("L")
	screen := tm.waitFor("guide", "Guide: lost root key "+root, "For repository "+apiGUN)
	if strings.Contains(screen, "For repository "+toolsGUN) {
		t.Fatalf("the guide names %s:\n%s", toolsGUN, screen)
	}
	// Every command on the guide's pages names this repository, never the
	// other one the key also signs.
	var all strings.Builder
	for i := 0; i < 12; i++ {
		all.WriteString(tm.capture())
		tm.send("PageDown")
	}
	if strings.Contains(all.String(), "delete "+toolsGUN) || strings.Contains(all.String(), "init "+toolsGUN) {
		t.Errorf("the guide from %s has commands for %s:\n%s", apiGUN, toolsGUN, all.String())
	}
	if !strings.Contains(all.String(), apiGUN) {
		t.Errorf("the guide never names %s", apiGUN)
	}
	tm.send("q", "q", "q", "q")
	if status := tm.exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}
