package ui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
)

// minPassphrase is notary's minimum passphrase length; the guided
// generator of a later issue raises the bar per role.
const minPassphrase = 8

// formKind says which action a form performs.
type formKind int

const (
	formPassphrase formKind = iota
	formExport
)

// keyForm is a small form on the key page: a few inputs, a confirm, and an
// engine call in a command.
type keyForm struct {
	kind   formKind
	keys   formKeys
	fields []formField
	focus  int
	err    string
	busy   bool
}

// formField is one labelled input.
type formField struct {
	name  string // what validation and submission look it up by
	label string
	short string // the label on narrow terminals
	input textinput.Model
}

// Field names.
const (
	fieldOld     = "old"
	fieldNew     = "new"
	fieldConfirm = "confirm"
	fieldPass    = "passphrase"
	fieldPath    = "path"
)

func newField(st Styles, name, label, short string, secret bool) formField {
	in := textinput.New()
	in.Prompt = ""
	in.SetStyles(st.Input)
	if secret {
		in.EchoMode = textinput.EchoPassword
		in.EchoCharacter = '•'
	}
	return formField{name: name, label: label, short: short, input: in}
}

// newPassphraseForm asks for the old passphrase (when the file is
// encrypted) and the new one twice.
func newPassphraseForm(st Styles, k *vault.Key) *keyForm {
	f := &keyForm{kind: formPassphrase, keys: defaultFormKeys()}
	if k.Encryption.Scheme != vault.SchemeNone {
		f.fields = append(f.fields, newField(st, fieldOld, "Current passphrase", "Current", true))
	}
	f.fields = append(f.fields,
		newField(st, fieldNew, "New passphrase", "New", true),
		newField(st, fieldConfirm, "New passphrase again", "Again", true))
	return f
}

// newExportForm asks for the passphrase (when the file is encrypted) and a
// file to write the public key to.
func newExportForm(st Styles, k *vault.Key) *keyForm {
	f := &keyForm{kind: formExport, keys: defaultFormKeys()}
	if k.Encryption.Scheme != vault.SchemeNone {
		f.fields = append(f.fields, newField(st, fieldPass, "Passphrase", "Passphrase", true))
	}
	path := newField(st, fieldPath, "Write to file", "File", false)
	path.input.Placeholder = "empty: show it here"
	f.fields = append(f.fields, path)
	return f
}

func (f *keyForm) title() string {
	if f.kind == formExport {
		return "Export the public key"
	}
	return "Change the passphrase"
}

// fieldNamed returns a field by name, or nil.
func fieldNamed(fields []formField, name string) *formField {
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	return nil
}

// fieldValue returns a field's text, or nil; secret fields are taken as
// bytes.
func fieldValue(fields []formField, name string) []byte {
	if fl := fieldNamed(fields, name); fl != nil {
		return []byte(fl.input.Value())
	}
	return nil
}

// focusField focuses field i (counted round the ends), blurs the others
// and returns the focused index with the focus command.
func focusField(fields []formField, i int) (int, tea.Cmd) {
	focus := (i + len(fields)) % len(fields)
	var cmd tea.Cmd
	for j := range fields {
		if j == focus {
			cmd = fields[j].input.Focus()
		} else {
			fields[j].input.Blur()
		}
	}
	return focus, cmd
}

func (f *keyForm) field(name string) *formField { return fieldNamed(f.fields, name) }
func (f *keyForm) value(name string) []byte     { return fieldValue(f.fields, name) }

// focusOn moves the focus to field i.
func (f *keyForm) focusOn(i int) tea.Cmd {
	var cmd tea.Cmd
	f.focus, cmd = focusField(f.fields, i)
	return cmd
}

// clear empties every input, so that no passphrase stays in the model.
func (f *keyForm) clear() {
	for i := range f.fields {
		f.fields[i].input.Reset()
	}
}

// submitted is what a form asks its page to do.
type submitted struct {
	cmd    tea.Cmd
	cancel bool
}

// Update handles a key. It returns a command to run the engine when the
// form is complete, or cancel when the person gave up.
func (f *keyForm) Update(msg tea.Msg, store *vault.Store, id string) (submitted, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
		return submitted{}, cmd
	}
	if f.busy {
		return submitted{}, nil // the engine is working; ctrl+c still quits
	}
	switch {
	case key.Matches(km, f.keys.Cancel):
		f.clear()
		return submitted{cancel: true}, nil
	case key.Matches(km, f.keys.Next):
		return submitted{}, f.focusOn(f.focus + 1)
	case key.Matches(km, f.keys.Prev):
		return submitted{}, f.focusOn(f.focus - 1)
	case key.Matches(km, f.keys.Submit):
		if f.focus < len(f.fields)-1 {
			return submitted{}, f.focusOn(f.focus + 1)
		}
		return f.submit(store, id)
	}
	f.err = ""
	var cmd tea.Cmd
	f.fields[f.focus].input, cmd = f.fields[f.focus].input.Update(msg)
	return submitted{}, cmd
}

// submit checks the form and starts the engine call.
func (f *keyForm) submit(store *vault.Store, id string) (submitted, tea.Cmd) {
	switch f.kind {
	case formPassphrase:
		next, again := f.value(fieldNew), f.value(fieldConfirm)
		defer zero(again)
		switch {
		case len(next) < minPassphrase:
			zero(next)
			f.err = fmt.Sprintf("The new passphrase needs at least %d characters.", minPassphrase)
			return submitted{}, f.focusOn(f.indexOf(fieldNew))
		case !bytes.Equal(next, again):
			zero(next)
			f.err = "The two new passphrases differ."
			f.field(fieldConfirm).input.Reset()
			return submitted{}, f.focusOn(f.indexOf(fieldConfirm))
		}
		f.busy = true
		cmd := changePassphraseCmd(store, id, f.value(fieldOld), next)
		f.clear()
		return submitted{cmd: cmd}, nil
	default:
		path := strings.TrimSpace(string(f.value(fieldPath)))
		f.busy = true
		cmd := exportPublicCmd(store, id, f.value(fieldPass), path)
		f.field(fieldPath).input.Reset()
		if p := f.field(fieldPass); p != nil {
			p.input.Reset()
		}
		return submitted{cmd: cmd}, nil
	}
}

func (f *keyForm) indexOf(name string) int {
	for i := range f.fields {
		if f.fields[i].name == name {
			return i
		}
	}
	return 0
}

// failed shows an engine error in the form and lets the person try again.
func (f *keyForm) failed(err error) tea.Cmd {
	f.busy = false
	switch {
	case errors.Is(err, vault.ErrWrongPassphrase):
		f.err = "Wrong passphrase: nothing was changed. Try again, or esc to cancel."
		name := fieldOld
		if f.kind == formExport {
			name = fieldPass
		}
		return f.focusOn(f.indexOf(name))
	case errors.Is(err, vault.ErrLocked):
		f.err = "Another trustvault is writing to this trust directory; try again when it is done."
	default:
		f.err = err.Error()
	}
	return f.focusOn(0)
}

// formRoomy is the page height from which a form gets a border and the
// key's ID above it.
const formRoomy = 12

// View draws the form; boxed, in a box when there is room for one.
func (f *keyForm) View(c *common, width int, boxed bool) string {
	st := c.styles
	inner := width
	if boxed {
		inner = max(min(width, 76)-4, 10)
	}
	labelW := 0
	short := false
	for _, fl := range f.fields {
		labelW = max(labelW, len(fl.label))
	}
	if inner < labelW+24 {
		short, labelW = true, 0
		for _, fl := range f.fields {
			labelW = max(labelW, len(fl.short))
		}
	}
	var b strings.Builder
	b.WriteString(st.SubHeading.Render(truncate(f.title(), inner)))
	for i := range f.fields {
		fl := &f.fields[i]
		marker := "  "
		if i == f.focus && !f.busy {
			marker = "▸ "
		}
		label := fl.label
		if short {
			label = fl.short
		}
		fl.input.SetWidth(max(inner-labelW-5, 4))
		b.WriteString("\n" + marker + st.Label.Render(pad(label+":", labelW+2)) + fl.input.View())
	}
	switch {
	case f.busy && f.kind == formPassphrase:
		b.WriteString("\n" + c.spinner.View() + " Re-encrypting the key…")
	case f.busy:
		b.WriteString("\n" + c.spinner.View() + " Unlocking the key…")
	case f.err != "":
		b.WriteString("\n" + st.Bad.Render(wrap(f.err, inner)))
	case f.kind == formExport:
		b.WriteString("\n" + st.Faint.Render(truncate("enter confirms · esc cancels", inner)))
	default:
		hint := fmt.Sprintf("At least %d characters. enter confirms · esc cancels", minPassphrase)
		b.WriteString("\n" + st.Faint.Render(wrap(hint, inner)))
	}
	if c.demo && c.demoPassphrase != "" && (f.field(fieldOld) != nil || f.field(fieldPass) != nil) {
		b.WriteString("\n" + st.Faint.Render(truncate("Demo vault passphrase: "+c.demoPassphrase, inner)))
	}
	if !boxed {
		return b.String()
	}
	return st.FormBorder.Width(inner + 4).Render(b.String())
}

func (f *keyForm) help() []key.Binding {
	if f.busy {
		return nil
	}
	return []key.Binding{f.keys.Submit, f.keys.Next, f.keys.Prev, f.keys.Cancel}
}

// Results of the engine calls the forms start.
type (
	passphraseChangedMsg      struct{ key vault.Key }
	passphraseChangeFailedMsg struct{ err error }
	publicKeyExportedMsg      struct {
		pem  []byte
		path string // "" when it is only shown
	}
	publicKeyExportFailedMsg struct{ err error }
)

// once answers the engine's first request for a passphrase with p, and any
// later one (after a wrong passphrase) with ErrWrongPassphrase, so that a
// wrong passphrase comes straight back to the form.
func once(p []byte) vault.PassphraseFunc {
	return func(r vault.PassphraseRequest) ([]byte, error) {
		if r.Attempt > 1 {
			return nil, vault.ErrWrongPassphrase
		}
		return bytes.Clone(p), nil
	}
}

// changePassphraseCmd re-encrypts a key under a new passphrase.
func changePassphraseCmd(store *vault.Store, id string, old, next []byte) tea.Cmd {
	return func() tea.Msg {
		defer zero(old)
		defer zero(next)
		k, err := store.ChangePassphrase(id, once(old), once(next))
		if err != nil {
			return passphraseChangeFailedMsg{err: err}
		}
		return passphraseChangedMsg{key: k}
	}
}

// exportPublicCmd unlocks a key and writes its public part to path, or
// returns it to be shown when path is empty. It never overwrites a file.
func exportPublicCmd(store *vault.Store, id string, pass []byte, path string) tea.Cmd {
	return func() tea.Msg {
		defer zero(pass)
		pem, err := store.ExportPublic(id, once(pass))
		if err != nil {
			return publicKeyExportFailedMsg{err: err}
		}
		if path == "" {
			return publicKeyExportedMsg{pem: pem}
		}
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, rest)
			}
		}
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			if errors.Is(err, os.ErrExist) {
				err = fmt.Errorf("%s already exists: choose another file name", path)
			}
			return publicKeyExportFailedMsg{err: err}
		}
		_, err = f.Write(pem)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(path)
			return publicKeyExportFailedMsg{err: fmt.Errorf("write %s: %w", path, err)}
		}
		return publicKeyExportedMsg{pem: pem, path: path}
	}
}

// zero overwrites a secret.
func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
