package ui

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/remote"
)

// page is one screen below the header. Pages render strings; only the root
// model returns a tea.View. The help.KeyMap feeds the footer and the help
// overlay.
type page interface {
	help.KeyMap
	Update(tea.Msg) (page, tea.Cmd)
	View() string
	// SetSize gives the page the area between header and footer.
	SetSize(width, height int)
	// Title is the page's part of the breadcrumb.
	Title() string
	// Capturing reports whether the page is taking text input (a filter or
	// a form): the root then passes it every key but ctrl+c.
	Capturing() bool
	// Busy reports whether the page waits for the engine; the root keeps
	// the spinner going and does not reload under it.
	Busy() bool
	// Refresh rebinds the page to a new reading of the trust directory. It
	// returns false when the page's subject is gone.
	Refresh(*snapshot) bool
}

// common is what the root model shares with its pages. The root owns it and
// changes it (new styles, a new snapshot); pages read it.
type common struct {
	styles  Styles
	store   *vault.Store
	snap    *snapshot
	spinner spinner.Model
	// demo marks a generated demo vault; demoPassphrase is the passphrase
	// of its keys, shown as a hint in forms.
	demo           bool
	demoPassphrase string
	// drives finds backup drives (Options.Drives; nil: this machine's).
	drives *vault.Drives
	// tokens reads the hardware tokens (Options.Tokens); nil when there
	// are none to read.
	tokens TokenLister
	// remote reaches notary servers (Options.Remote); nil when the view
	// was opened without one.
	remote *remote.Setup
	// now is the view's clock (Options.Now).
	now func() time.Time
	// notaryConfig is the notary CLI's config file, from Options.Env's
	// HOME ("" without one): the Migration page shows its server.
	notaryConfig string
}

// Navigation messages. Pages ask for navigation with them; only the root
// model acts on them.
type (
	// repoSelectedMsg opens a repository page (or, with orphan set, the
	// keys without a repository).
	repoSelectedMsg struct {
		gun    string
		orphan bool
		// keyPrefix, when set, puts the cursor on the first key whose ID
		// starts with it (a filter by key ID).
		keyPrefix string
	}
	// keySelectedMsg opens a key page.
	keySelectedMsg struct{ ref keyRef }
	// backRequestedMsg closes the active page.
	backRequestedMsg struct{}
	// reloadRequestedMsg reads the trust directory again; asked marks a
	// refresh the person asked for, which says when it is done.
	reloadRequestedMsg struct{ asked bool }
	// quitRequestedMsg ends the program.
	quitRequestedMsg struct{}
)

// noticeMsg is a short confirmation the root shows in the footer until
// the next key.
type noticeMsg struct{ text string }

// errorMsg is an engine error coming back from a command: every command
// that calls the engine returns its result message or this one (the
// pattern of soft-serve's common.ErrorMsg), so there are no per-page
// failure messages. The root hands it to the active page while that page
// waits for the engine (Busy): the page started the call and says what
// went wrong in place, where the person can act on it. Otherwise the
// footer shows it until the next key.
type errorMsg struct{ err error }

func (e errorMsg) Error() string { return e.err.Error() }

// errorCmd turns an error into a command that reports it.
func errorCmd(err error) tea.Cmd { return send(errorMsg{err: err}) }

// send turns a message into a command.
func send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// keyRef names a key: by canonical ID, and by file path when it is an
// unreadable file (whose name need not be an ID). It carries what metadata
// says about a key that has no file here, and the context the key was
// opened in: the repository and role of the page it was chosen on, so
// that what the key page opens next (the lost-key guide) is about that
// repository and not another one that names the same key.
type keyRef struct {
	id   string
	path string
	// gun and role are the repository and role the key was opened from
	// ("" when it was opened from no repository).
	gun, role string
	tufID     string
	keyType   string
	location  vault.Location
	// token is where the key is when location is vault.LocationToken.
	token *vault.TokenRef
}
