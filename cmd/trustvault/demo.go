package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
)

// errNoTUI says the interactive view cannot open (no terminal); the
// callers print instead. openTUI is in tui.go.
var errNoTUI = errors.New("the interactive view needs a terminal")

// runInteractive is trustvault without a subcommand: the TUI on the trust
// directory, and for now the help.
func (a *app) runInteractive(cmd *cobra.Command) error {
	dir, err := vault.ResolveDir(a.trustDir)
	if err != nil {
		return fail("open", err)
	}
	if err := a.openTUI(dir); !errors.Is(err, errNoTUI) {
		return err
	}
	return cmd.Help()
}

// runDemo generates a demo vault, in --trust-dir if given (it must not exist
// or be empty) or else in a new temporary directory, and opens it in the
// interactive view; without a terminal it prints the vault's repositories
// and how to explore it.
func (a *app) runDemo() error {
	dir := a.trustDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "trustvault-demo-")
		if err != nil {
			return fail("--demo", err)
		}
		dir = filepath.Join(tmp, "trust")
	}
	info, err := demo.Generate(dir, demo.Options{})
	if err != nil {
		return fail("--demo", err)
	}
	if err := a.openTUI(info.Dir); !errors.Is(err, errNoTUI) {
		return err
	}
	s, err := vault.Open(info.Dir)
	if err != nil {
		return fail("--demo", err)
	}
	repos, err := s.Repositories()
	if err != nil {
		return fail("--demo", err)
	}
	w := a.stdout
	fmt.Fprintf(w, "A demo vault is in %s.\n", info.Dir)
	fmt.Fprintf(w, "Every key in it has the passphrase %s; they protect nothing.\n\n", demo.Passphrase)
	if err := writeReposTable(w, info.Dir, repos, time.Now()); err != nil {
		return fail("--demo", err)
	}
	prog := shellLine(progName(), "--trust-dir", info.Dir)
	fmt.Fprintf(w, `
This is not a terminal, so the vault is shown as text. Open it in the
interactive view from a terminal:
  %[9]s
or look around from the command line:
  %[9]s list
  %[9]s repos --json
  NOTARY_ROOT_PASSPHRASE=%[2]s %[9]s export --public %[3]s
  NOTARY_TARGETS_PASSPHRASE=%[2]s TRUSTVAULT_NEW_PASSPHRASE=crayfish-unsworn-mantis-dawdler-flaccid \
    %[9]s passwd %[4]s
Things to notice: %[5]s expires soon; key %[6]s is in the legacy layout;
key %[7]s is named by metadata but missing; key %[8]s is named by no metadata.
`, info.Dir, shellQuote(demo.Passphrase), vault.ShortID(info.RootKeys[0]), demoTargetsKey(info),
		info.Expiring.GUN+" "+info.Expiring.Role, vault.ShortID(info.Legacy.ID), vault.ShortID(info.Missing.ID), vault.ShortID(info.Orphan.ID),
		prog)
	return nil
}

// demoTargetsKey is a targets key the demo stores in the flat layout, for
// the passwd example.
func demoTargetsKey(info *demo.Info) string {
	for _, r := range info.Repositories {
		ids := r.Keys["targets"]
		if len(ids) == 0 || ids[0] == info.Legacy.ID {
			continue
		}
		for _, role := range r.Local {
			if role == "targets" {
				return vault.ShortID(ids[0])
			}
		}
	}
	return "<targets key ID>"
}

// progName is how to run this binary again in an example: as it was
// invoked when that was a path (make demo runs bin/trustvault), else by name.
func progName() string {
	if len(os.Args) > 0 && strings.ContainsRune(os.Args[0], filepath.Separator) && !strings.HasSuffix(os.Args[0], ".test") {
		return os.Args[0]
	}
	return "trustvault"
}
