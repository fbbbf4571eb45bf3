package ui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/migrate"
)

// Exporting a key to cosign (m on a key page), as `trustvault migrate
// cosign` does and through the same engine call (migrate.ExportCosign):
// the key's passphrase and a new output directory, checked at once; the
// PEM label for the cosign release that will read it; a new passphrase
// from the passphrase chooser; then cosign.key (0600, cosign's encrypted
// format) and cosign.pub (0644), and what cosign does with them. No
// plaintext key is ever written. Notation's export is the CLI's only.

// cosignStep is where the export is.
type cosignStep int

const (
	cosignRefused  cosignStep = iota // the key cannot go to cosign: why
	cosignForm                       // its passphrase and the directory
	cosignChecking                   // unlocking it, checking the directory
	cosignLabel                      // SIGSTORE or COSIGN
	cosignNew                        // the new passphrase
	cosignWorking                    // writing the files
	cosignDone                       // what was written and what next
)

// cosignLabels are the label choices, the default first.
var cosignLabels = [...]struct{ label, text string }{
	{migrate.LabelSigstore, "ENCRYPTED SIGSTORE PRIVATE KEY: cosign 2.0.1 and later (the default)"},
	{migrate.LabelCosign, "ENCRYPTED COSIGN PRIVATE KEY: cosign 2.0.0 and older"},
}

// cosignExportPage runs the export of one key file.
type cosignExportPage struct {
	c             *common
	keys          generateKeys // the label list: the generate flow's keys
	width, height int

	key  vault.Key
	step cosignStep
	form *form // the key's passphrase and the directory
	// current is the checked passphrase of the key, kept until the files
	// are written or the flow ends.
	current []byte
	dir     string // the checked output directory (absolute)
	label   int    // index into cosignLabels
	ch      *passphraseChooser
	done    *migrate.CosignExport
	// why is the refusal (cosignRefused) or the last failure to write.
	why string
}

var _ page = (*cosignExportPage)(nil)

// Results of the export's engine calls.
type (
	// cosignCheckedMsg: the passphrase opens the key, the key can go to
	// cosign and the directory is new or empty.
	cosignCheckedMsg struct{}
	// cosignExportedMsg: the files are written.
	cosignExportedMsg struct{ export *migrate.CosignExport }
)

func newCosignExportPage(c *common, k vault.Key) (*cosignExportPage, tea.Cmd) {
	p := &cosignExportPage{c: c, keys: defaultGenerateKeys(), key: k, step: cosignForm}
	p.keys.Back.SetHelp("esc", "back")
	if err := migrate.CheckCosignAlgorithm(k.Algorithm); err != nil {
		p.step, p.why = cosignRefused, sentence(err.Error())
		return p, nil
	}
	var fields []formField
	if k.Encryption.Scheme != vault.SchemeNone {
		pass := newField(c.styles, fieldPass, "Passphrase of the key", "Passphrase", true)
		pass.required = true
		fields = append(fields, pass)
	}
	dir := newField(c.styles, fieldPath, "Write into new directory", "Directory", false)
	dir.required = true
	dir.input.SetValue("cosign-" + k.ShortID())
	dir.input.CursorEnd()
	p.form = newForm(append(fields, dir)...)
	p.form.keys.Submit.SetHelp("enter", "next")
	return p, p.form.focusOn(0)
}

func (p *cosignExportPage) Title() string { return "export to cosign" }
func (p *cosignExportPage) Capturing() bool {
	return p.step == cosignForm || (p.step == cosignNew && p.ch.capturing())
}
func (p *cosignExportPage) Busy() bool       { return p.step == cosignChecking || p.step == cosignWorking }
func (p *cosignExportPage) SetSize(w, h int) { p.width, p.height = w, h }

// Refresh ends the flow if the key file is gone (not once it is done).
func (p *cosignExportPage) Refresh(s *snapshot) bool {
	return p.step == cosignDone || s.keyByPath(p.key.Path) != nil || s.files[p.key.ID] != nil
}

func (p *cosignExportPage) ShortHelp() []key.Binding {
	switch p.step {
	case cosignForm:
		return p.form.help()
	case cosignLabel:
		return []key.Binding{p.keys.Up, p.keys.Down, p.keys.Select, p.keys.Back}
	case cosignNew:
		return p.ch.help()
	case cosignRefused, cosignDone:
		return []key.Binding{p.keys.Back}
	}
	return nil
}

func (p *cosignExportPage) FullHelp() [][]key.Binding {
	if p.step == cosignNew {
		return p.ch.fullHelp()
	}
	return [][]key.Binding{p.ShortHelp()}
}

// leave ends the flow, forgetting the passphrases.
func (p *cosignExportPage) leave(cmds ...tea.Cmd) tea.Cmd {
	return forgetAndGoBack(&p.current, p.form, p.ch, cmds...)
}

// forgetAndGoBack ends a flow that holds a checked passphrase (current), a
// form and a passphrase chooser (either may be nil): it zeroes and drops
// the passphrase, empties the form, clears the chooser (and the clipboard
// when it holds a passphrase of ours), then goes back after cmds.
func forgetAndGoBack(current *[]byte, f *form, ch *passphraseChooser, cmds ...tea.Cmd) tea.Cmd {
	zero(*current)
	*current = nil
	if f != nil {
		f.reset()
	}
	if ch != nil {
		cmds = append(cmds, ch.clear())
	}
	return tea.Batch(append(cmds, send(backRequestedMsg{}))...)
}

func (p *cosignExportPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case cosignCheckedMsg:
		p.step = cosignLabel
		return p, nil
	case cosignExportedMsg:
		zero(p.current)
		p.current = nil
		p.step, p.done, p.why = cosignDone, msg.export, ""
		return p, send(noticeMsg{text: "Wrote " + msg.export.KeyPath + " and " + msg.export.PubPath})
	case errorMsg:
		return p, p.failed(msg.err)
	}
	switch p.step {
	case cosignForm:
		return p, p.updateForm(msg)
	case cosignNew:
		return p, p.updateChooser(msg)
	}
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return p, nil
	}
	switch {
	case key.Matches(km, p.keys.Back):
		return p, p.leave()
	case p.step != cosignLabel:
		// Refused or done: esc is the only key.
	case key.Matches(km, p.keys.Up), key.Matches(km, p.keys.Down):
		p.label = 1 - p.label
	case key.Matches(km, p.keys.Select):
		p.step = cosignNew
		p.ch = newPassphraseChooser(p.c, p.key.Role, false)
		return p, p.ch.init()
	}
	return p, nil
}

// failed puts an engine error where it can be acted on: a wrong
// passphrase or a directory at the form, a key cosign cannot take as the
// refusal, a failed write under the chooser (the passphrase is kept, so
// that trying again is one enter).
func (p *cosignExportPage) failed(err error) tea.Cmd {
	switch {
	case p.step == cosignChecking && errors.Is(err, migrate.ErrUnsupportedKey):
		zero(p.current)
		p.current = nil
		p.form.reset()
		p.step, p.why = cosignRefused, sentence(err.Error())
		return nil
	case p.step == cosignChecking:
		zero(p.current)
		p.current = nil
		p.step = cosignForm
		if errors.Is(err, vault.ErrWrongPassphrase) {
			p.form.reset(fieldPass)
			return p.form.fail(fieldPass, passphraseError(err))
		}
		return p.form.fail(fieldPath, sentence(err.Error()))
	case p.step == cosignWorking:
		p.step, p.why = cosignNew, sentence(err.Error())
		p.ch = newPassphraseChooser(p.c, p.key.Role, false)
		return p.ch.init()
	}
	return nil
}

// updateForm runs the first form; on submit the engine checks the
// passphrase and the directory.
func (p *cosignExportPage) updateForm(msg tea.Msg) tea.Cmd {
	res, cmd := p.form.Update(msg)
	switch res {
	case formCancelled:
		return p.leave()
	case formSubmitted:
		p.current = p.form.value(fieldPass)
		p.dir = absPath(strings.TrimSpace(p.form.text(fieldPath)))
		p.form.reset(fieldPass)
		p.form.blur()
		p.step = cosignChecking
		return tea.Batch(checkCosignExportCmd(p.c.store, p.key.ID, bytes.Clone(p.current), p.dir), p.c.spinner.Tick)
	}
	return cmd
}

// updateChooser runs the passphrase chooser; done writes the files.
func (p *cosignExportPage) updateChooser(msg tea.Msg) tea.Cmd {
	res, cmd := p.ch.Update(msg)
	switch res {
	case chooserCancelled:
		return p.leave(cmd)
	case chooserDone:
		next, clear := p.ch.take()
		p.step, p.why = cosignWorking, ""
		opts := migrate.CosignOptions{Label: cosignLabels[p.label].label}
		return tea.Batch(clear, exportCosignCmd(p.c.store, p.key.ID, bytes.Clone(p.current), next, p.dir, opts), p.c.spinner.Tick)
	}
	return cmd
}

// checkCosignExportCmd checks, before a new passphrase is chosen, that the
// directory can take the export and that pass opens a key cosign can use.
func checkCosignExportCmd(store *vault.Store, id string, pass []byte, dir string) tea.Cmd {
	return func() tea.Msg {
		defer zero(pass)
		if err := migrate.CheckOutputDir(dir); err != nil {
			return errorMsg{err: err}
		}
		pk, err := store.Unlock(id, once(pass))
		if err != nil {
			return errorMsg{err: err}
		}
		if _, err := migrate.EncodeCosignPublicKey(pk.Public()); err != nil {
			return errorMsg{err: err}
		}
		return cosignCheckedMsg{}
	}
}

// exportCosignCmd unlocks the key and writes the pair with the engine's
// export, as the command line does.
func exportCosignCmd(store *vault.Store, id string, old, next []byte, dir string, opts migrate.CosignOptions) tea.Cmd {
	return func() tea.Msg {
		defer zero(old)
		defer zero(next)
		pk, err := store.Unlock(id, once(old))
		if err != nil {
			return errorMsg{err: err}
		}
		ex, err := migrate.ExportCosign(dir, pk.Signer, next, opts)
		if err != nil {
			return errorMsg{err: err}
		}
		return cosignExportedMsg{export: ex}
	}
}

func (p *cosignExportPage) View() string {
	st := p.c.styles
	var b strings.Builder
	subject := fmt.Sprintf("%s key %s", orDash(p.key.Role), p.key.ShortID())
	if p.key.GUN != "" {
		subject += " of " + visible(p.key.GUN)
	}
	b.WriteString(st.SubHeading.Render(truncate("Export the "+subject+" to cosign", p.width)))
	b.WriteString("\n" + st.Faint.Render(wrap("cosign.key in cosign's own encrypted format under a new passphrase, and cosign.pub; "+
		"no unencrypted copy is written. A relative directory is made in the one trustvault was started in. Notation: use the command line (trustvault migrate notation "+p.key.ShortID()+").", p.width)))
	b.WriteString("\n\n")
	switch p.step {
	case cosignRefused:
		b.WriteString(st.Bad.Render(wrap(p.why, p.width)) + "\n" + st.Faint.Render("Nothing was written. esc goes back."))
	case cosignForm:
		b.WriteString(p.form.View(st, p.width))
		if p.c.demo && p.c.demoPassphrase != "" && p.form.field(fieldPass) != nil {
			b.WriteString("\n" + st.Faint.Render(truncate("Demo vault passphrase: "+p.c.demoPassphrase, p.width)))
		}
	case cosignChecking:
		b.WriteString(p.c.spinner.View() + " Unlocking the key and checking " + p.dir + "…")
	case cosignLabel:
		b.WriteString(p.labelView())
	case cosignNew:
		b.WriteString(st.SubHeading.Render("The new passphrase of cosign.key") + " " + st.Faint.Render("(cosign asks for it, or reads COSIGN_PASSWORD)") + "\n")
		b.WriteString(p.ch.View(p.width))
	case cosignWorking:
		b.WriteString(p.c.spinner.View() + " Writing cosign.key and cosign.pub into " + p.dir + "…")
	case cosignDone:
		b.WriteString(p.doneView())
	}
	if p.why != "" && p.step != cosignRefused {
		b.WriteString("\n" + st.Bad.Render(wrap(p.why, p.width)))
	}
	return b.String()
}

// labelView is the label choice.
func (p *cosignExportPage) labelView() string {
	st := p.c.styles
	lines := []string{st.SubHeading.Render("Which cosign will read it?")}
	for i, l := range cosignLabels {
		line := "  " + l.text
		if i == p.label {
			line = st.Selected.Render(fit("▸ "+l.text, p.width))
		}
		lines = append(lines, truncate(line, p.width))
	}
	lines = append(lines, "", st.Faint.Render(wrap("cosign 2.0.0 and older read only the COSIGN label; every later release reads both. "+
		"The key is encrypted with scrypt N=2^15, which every cosign release reads.", p.width)))
	return strings.Join(lines, "\n")
}

// doneView says what was written and what cosign does with it, the
// public Rekor log first.
func (p *cosignExportPage) doneView() string {
	st := p.c.styles
	ex := p.done
	lines := []string{
		st.OK.Render(wrap("Wrote "+ex.KeyPath+" (0600, encrypted under the new passphrase) and "+ex.PubPath+" (0644).", p.width)),
		wrap(ex.PubPath+" is the same public key as DCT key "+p.key.ShortID()+".", p.width),
		"",
	}
	for _, l := range migrate.CosignUsage(ex.KeyPath, ex.PubPath) {
		switch {
		case strings.HasPrefix(strings.TrimSpace(l), "cosign "):
			lines = append(lines, wrapCommand(l, p.width)...) // commands stay whole, to paste
		case strings.HasPrefix(l, "    "):
			lines = append(lines, st.Warn.Render(l)) // what cosign sign does by default: Rekor
		default:
			lines = append(lines, wrap(l, p.width))
		}
	}
	return strings.Join(lines, "\n")
}
