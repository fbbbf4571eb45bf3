package ui

import (
	"errors"
	"strings"
	"testing"

	"charm.land/bubbles/v2/cursor"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// testForm is a two-field form: a required secret and a name that must
// not contain a space.
func testForm() *form {
	st := PlainStyles()
	pass := newField(st, fieldPass, "Passphrase", "Pass", true)
	pass.required = true
	name := newField(st, fieldName, "Name", "Name", false)
	name.check = func(s string) error {
		if strings.Contains(s, " ") {
			return errors.New("a name has no spaces")
		}
		return nil
	}
	f := newForm(pass, name)
	f.focusOn(0)
	return f
}

// formType types text into the focused field.
func formType(f *form, text string) {
	for _, r := range text {
		f.Update(keyPress(string(r)))
	}
}

func TestFormSubmitAndChecks(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pass      string
		fieldName string
		want      formResult
		wantMsg   string
		wantFocus int
	}{
		{"complete", "secret", "alice", formSubmitted, "", 1},
		{"required field empty: said at the field, focus there", "", "alice", formEditing, "Passphrase is empty: type it, then press enter.", 0},
		{"check fails: its reason, focus there", "secret", "a b", formEditing, "A name has no spaces.", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testForm()
			formType(f, tc.pass)
			f.Update(keyPress("tab"))
			formType(f, tc.fieldName)
			res, _ := f.Update(keyPress("enter"))
			if res != tc.want || f.msg != tc.wantMsg || f.focus != tc.wantFocus {
				t.Errorf("got %v %q focus %d, want %v %q focus %d", res, f.msg, f.focus, tc.want, tc.wantMsg, tc.wantFocus)
			}
		})
	}
}

// A message stays through blinks, ticks and focus moves, and goes when
// the field it is about is edited.
func TestFormMessageStays(t *testing.T) {
	f := testForm()
	formType(f, "secret")
	f.Update(keyPress("enter"))
	formType(f, "a b")
	f.Update(keyPress("enter"))
	want := "A name has no spaces."
	for _, msg := range []tea.Msg{cursor.BlinkMsg{}, spinner.TickMsg{}, keyPress("tab"), keyPress("tab")} {
		f.Update(msg)
		if f.msg != want {
			t.Fatalf("after %T the message is %q", msg, f.msg)
		}
	}
	if !strings.Contains(f.View(PlainStyles(), 60), want) {
		t.Errorf("the message is not drawn:\n%s", f.View(PlainStyles(), 60))
	}
	// Editing another field leaves it; editing its own clears it.
	f.focusOn(0)
	formType(f, "x")
	if f.msg != want {
		t.Fatalf("an edit of another field cleared the message")
	}
	f.focusOn(1)
	f.Update(keyPress("backspace"))
	if f.msg != "" {
		t.Errorf("editing the field kept %q", f.msg)
	}
	// An engine error about the whole form goes with any edit.
	f.fail("", "Another trustvault is writing.")
	if f.focus != 0 || f.busy {
		t.Fatalf("fail: focus %d busy %v", f.focus, f.busy)
	}
	f.Update(cursor.BlinkMsg{})
	formType(f, "y")
	if f.msg != "" {
		t.Errorf("an edit kept the form's message %q", f.msg)
	}
}

func TestFormCancelAndBusy(t *testing.T) {
	f := testForm()
	f.busy = true
	if res, _ := f.Update(keyPress("esc")); res != formEditing {
		t.Error("a busy form took esc")
	}
	if f.help() != nil {
		t.Error("a busy form offers keys")
	}
	f.busy = false
	if res, _ := f.Update(keyPress("esc")); res != formCancelled {
		t.Error("esc did not cancel")
	}
	one := newForm(newField(PlainStyles(), fieldPass, "Passphrase", "Pass", true))
	if one.keys.Next.Enabled() || one.keys.Prev.Enabled() {
		t.Error("a one-field form offers tab")
	}
}

// A long value in a field the focus has left is shown from its start, not
// scrolled to where the cursor was (a digest showed as "a256:cccc…").
func TestFormBlurredFieldFromStart(t *testing.T) {
	f := testForm()
	f.View(PlainStyles(), 40) // sets the fields' widths, as the page's View does
	f.Update(keyPress("tab"))
	value := "sha256:" + strings.Repeat("c", 64)
	formType(f, value)
	f.Update(keyPress("shift+tab"))
	out := f.View(PlainStyles(), 40)
	if !strings.Contains(out, " sha256:ccc") {
		t.Errorf("the field the focus left does not show its start:\n%s", out)
	}
	f.Update(keyPress("tab"))
	formType(f, "d")
	if got := f.text(fieldName); got != value+"d" {
		t.Errorf("typing after the focus came back: %q, want the end of the value", got)
	}
}
