package ui

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
)

// Options configure Run.
type Options struct {
	// Store is the trust directory to show. When it is nil, Prepare makes
	// one behind the first frame (the demo vault does this).
	Store *vault.Store
	// Prepare, when Store is nil, opens or creates the store; it runs in
	// the background while the first frame shows a spinner.
	Prepare func(context.Context) (*vault.Store, error)
	// TrustDir is shown in the header until the store is open.
	TrustDir string
	// Demo marks a generated demo vault in the header; DemoPassphrase, if
	// set, is shown as a hint in the forms that ask for a passphrase.
	Demo           bool
	DemoPassphrase string
	// NoColor drops colours (text attributes stay). Run also sets it when
	// the NO_COLOR environment variable is set to anything.
	NoColor bool
	// Drives finds backup drives (default: this machine's).
	Drives *vault.Drives
	// Now is the clock for expiry (default time.Now).
	Now func() time.Time
	// Tokens reads the hardware tokens plugged in and the keys on them
	// (vault.ListTokens); nil shows none. It runs with every reading of
	// the trust directory, off the event loop.
	Tokens TokenLister
	// Input and Output default to the process's terminal.
	Input  io.Reader
	Output io.Writer
	// Env is the environment the terminal is described by (default
	// os.Environ()).
	Env []string
	// Remote says how to reach notary servers (the server for each
	// repository, the credentials, the trust pinning) for pulling,
	// archiving and publishing; nil: those are not offered.
	Remote *remote.Setup
}

// Run shows the TUI until the person quits or ctx is done.
func Run(ctx context.Context, opts Options) error {
	if opts.Store == nil && opts.Prepare == nil {
		return errors.New("ui: no trust directory to show")
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	if noColor(env) {
		opts.NoColor = true
	}
	progOpts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithEnvironment(env)}
	if opts.Input != nil {
		progOpts = append(progOpts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		progOpts = append(progOpts, tea.WithOutput(opts.Output))
	}
	if opts.NoColor {
		progOpts = append(progOpts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(newModel(ctx, opts), progOpts...).Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// noColor reports whether NO_COLOR is set to a non-empty value
// (https://no-color.org).
func noColor(env []string) bool {
	for _, kv := range env {
		if len(kv) > len("NO_COLOR=") && kv[:len("NO_COLOR=")] == "NO_COLOR=" {
			return true
		}
	}
	return false
}
