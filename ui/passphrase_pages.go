package ui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/passphrase"
)

// The pages that set a passphrase, each built around the passphrase
// chooser: the generator on its own, generating a key, changing a key's
// passphrase (and hardening, in passphrase_harden.go).

// pageOpenedMsg asks the root to push a page and then run its first
// command (whose result must reach the new page).
type pageOpenedMsg struct {
	p    page
	init tea.Cmd
}

// openPage pushes p and runs its first command.
func openPage(p page, init tea.Cmd) tea.Cmd { return send(pageOpenedMsg{p: p, init: init}) }

// ---------------------------------------------------------------------------
// The generator on its own.

// generatorPage is the passphrase generator: choose, reveal, copy.
type generatorPage struct {
	c             *common
	width, height int
	ch            *passphraseChooser
}

var _ page = (*generatorPage)(nil)

func newGeneratorPage(c *common) (*generatorPage, tea.Cmd) {
	p := &generatorPage{c: c, ch: newPassphraseChooser(c, "", true)}
	return p, p.ch.init()
}

func (p *generatorPage) Title() string          { return "Passphrase generator" }
func (p *generatorPage) Capturing() bool        { return p.ch.capturing() }
func (p *generatorPage) Busy() bool             { return false }
func (p *generatorPage) SetSize(w, h int)       { p.width, p.height = w, h }
func (p *generatorPage) Refresh(*snapshot) bool { return true }
func (p *generatorPage) ShortHelp() []key.Binding {
	return p.ch.help()
}
func (p *generatorPage) FullHelp() [][]key.Binding { return p.ch.fullHelp() }

func (p *generatorPage) Update(msg tea.Msg) (page, tea.Cmd) {
	res, cmd := p.ch.Update(msg)
	if res == chooserCancelled {
		return p, tea.Batch(cmd, send(backRequestedMsg{}))
	}
	return p, cmd
}

func (p *generatorPage) View() string {
	intro := fmt.Sprintf("Random passphrases, with their exact entropy. A new key's passphrase needs "+
		"%d bits for a root key and %d for the others.", passphrase.MinBitsRoot, passphrase.MinBitsKey)
	return wrap(intro, p.width) + "\n\n" + p.ch.View(p.width)
}

// ---------------------------------------------------------------------------
// Generating a key.

// genStep is where the generate flow is.
type genStep int

const (
	genRole genStep = iota
	genName
	genPassphrase
	genWorking
)

// genChoice is one kind of key the flow can make.
type genChoice struct {
	label string
	role  string // "" for a delegation: the name is asked for
}

type generateKeys struct {
	Up, Down, Select, Back key.Binding
}

func defaultGenerateKeys() generateKeys {
	return generateKeys{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Select: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// generatePage makes a new key for a repository (or, without one, a root
// or delegation key): the kind of key, then its passphrase, then the key.
type generatePage struct {
	c             *common
	keys          generateKeys
	width, height int

	gun     string
	step    genStep
	choices []genChoice
	list    listView // the cursor over choices
	name    *form    // a delegation's name
	role    string
	ch      *passphraseChooser
	err     string // why the last key could not be made
}

var _ page = (*generatePage)(nil)

// keyGeneratedMsg is a key generated and stored.
type keyGeneratedMsg struct{ key vault.Key }

func newGeneratePage(c *common, gun string) (*generatePage, tea.Cmd) {
	p := &generatePage{c: c, keys: defaultGenerateKeys(), gun: gun}
	if gun != "" {
		p.choices = append(p.choices,
			genChoice{"targets key of " + gun, "targets"},
			genChoice{"snapshot key of " + gun + " (if you sign snapshots)", "snapshot"})
	}
	p.choices = append(p.choices,
		genChoice{"delegation key (targets/<name>)", ""},
		genChoice{"root key (shared by the repositories that name it)", "root"})
	p.list.setLen(len(p.choices))
	p.list.setHeight(len(p.choices))
	name := newField(c.styles, fieldName, "Name", "Name", false)
	name.input.Prompt = "targets/"
	name.input.Placeholder = "releases"
	name.check = func(s string) error { return vault.ValidateRole("targets/"+strings.TrimSpace(s), gun) }
	p.name = newForm(name)
	p.name.keys.Submit.SetHelp("enter", "choose")
	return p, nil
}

func (p *generatePage) Title() string {
	if p.role != "" {
		return "new " + p.role + " key"
	}
	return "new key"
}
func (p *generatePage) Capturing() bool {
	return p.step == genName || (p.step == genPassphrase && p.ch.capturing())
}
func (p *generatePage) Busy() bool             { return p.step == genWorking }
func (p *generatePage) SetSize(w, h int)       { p.width, p.height = w, h }
func (p *generatePage) Refresh(*snapshot) bool { return true }

func (p *generatePage) ShortHelp() []key.Binding {
	switch p.step {
	case genRole:
		return []key.Binding{p.keys.Select, p.keys.Up, p.keys.Down, p.keys.Back}
	case genName:
		return p.name.help()
	case genPassphrase:
		return p.ch.help()
	}
	return nil
}

func (p *generatePage) FullHelp() [][]key.Binding {
	if p.step == genPassphrase {
		return p.ch.fullHelp()
	}
	return [][]key.Binding{p.ShortHelp()}
}

func (p *generatePage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case keyGeneratedMsg:
		p.step = genRole // no longer busy: the reload may run
		text := fmt.Sprintf("Generated %s key %s (%s). No metadata names it yet: rotate it in with notary when you are ready.",
			msg.key.Role, msg.key.ShortID(), msg.key.Encryption.Summary())
		return p, tea.Batch(send(backRequestedMsg{}), send(reloadRequestedMsg{}), send(noticeMsg{text: text}))
	case errorMsg:
		p.step, p.err = genRole, msg.Error()
		return p, nil
	}
	switch p.step {
	case genRole:
		if km, ok := msg.(tea.KeyPressMsg); ok {
			return p.updateRole(km)
		}
	case genName:
		return p.updateName(msg)
	case genPassphrase:
		res, cmd := p.ch.Update(msg)
		switch res {
		case chooserCancelled:
			p.step, p.role = genRole, ""
			return p, cmd
		case chooserDone:
			pass, clear := p.ch.take()
			p.step = genWorking
			return p, tea.Batch(clear, generateKeyCmd(p.c.store, p.role, p.gun, pass), p.c.spinner.Tick)
		}
		return p, cmd
	}
	return p, nil
}

func (p *generatePage) updateRole(km tea.KeyPressMsg) (page, tea.Cmd) {
	switch {
	case key.Matches(km, p.keys.Back):
		return p, send(backRequestedMsg{})
	case key.Matches(km, p.keys.Up):
		p.list.move(-1)
	case key.Matches(km, p.keys.Down):
		p.list.move(1)
	case key.Matches(km, p.keys.Select):
		p.err = ""
		choice := p.choices[p.list.cursor]
		if choice.role == "" {
			p.step = genName
			return p, p.name.focusOn(0)
		}
		return p, p.choosePassphrase(choice.role)
	}
	return p, nil
}

// updateName asks for a delegation's name; a name the engine refuses
// stays on screen with the reason until it is edited.
func (p *generatePage) updateName(msg tea.Msg) (page, tea.Cmd) {
	res, cmd := p.name.Update(msg)
	switch res {
	case formCancelled:
		p.step, p.err = genRole, ""
		p.name.blur()
		return p, nil
	case formSubmitted:
		p.name.blur()
		return p, p.choosePassphrase("targets/" + strings.TrimSpace(p.name.text(fieldName)))
	}
	return p, cmd
}

// choosePassphrase moves on to the passphrase of a key with role.
func (p *generatePage) choosePassphrase(role string) tea.Cmd {
	p.role, p.step = role, genPassphrase
	p.ch = newPassphraseChooser(p.c, role, false)
	return p.ch.init()
}

// generateKeyCmd generates and stores a key; the passphrase is zeroed.
func generateKeyCmd(store *vault.Store, role, gun string, pass []byte) tea.Cmd {
	return func() tea.Msg {
		defer zero(pass)
		if keyrole.KindOf(role) == keyrole.Root || keyrole.KindOf(role) == keyrole.Delegation {
			gun = "" // notary keeps no gun header on these
		}
		k, err := store.Generate(role, gun, vault.AlgorithmECDSA, once(pass))
		if err != nil {
			return errorMsg{err: err}
		}
		return keyGeneratedMsg{key: k}
	}
}

func (p *generatePage) View() string {
	st := p.c.styles
	var b strings.Builder
	switch p.step {
	case genRole:
		b.WriteString(st.SubHeading.Render(truncate("Which key?", p.width)))
		for i, ch := range p.choices {
			marker := "  "
			text := ch.label
			if i == p.list.cursor {
				marker = "▸ "
				text = st.Selected.Render(text)
			}
			b.WriteString("\n" + truncate(marker+text, p.width))
		}
		b.WriteString("\n\n" + st.Faint.Render(wrap("An ECDSA P-256 key, as docker and notary make, encrypted with "+
			thousands(vault.HardenedIterations)+" PBKDF2 iterations under a passphrase you choose next.", p.width)))
	case genName:
		b.WriteString(st.SubHeading.Render(truncate("Name of the delegation", p.width)))
		b.WriteString("\n" + p.name.View(st, p.width))
		b.WriteString("\n" + st.Faint.Render(wrap("Lowercase letters, digits, _ and -; for example releases, or a person's name.", p.width)))
	case genPassphrase:
		head := "Passphrase of the new " + p.role + " key"
		if p.gun != "" && keyrole.KindOf(p.role) != keyrole.Root && keyrole.KindOf(p.role) != keyrole.Delegation {
			head += " of " + p.gun
		}
		b.WriteString(st.SubHeading.Render(truncate(head, p.width)) + "\n\n" + p.ch.View(p.width))
	case genWorking:
		b.WriteString(p.c.spinner.View() + " Generating the key and encrypting it…")
	}
	if p.err != "" {
		b.WriteString("\n" + st.Bad.Render(wrap(p.err, p.width)))
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Changing a key's passphrase.

// pwStep is where the change-passphrase flow is.
type pwStep int

const (
	pwOld pwStep = iota
	pwChecking
	pwNew
	pwWorking
	pwDone
)

// passwdPage changes one key's passphrase: the current one (checked at
// once), then a new one from the chooser, then the engine re-encrypts the
// key with the hardened setting.
type passwdPage struct {
	c             *common
	width, height int

	key  vault.Key
	step pwStep
	old  *form // the current passphrase
	// current is the checked current passphrase, kept until the key is
	// re-encrypted or the flow ends.
	current []byte
	ch      *passphraseChooser
	err     string // why the re-encryption failed
}

var _ page = (*passwdPage)(nil)

// Results of the engine calls of the passwd flow.
type (
	// passphraseCheckedMsg says the current passphrase opens the key.
	passphraseCheckedMsg struct{}
	// passphraseChangedMsg is the key re-encrypted under its new
	// passphrase.
	passphraseChangedMsg struct{ key vault.Key }
)

func newPasswdPage(c *common, k vault.Key) (*passwdPage, tea.Cmd) {
	p := &passwdPage{c: c, key: k}
	old := newField(c.styles, fieldPass, "Current passphrase", "Current", true)
	old.required = true
	p.old = newForm(old)
	p.old.keys.Submit.SetHelp("enter", "next")
	if k.Encryption.Scheme == vault.SchemeNone {
		p.step = pwNew
		p.ch = newPassphraseChooser(c, k.Role, false)
		return p, p.ch.init()
	}
	return p, p.old.focusOn(0)
}

func (p *passwdPage) Title() string { return "new passphrase" }
func (p *passwdPage) Capturing() bool {
	return p.step == pwOld || (p.step == pwNew && p.ch.capturing())
}
func (p *passwdPage) Busy() bool       { return p.step == pwChecking || p.step == pwWorking }
func (p *passwdPage) SetSize(w, h int) { p.width, p.height = w, h }

// Refresh ends the flow if the key file is gone.
func (p *passwdPage) Refresh(s *snapshot) bool {
	return s.keyByPath(p.key.Path) != nil || s.files[p.key.ID] != nil
}

func (p *passwdPage) ShortHelp() []key.Binding {
	switch p.step {
	case pwOld:
		return p.old.help()
	case pwNew:
		return p.ch.help()
	}
	return nil
}

func (p *passwdPage) FullHelp() [][]key.Binding {
	if p.step == pwNew {
		return p.ch.fullHelp()
	}
	return [][]key.Binding{p.ShortHelp()}
}

// leave ends the flow, forgetting the passphrases.
func (p *passwdPage) leave(cmds ...tea.Cmd) tea.Cmd {
	return forgetAndGoBack(&p.current, p.old, p.ch, cmds...)
}

func (p *passwdPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case passphraseCheckedMsg:
		p.step, p.err = pwNew, ""
		p.ch = newPassphraseChooser(p.c, p.key.Role, false)
		return p, p.ch.init()
	case passphraseChangedMsg:
		p.step = pwDone // no longer busy: the reload may run
		text := fmt.Sprintf("Passphrase changed: key %s is now protected by %s.", msg.key.ShortID(), msg.key.Encryption.Summary())
		return p, p.leave(send(noticeMsg{text: text}), send(reloadRequestedMsg{}))
	case errorMsg:
		if p.step == pwChecking {
			zero(p.current)
			p.current = nil
			p.step = pwOld
			return p, p.old.fail(fieldPass, passphraseError(msg.err))
		}
		p.step, p.err = pwNew, passphraseError(msg.err)
		return p, nil
	}
	switch p.step {
	case pwOld:
		res, cmd := p.old.Update(msg)
		switch res {
		case formCancelled:
			return p, p.leave()
		case formSubmitted:
			p.current = p.old.value(fieldPass)
			p.old.reset()
			p.old.blur()
			p.step, p.err = pwChecking, ""
			return p, tea.Batch(checkPassphraseCmd(p.c.store, p.key.ID, bytes.Clone(p.current)), p.c.spinner.Tick)
		}
		return p, cmd
	case pwNew:
		res, cmd := p.ch.Update(msg)
		switch res {
		case chooserCancelled:
			return p, p.leave(cmd)
		case chooserDone:
			next, clear := p.ch.take()
			p.step = pwWorking
			return p, tea.Batch(clear, changePassphraseCmd(p.c.store, p.key.ID, bytes.Clone(p.current), next), p.c.spinner.Tick)
		}
		return p, cmd
	}
	return p, nil
}

// passphraseError says what went wrong in words for the form.
func passphraseError(err error) string {
	switch {
	case errors.Is(err, vault.ErrWrongPassphrase):
		return "Wrong passphrase: nothing was changed. Try again, or esc to cancel."
	case errors.Is(err, vault.ErrLocked):
		return "Another trustvault is writing to this trust directory; try again when it is done."
	}
	return err.Error()
}

// checkPassphraseCmd unlocks a key to check its passphrase.
func checkPassphraseCmd(store *vault.Store, id string, pass []byte) tea.Cmd {
	return func() tea.Msg {
		defer zero(pass)
		if _, err := store.Unlock(id, once(pass)); err != nil {
			return errorMsg{err: err}
		}
		return passphraseCheckedMsg{}
	}
}

// changePassphraseCmd re-encrypts a key under a new passphrase.
func changePassphraseCmd(store *vault.Store, id string, old, next []byte) tea.Cmd {
	return func() tea.Msg {
		defer zero(old)
		defer zero(next)
		k, err := store.ChangePassphrase(id, once(old), once(next))
		if err != nil {
			return errorMsg{err: err}
		}
		return passphraseChangedMsg{key: k}
	}
}

func (p *passwdPage) View() string {
	st := p.c.styles
	var b strings.Builder
	subject := fmt.Sprintf("%s key %s", orDash(p.key.Role), p.key.ShortID())
	if p.key.GUN != "" {
		subject += " of " + visible(p.key.GUN)
	}
	b.WriteString(st.SubHeading.Render(truncate("Change the passphrase of the "+subject, p.width)))
	b.WriteString("\n" + st.Faint.Render(truncate("Now "+p.key.Encryption.Summary()+"; re-encrypted with trustvault's setting", p.width)))
	b.WriteString("\n\n")
	switch p.step {
	case pwOld:
		b.WriteString(p.old.View(st, p.width))
		if p.c.demo && p.c.demoPassphrase != "" {
			b.WriteString("\n" + st.Faint.Render(truncate("Demo vault passphrase: "+p.c.demoPassphrase, p.width)))
		}
	case pwChecking:
		b.WriteString(p.c.spinner.View() + " Checking the current passphrase…")
	case pwNew:
		b.WriteString(p.ch.View(p.width))
	case pwWorking:
		b.WriteString(p.c.spinner.View() + " Re-encrypting the key…")
	}
	if p.err != "" {
		b.WriteString("\n" + st.Bad.Render(wrap(p.err, p.width)))
	}
	return b.String()
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
