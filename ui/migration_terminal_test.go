package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/migrate"
	"github.com/trustvault/trustvault/vault/vaulttest"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// TestTerminalMigration runs the built binary in tmux on a demo vault with
// real key presses: M opens the Migration page, enter opens a repository
// from it, and m on its root key exports the key to cosign through the
// whole flow; the cosign.key written opens with the passphrase typed.
func TestTerminalMigration(t *testing.T) {
	bin := tools.Trustvault(t)
	info := vaulttest.LiveDemo(t, filepath.Join(t.TempDir(), "trust"))
	out := filepath.Join(t.TempDir(), "cos")
	tm := tools.StartTmux(t, 120, 40, bin, "--trust-dir", info.Dir)
	tm.WaitFor("repositories", "▸ docker.io/acme/tools")

	tm.Send("M")
	tm.WaitFor("migration", "Repositories › Migration", "▸ docker.io/acme/tools", "Warning     Docker Hub's notary stops on 2026-12-08", "Archived    no:")
	tm.Send("j", "j", "Enter")
	tm.WaitFor("repository", "Migration › "+apiGUN, "ROOT")
	tm.Send("Enter")
	root := vault.ShortID(info.RootKeys[0])
	tm.WaitFor("key", "› key "+root, "m ")
	tm.Send("m")
	tm.WaitFor("export form", "Export the root key "+root+" to cosign", "Passphrase of the key")
	tm.Type(demo.Passphrase)
	tm.Send("Enter")
	for range len("cosign-" + root) {
		tm.Send("BSpace")
	}
	tm.Type(out)
	tm.Send("Enter")
	tm.WaitFor("label", "Which cosign will read it?")
	tm.Send("Enter")
	tm.WaitFor("chooser", "The new passphrase of cosign.key")
	tm.Send("Tab", "Tab")
	tm.Type(cosignPass)
	enterUntil(t, tm, "Confirm the passphrase") // the strength is estimated in the background

	tm.Type(cosignPass)
	tm.Send("Enter")
	tm.WaitFor("done", "Wrote "+filepath.Join(out, "cosign.key"), "PUBLIC Rekor", "--tlog-upload=false")

	keyPEM, err := os.ReadFile(filepath.Join(out, "cosign.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.DecodeCosignKey(keyPEM, []byte(cosignPass)); err != nil {
		t.Fatalf("cosign.key from the view: %v", err)
	}
	if strings.Contains(tm.Scrollback(), cosignPass) {
		t.Error("the new passphrase was on the screen")
	}
	tm.Send("Escape")
	tm.WaitFor("back on the key", "› key "+root+" ", "KEY")
	// key → repository → Migration → repositories → quit, one page at a
	// time: a page's back is a command that runs beside the input, so a q
	// sent before it came could reach the page it leaves (seen under load).
	tm.Send("q")
	tm.WaitFor("back on the repository", "Migration › "+apiGUN, "DELEGATIONS") // a repository's section, not a key's
	tm.Send("q")
	tm.WaitFor("back on the Migration page", "Repositories › Migration", "Archived    no:")
	tm.Send("q")
	tm.WaitFor("back on the repositories", "HERE  MISSING")
	tm.Send("q")
	if status := tm.Exited(); status != "0" {
		t.Errorf("exit status %s", status)
	}
}

// enterUntil presses enter until the screen shows text: the chooser
// asks to press it again while it still estimates a typed passphrase.
func enterUntil(t *testing.T, tm *tools.Tmux, text string) {
	t.Helper()
	deadline := time.Now().Add(tools.WaitTimeout)
	for !strings.Contains(tm.Screen(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("the screen does not show %q:\n%s", text, tm.Screen())
		}
		tm.Send("Enter")
		time.Sleep(300 * time.Millisecond)
	}
}
