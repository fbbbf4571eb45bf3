package ui

import (
	"bytes"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
)

// form is the input of every flow that asks for text: the key page's
// export, the token flows, the current passphrase of passwd and harden,
// a delegation's name, the archive to restore and its passphrase. It owns
// the fields, the focus, the keys that move between them, submit and
// cancel, and one message; the page that hosts it runs the engine call and
// reports back with fail.
//
// The message (a field's check, or an engine error the host passes to
// fail) stays on screen until the person changes the text of the field it
// is about: cursor blinks, spinner ticks and moving the focus never erase
// it.
type form struct {
	keys   formKeys
	fields []formField
	focus  int
	msg    string
	// msgField is the field msg is about; -1: the whole form (any edit
	// clears it).
	msgField int
	// busy is set by the host while the engine works on what was
	// submitted; keys are ignored then (ctrl+c still quits).
	busy bool
}

// formField is one labelled input.
type formField struct {
	name  string // what checks and hosts look it up by
	label string
	short string // the label on narrow terminals
	input lineInput
	// required: submitting with this field empty does nothing.
	required bool
	// check, when set, vets the text on submit; its error is shown at the
	// field.
	check func(string) error
}

// Field names.
const (
	fieldPass   = "passphrase"
	fieldPath   = "path"
	fieldName   = "name"
	fieldPIN    = "pin"
	fieldPUK    = "puk"
	fieldSerial = "serial"
)

// formResult is what an Update means for the host.
type formResult int

const (
	formEditing   formResult = iota
	formSubmitted            // every field passed its check: take the values
	formCancelled            // the person gave up; the host clears the form
)

// newField is a text input; secret ones echo dots.
func newField(st Styles, name, label, short string, secret bool) formField {
	in := newLineInput()
	in.Prompt = ""
	in.SetStyles(st.Input)
	if secret {
		in.EchoMode = echoPassword
		in.EchoCharacter = '•'
	}
	return formField{name: name, label: label, short: short, input: in}
}

// newForm makes a form of fields. With one field, tab and shift+tab do
// nothing and are not offered.
func newForm(fields ...formField) *form {
	f := &form{keys: defaultFormKeys(), fields: fields, msgField: -1}
	f.keys.Next.SetEnabled(len(fields) > 1)
	f.keys.Prev.SetEnabled(len(fields) > 1)
	return f
}

// index is the position of the field named name, or -1.
func (f *form) index(name string) int {
	for i := range f.fields {
		if f.fields[i].name == name {
			return i
		}
	}
	return -1
}

// field returns a field by name, or nil.
func (f *form) field(name string) *formField {
	if i := f.index(name); i >= 0 {
		return &f.fields[i]
	}
	return nil
}

// text is a field's text; "" when there is no such field.
func (f *form) text(name string) string {
	if fl := f.field(name); fl != nil {
		return fl.input.Value()
	}
	return ""
}

// value is a field's text as bytes for a secret, or nil when there is no
// such field; the caller zeroes it.
func (f *form) value(name string) []byte {
	if fl := f.field(name); fl != nil {
		return []byte(fl.input.Value())
	}
	return nil
}

// focusOn focuses field i (counted round the ends) and blurs the others.
func (f *form) focusOn(i int) tea.Cmd {
	if len(f.fields) == 0 {
		return nil
	}
	f.focus = (i + len(f.fields)) % len(f.fields)
	var cmd tea.Cmd
	for j := range f.fields {
		if j == f.focus {
			cmd = f.fields[j].input.Focus()
			f.fields[j].input.CursorEnd()
		} else {
			f.fields[j].blur()
		}
	}
	return cmd
}

// blur takes the focus away from every field.
func (f *form) blur() {
	for j := range f.fields {
		f.fields[j].blur()
	}
}

// blur takes the focus away from the field and shows it from its start
// (a long value left scrolled to its end showed "a256:…" for "sha256:…").
func (fl *formField) blur() {
	fl.input.Blur()
	fl.input.CursorStart()
}

// reset empties the named fields (every field when none is named), so
// that no secret stays in the model once it went to a command.
func (f *form) reset(names ...string) {
	for i := range f.fields {
		if len(names) == 0 || containsString(names, f.fields[i].name) {
			f.fields[i].input.Reset()
		}
	}
}

// resetExcept empties every field but the named ones.
func (f *form) resetExcept(keep ...string) {
	for i := range f.fields {
		if !containsString(keep, f.fields[i].name) {
			f.fields[i].input.Reset()
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// restart empties every field and forgets the message, for a new
// question in the same form.
func (f *form) restart() {
	f.reset()
	f.msg, f.msgField = "", -1
}

// fail ends a busy spell with a message about the field named name ("":
// the whole form) and puts the focus there.
func (f *form) fail(name, msg string) tea.Cmd {
	f.busy = false
	f.msg, f.msgField = msg, f.index(name)
	return f.focusOn(max(f.msgField, 0))
}

// Update handles a message: keys move, submit or cancel, or edit the
// focused field; everything else (cursor blinks, pastes) goes to the
// focused input.
func (f *form) Update(msg tea.Msg) (formResult, tea.Cmd) {
	if len(f.fields) == 0 {
		return formEditing, nil
	}
	km, isKey := msg.(tea.KeyPressMsg)
	if isKey && f.busy {
		return formEditing, nil
	}
	if isKey {
		switch {
		case key.Matches(km, f.keys.Cancel):
			return formCancelled, nil
		case key.Matches(km, f.keys.Next):
			return formEditing, f.focusOn(f.focus + 1)
		case key.Matches(km, f.keys.Prev):
			return formEditing, f.focusOn(f.focus - 1)
		case key.Matches(km, f.keys.Submit):
			if f.focus < len(f.fields)-1 {
				return formEditing, f.focusOn(f.focus + 1)
			}
			return f.submit()
		}
	}
	fl := &f.fields[f.focus]
	before := fl.input.Value()
	var cmd tea.Cmd
	fl.input, cmd = fl.input.Update(msg)
	if fl.input.Value() != before && (f.msgField < 0 || f.msgField == f.focus) {
		f.msg, f.msgField = "", -1
	}
	return formEditing, cmd
}

// submit runs the fields' checks, in order, and stops at the first that
// fails.
func (f *form) submit() (formResult, tea.Cmd) {
	for i := range f.fields {
		fl := &f.fields[i]
		if fl.required && fl.input.Value() == "" {
			// Say why enter did nothing, at the field.
			f.msg, f.msgField = sentence(strings.ToLower(fl.label[:1])+fl.label[1:]+" is empty: type it, then press enter"), i
			return formEditing, f.focusOn(i)
		}
		if fl.check == nil {
			continue
		}
		if err := fl.check(fl.input.Value()); err != nil {
			f.msg, f.msgField = sentence(err.Error()), i
			return formEditing, f.focusOn(i)
		}
	}
	f.msg, f.msgField = "", -1
	return formSubmitted, nil
}

// sentence makes an error's text a sentence: a capital letter first, a
// full stop at the end when it has none; control characters in the names
// it quotes are written as escapes (visible).
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = visible(s)
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.ContainsAny(s[len(s)-1:], ".!?:)") {
		s += "."
	}
	return s
}

// View draws the fields, one a line (a marker on the focused one, the
// labels in a column), and the message under them, in width columns.
func (f *form) View(st Styles, width int) string {
	labelW, short := 0, false
	for _, fl := range f.fields {
		labelW = max(labelW, len(fl.label))
	}
	if width < labelW+24 {
		short, labelW = true, 0
		for _, fl := range f.fields {
			labelW = max(labelW, len(fl.short))
		}
	}
	lines := make([]string, 0, len(f.fields)+1)
	for i := range f.fields {
		fl := &f.fields[i]
		marker := "  "
		if i == f.focus && !f.busy {
			marker = st.Present.Render("▸ ")
		}
		label := fl.label
		if short {
			label = fl.short
		}
		fl.input.SetWidth(max(width-labelW-5, 4))
		lines = append(lines, marker+st.Label.Render(pad(label+":", labelW+2))+fl.input.View())
	}
	if f.msg != "" {
		lines = append(lines, st.Bad.Render(wrap(f.msg, width)))
	}
	return strings.Join(lines, "\n")
}

// help is the form's keys; none while the engine works.
func (f *form) help() []key.Binding {
	if f.busy {
		return nil
	}
	return []key.Binding{f.keys.Submit, f.keys.Next, f.keys.Prev, f.keys.Cancel}
}

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

// zero overwrites a secret.
func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
