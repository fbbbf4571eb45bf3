package ui

import "charm.land/bubbles/v2/key"

// globalKeys are the keys the root model handles on every page.
type globalKeys struct {
	Help    key.Binding
	Refresh key.Binding
	Quit    key.Binding
	// Health opens the health page, Explain the error translator,
	// Hardware the Yubikeys page.
	Health   key.Binding
	Explain  key.Binding
	Hardware key.Binding
	// Leave quits while there is no page yet (loading, or a directory
	// that could not be opened).
	Leave key.Binding
}

func defaultGlobalKeys() globalKeys {
	return globalKeys{
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Refresh:  key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "refresh")),
		Quit:     key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Health:   key.NewBinding(key.WithKeys("!"), key.WithHelp("!", "health")),
		Explain:  key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "explain an error")),
		Hardware: key.NewBinding(key.WithKeys("Y"), key.WithHelp("Y", "Yubikeys")),
		Leave:    key.NewBinding(key.WithKeys("q", "esc"), key.WithHelp("q", "quit")),
	}
}

// navKeys move through a list; every list page embeds them.
type navKeys struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Open     key.Binding
	Back     key.Binding
}

func defaultNavKeys() navKeys {
	return navKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "ctrl+d", "space"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),
		Open:     key.NewBinding(key.WithKeys("enter", "right", "l"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc", "q", "left", "h"), key.WithHelp("q/esc", "back")),
	}
}

// formKeys drive the small forms on the key page.
type formKeys struct {
	Next   key.Binding
	Prev   key.Binding
	Submit key.Binding
	Cancel key.Binding
}

func defaultFormKeys() formKeys {
	return formKeys{
		Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous field")),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / confirm")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
