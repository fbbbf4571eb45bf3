package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// disabledAction is an action a page offers but that cannot run now: its
// binding (disabled, so the footer leaves it out and it does not match)
// and why, with what to do about it. The help overlay lists them, and
// pressing the key says why in the footer instead of doing nothing.
type disabledAction struct {
	binding key.Binding
	why     string
}

// unavailabler is a page with actions that cannot run now.
type unavailabler interface{ unavailable() []disabledAction }

// explainDisabled answers a key that belongs to a disabled action with its
// reason; nil when the key is none of them.
func explainDisabled(actions []disabledAction, msg tea.KeyPressMsg) tea.Cmd {
	for _, a := range actions {
		if bindingHasKey(a.binding, msg.String()) {
			return errorCmd(disabledError{a})
		}
	}
	return nil
}

// disabledError is the footer's reason for an action that cannot run.
type disabledError struct{ a disabledAction }

func (e disabledError) Error() string {
	return e.a.binding.Help().Desc + " is not available: " + e.a.why
}

// bindingHasKey reports whether b lists k among its keys, enabled or not.
func bindingHasKey(b key.Binding, k string) bool {
	for _, bk := range b.Keys() {
		if bk == k {
			return true
		}
	}
	return false
}

// disabledHelp is the help overlay's list of actions that cannot run now.
func disabledHelp(st Styles, actions []disabledAction, width int) string {
	if len(actions) == 0 {
		return ""
	}
	lines := []string{st.Heading.Render("Not available now")}
	for _, a := range actions {
		h := a.binding.Help()
		lines = append(lines, wrap(st.Faint.Render(h.Key+"  "+h.Desc+": "+a.why), width))
	}
	return strings.Join(lines, "\n")
}

// moveToTokenBlocker says why a key file cannot go onto a token now; ""
// when it can, or when the action does not apply to the key at all.
func moveToTokenBlocker(s *snapshot, f *vault.Key) string {
	switch {
	case f == nil || f.Err != nil:
		return ""
	case f.Kind() != keyrole.Root:
		return "" // only root keys go onto a Yubikey
	case s.tokens.keyOn(f.ID) != nil:
		return "it is on a token already"
	case s.tokens.err != nil:
		return "the tokens could not be read (" + s.tokens.err.Error() + "): start pcscd, plug in a Yubikey, then press r"
	case len(s.tokens.infos) == 0:
		return "no Yubikey is plugged in: plug one in, then press r"
	}
	return ""
}
