package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/trustvault/trustvault/vault"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // bad flags or arguments
)

// app is what every command shares: the streams, the environment and the
// global flags. One app lives for one run.
type app struct {
	stdin io.Reader
	// stdout and stderr show control characters as escapes (termsafe.go);
	// rawStdout is the stream itself, for what must stay byte for byte.
	stdout, stderr io.Writer
	rawStdout      io.Writer
	env            map[string]string

	trustDir  string // --trust-dir
	demo      bool   // --demo
	allowWeak bool   // --allow-weak
	version   bool   // --version

	completing bool   // the shell asks for completions (cobra's __complete)
	invoked    string // the command args name, when only it need be built (see addCommands)
}

// run parses args and runs one command. It returns the exit status and never
// calls os.Exit, so tests can call it in-process.
//
// The passphrase variables are read from env. The trust directory is resolved
// by vault.ResolveDir, which reads DOCKER_CONFIG and HOME from the process
// environment; main passes that same environment.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env []string) int {
	// --version alone is answered before the command tree is built:
	// scripts and package checks ask for it, and it needs nothing else.
	// With other flags it goes through the tree (TestVersionShortcut
	// holds the two to the same text).
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-v") {
		if _, err := io.WriteString(stdout, versionText()); err != nil {
			fmt.Fprintf(stderr, "trustvault: --version: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	safeOut, safeErr := &termSafe{w: stdout}, &termSafe{w: stderr}
	defer safeOut.flush()
	defer safeErr.flush()
	stdout, stderr = safeOut, safeErr
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, rawStdout: safeOut.w, env: envMap(env)}
	a.invoked = invokedCommand(args)
	a.completing = a.invoked == cobra.ShellCompRequestCmd || a.invoked == cobra.ShellCompNoDescRequestCmd
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)

	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var status *exitStatus
	if errors.As(err, &status) {
		return status.code
	}
	var bad *usageError
	if errors.As(err, &bad) {
		fmt.Fprintf(stderr, "trustvault: %v\nRun '%s --help' for usage.\n", bad, cmd.CommandPath())
		return exitUsage
	}
	var op *opError
	if errors.As(err, &op) {
		fmt.Fprintln(stderr, "trustvault: "+op.explain(a))
		return exitFailure
	}
	// Anything else is a bad flag or argument: a usageError, or one of the
	// few errors cobra makes itself (its completion command's).
	fmt.Fprintf(stderr, "trustvault: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
	return exitUsage
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func (a *app) getenv(key string) string { return a.env[key] }

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "trustvault",
		Short: "A key vault for Docker Content Trust (Notary) signing keys",
		Long: `trustvault shows and manages the signing keys in a Docker Content Trust
trust directory ($DOCKER_CONFIG/trust, default ~/.docker/trust), the same
directory docker and notary use, byte for byte compatible with them.

Passphrases are never taken from the command line. They come from the
environment variables docker and notary use, or from a terminal prompt:
  root keys       NOTARY_ROOT_PASSPHRASE, then DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE
  targets keys    NOTARY_TARGETS_PASSPHRASE, then DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE
  snapshot keys   NOTARY_SNAPSHOT_PASSPHRASE, then DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE
  timestamp keys  DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE
  other roles     NOTARY_DELEGATION_PASSPHRASE, then DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE
  passwd's new passphrase: TRUSTVAULT_NEW_PASSPHRASE
An empty variable counts as unset. A new passphrase, typed or from a
variable, must reach 80 bits for a root key and 64 for other keys
(--allow-weak accepts a weaker one with a warning); see trustvault passphrase.

Exit status: 0 on success, 1 when a command fails, 2 for a bad flag or
argument. doctor and drill say more with theirs (see their help).`,
		Args:          noArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.version {
				_, err := io.WriteString(cmd.OutOrStdout(), versionText())
				return err
			}
			if a.demo {
				return a.runDemo()
			}
			return a.runInteractive(cmd)
		},
	}
	// --version is our flag, not cobra's: cobra prints a custom version
	// text through text/template, and a binary that links text/template's
	// execution keeps every exported method of every type (the linker
	// cannot tell which it calls by name): an eighth of the binary, paid at
	// every start.
	root.Flags().BoolVarP(&a.version, "version", "v", false, "version for trustvault")
	root.SetFlagErrorFunc(flagError)
	root.PersistentFlags().StringVar(&a.trustDir, "trust-dir", "",
		"trust directory (default $DOCKER_CONFIG/trust, else ~/.docker/trust)")
	root.Flags().BoolVar(&a.demo, "demo", false, "generate a demo vault in a temporary directory and open it")
	root.PersistentFlags().BoolVar(&a.allowWeak, "allow-weak", false, "accept a new passphrase below the policy's minimum, with a warning")
	a.addCommands(root, []subcommand{
		{"list", a.listCmd},
		{"repos", a.reposCmd},
		{"generate", a.generateCmd},
		{"passwd", a.passwdCmd},
		{"import", a.importCmd},
		{"export", a.exportCmd}, {"migrate", a.migrateCmd},
		{"passphrase", a.passphraseCmd}, {"harden", a.hardenCmd},
		{"doctor", a.doctorCmd}, {"explain", a.explainCmd}, {"guide", a.guideCmd},
		{"yubikey", a.yubikeyCmd},
		{"backup", a.backupCmd}, {"verify", a.verifyCmd}, {"restore", a.restoreCmd}, {"drill", a.drillCmd}, {"devices", a.devicesCmd},
		{"pull", a.pullCmd}, {"inspect", a.inspectCmd}, {"archive", a.archiveCmd},
		{"init", a.initCmd}, {"sign", a.signCmd}, {"revoke", a.revokeCmd}, {"delegation", a.delegationCmd}, {"signer", a.signerCmd},
		{"rotate", a.rotateCmd}, {"delete", a.deleteCmd},
	})
	a.setCompletion(root)
	for _, c := range extraCommands {
		root.AddCommand(c(a))
	}
	return root
}

// extraCommands are added by files built with a tag (gendocs.go).
var extraCommands []func(*app) *cobra.Command

// openStore opens the trust directory chosen by --trust-dir, DOCKER_CONFIG or
// the default.
func (a *app) openStore(opts ...vault.Option) (*vault.Store, error) {
	dir, err := vault.ResolveDir(a.trustDir)
	if err != nil {
		return nil, fmt.Errorf("find the trust directory: %w (use --trust-dir)", err)
	}
	return vault.Open(dir, opts...)
}

// terminal returns the terminal to prompt on: standard input when it is one,
// as notary does. Without a terminal, passphrases must come from the
// environment.
func (a *app) terminal() terminal {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return ttyTerminal{fd: int(f.Fd())}
}

// passphrases returns the passphrase source for this run.
func (a *app) passphrases() *passphrases {
	return &passphrases{getenv: a.getenv, term: a.terminal(), out: a.stderr, policy: a.policy(), allowWeak: a.allowWeak}
}
