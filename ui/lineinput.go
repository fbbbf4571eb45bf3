package ui

// lineInput is the one-line text input of the forms, the passphrase
// chooser, the Health filter and explain. It is trustvault's own rather than
// bubbles' textinput: that one imports atotto/clipboard, whose init searches
// $PATH for clipboard programs at every start of every command, a
// passphrase prompt or a `trustvault --version` alike (6 to 8 % of a start,
// issue 13), for a ctrl+v paste that the terminal's own paste gives anyway.
// A secret's runes are wiped when the input is reset or given a new value.

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// echoMode says how typed text is shown.
type echoMode int

const (
	echoNormal   echoMode = iota
	echoPassword          // each character as EchoCharacter
)

// inputStyles style a lineInput; focus changes only the cursor.
type inputStyles struct {
	Prompt, Text, Placeholder lipgloss.Style
	// Cursor is the cell under the cursor of a focused input.
	Cursor lipgloss.Style
}

// colorInputStyles are the inputs' styles with the placeholder in
// placeholder's style and the cursor in reverse video.
func colorInputStyles(placeholder lipgloss.Style) inputStyles {
	plain := lipgloss.NewStyle()
	return inputStyles{Prompt: plain, Text: plain, Placeholder: placeholder, Cursor: plain.Reverse(true)}
}

// plainInputStyles are the inputs' styles for NO_COLOR: the cursor in
// reverse video only.
func plainInputStyles() inputStyles { return colorInputStyles(lipgloss.NewStyle()) }

type lineInput struct {
	// Prompt comes before the text; Placeholder shows while it is empty.
	Prompt, Placeholder string
	// CharLimit is the most characters the input takes (0: no limit).
	CharLimit int
	EchoMode  echoMode
	// EchoCharacter stands for each character in echoPassword.
	EchoCharacter rune

	value  []rune
	pos    int // the cursor, 0 to len(value)
	offset int // the first character shown when the text is wider than width
	width  int // the cells for the text (0: as wide as the text)
	focus  bool
	styles inputStyles
}

func newLineInput() lineInput {
	return lineInput{Prompt: "> ", EchoCharacter: '*'}
}

// Focus lets the input take keys.
func (in *lineInput) Focus() tea.Cmd {
	in.focus = true
	return nil
}

// Blur stops the input taking keys.
func (in *lineInput) Blur() { in.focus = false }

// SetWidth sets how many cells the text may take.
func (in *lineInput) SetWidth(w int) {
	in.width = max(w, 0)
	in.scroll()
}

// SetStyles sets the styles.
func (in *lineInput) SetStyles(st inputStyles) { in.styles = st }

// Value is the text.
func (in lineInput) Value() string { return string(in.value) }

// SetValue replaces the text, the cursor at its end.
func (in *lineInput) SetValue(s string) {
	clear(in.value)
	in.value = in.value[:0]
	in.pos, in.offset = 0, 0
	in.insert([]rune(s)) // scrolls when it inserts anything; "" leaves 0, 0
}

// SetEchoMode shows the text as typed or as echo characters, keeping the
// cursor in view (a revealed character may be wider than its echo).
func (in *lineInput) SetEchoMode(m echoMode) {
	in.EchoMode = m
	in.scroll()
}

// Reset empties the input, wiping what was typed.
func (in *lineInput) Reset() {
	clear(in.value)
	in.value, in.pos, in.offset = nil, 0, 0
}

// CursorStart moves the cursor to the start.
func (in *lineInput) CursorStart() { in.setPos(0) }

// CursorEnd moves the cursor to the end.
func (in *lineInput) CursorEnd() { in.setPos(len(in.value)) }

func (in *lineInput) setPos(p int) {
	in.pos = min(max(p, 0), len(in.value))
	in.scroll()
}

// insert puts text at the cursor: tabs and line breaks become spaces, other
// control characters are dropped, and what passes CharLimit is cut.
func (in *lineInput) insert(text []rune) {
	clean := make([]rune, 0, len(text))
	for i := 0; i < len(text); i++ {
		r := text[i]
		switch {
		case r == '\r' && i+1 < len(text) && text[i+1] == '\n':
			// one break, one space
		case r == '\t' || r == '\n' || r == '\r':
			clean = append(clean, ' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		default:
			clean = append(clean, r)
		}
	}
	if in.CharLimit > 0 {
		clean = clean[:min(len(clean), max(in.CharLimit-len(in.value), 0))]
	}
	if len(clean) == 0 {
		return
	}
	grown := make([]rune, 0, len(in.value)+len(clean))
	grown = append(grown, in.value[:in.pos]...)
	grown = append(grown, clean...)
	grown = append(grown, in.value[in.pos:]...)
	clear(in.value) // the old copy of a secret
	clear(clean)
	in.value = grown
	in.setPos(in.pos + len(clean))
}

// Update takes a key or a paste when focused.
func (in lineInput) Update(msg tea.Msg) (lineInput, tea.Cmd) {
	if !in.focus {
		return in, nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		in.insert([]rune(msg.Content))
	case tea.KeyPressMsg:
		in.key(msg)
	}
	return in, nil
}

func (in *lineInput) key(msg tea.KeyPressMsg) {
	secret := in.EchoMode == echoPassword
	switch msg.String() {
	case "left", "ctrl+b":
		in.setPos(in.pos - 1)
	case "right", "ctrl+f":
		in.setPos(in.pos + 1)
	case "alt+left", "ctrl+left", "alt+b":
		if secret {
			in.setPos(0) // words would show where the spaces are
		} else {
			in.setPos(in.wordStart())
		}
	case "alt+right", "ctrl+right", "alt+f":
		if secret {
			in.setPos(len(in.value))
		} else {
			in.setPos(in.wordEnd())
		}
	case "home", "ctrl+a":
		in.setPos(0)
	case "end", "ctrl+e":
		in.setPos(len(in.value))
	case "backspace", "ctrl+h":
		in.cut(in.pos-1, in.pos)
	case "delete", "ctrl+d":
		in.cut(in.pos, in.pos+1)
	case "alt+backspace", "ctrl+w":
		if secret {
			in.cut(0, in.pos)
		} else {
			in.cut(in.wordStart(), in.pos)
		}
	case "alt+delete", "alt+d":
		if secret {
			in.cut(in.pos, len(in.value))
		} else {
			in.cut(in.pos, in.wordEnd())
		}
	case "ctrl+u":
		in.cut(0, in.pos)
	case "ctrl+k":
		in.cut(in.pos, len(in.value))
	default:
		if msg.Text != "" {
			in.insert([]rune(msg.Text))
		}
	}
}

// cut removes value[from:to] (clamped), the cursor at from.
func (in *lineInput) cut(from, to int) {
	from, to = max(from, 0), min(to, len(in.value))
	if from >= to {
		return
	}
	n := copy(in.value[from:], in.value[to:])
	clear(in.value[from+n:])
	in.value = in.value[:from+n]
	in.setPos(from)
}

// wordStart is where the word before the cursor starts.
func (in lineInput) wordStart() int {
	i := in.pos
	for i > 0 && in.value[i-1] == ' ' {
		i--
	}
	for i > 0 && in.value[i-1] != ' ' {
		i--
	}
	return i
}

// wordEnd is where the word after the cursor ends.
func (in lineInput) wordEnd() int {
	i := in.pos
	for i < len(in.value) && in.value[i] == ' ' {
		i++
	}
	for i < len(in.value) && in.value[i] != ' ' {
		i++
	}
	return i
}

// shown is the character shown for r.
func (in lineInput) shown(r rune) rune {
	if in.EchoMode == echoPassword {
		return in.EchoCharacter
	}
	return r
}

// cellWidth is how many cells r takes on screen (at least one).
func (in lineInput) cellWidth(r rune) int {
	return max(ansi.StringWidth(string(in.shown(r))), 1)
}

// echo is runes as shown.
func (in lineInput) echo(runes []rune) string {
	var b strings.Builder
	for _, r := range runes {
		b.WriteRune(in.shown(r))
	}
	return b.String()
}

// scroll keeps the cursor in view when the text is wider than the input:
// the cells from offset to the cursor, the cursor's own included, fit in
// width+1, and as much text before offset is shown as the rest leaves room
// for. Each call walks at most the cells on screen and the runes it skips
// from the cursor back to the old offset: a pasted 8,000-character error
// costs one pass, not one per character.
func (in *lineInput) scroll() {
	if in.width <= 0 {
		in.offset = 0
		return
	}
	room := in.width + 1
	in.offset = min(in.offset, in.pos)
	// From the cursor back, as far as the room reaches (or the old offset).
	start, used := in.pos, 1
	for start > in.offset && used+in.cellWidth(in.value[start-1]) <= room {
		start--
		used += in.cellWidth(in.value[start])
	}
	in.offset = start
	// The text after the cursor, up to the room left.
	for i := in.pos; i < len(in.value) && used <= room; i++ {
		used += in.cellWidth(in.value[i])
	}
	// Room left over: show more of the start.
	for in.offset > 0 && used+in.cellWidth(in.value[in.offset-1]) <= room {
		in.offset--
		used += in.cellWidth(in.value[in.offset])
	}
}

// View draws the prompt and the text with the cursor, in width+1 cells
// when a width is set (the cursor may stand after the last character).
func (in lineInput) View() string {
	st := in.styles
	prompt := st.Prompt.Render(in.Prompt)
	cursor := func(s string) string {
		if in.focus {
			return st.Cursor.Render(s)
		}
		return st.Text.Render(s)
	}
	if len(in.value) == 0 && in.Placeholder != "" {
		ph := []rune(in.Placeholder)
		rest := string(ph[1:])
		if in.width > 0 {
			rest = ansi.Truncate(rest, in.width, "")
			rest += strings.Repeat(" ", max(in.width-ansi.StringWidth(rest), 0))
		}
		return prompt + cursor(string(ph[0])) + st.Placeholder.Render(rest)
	}
	used := 0
	end := len(in.value)
	for i := in.offset; i < len(in.value); i++ {
		w := in.cellWidth(in.value[i])
		if in.width > 0 && used+w > in.width+1 {
			end = i
			break
		}
		used += w
	}
	under, after := " ", ""
	if in.pos < end {
		under = string(in.shown(in.value[in.pos]))
		after = in.echo(in.value[in.pos+1 : end])
	} else {
		used++
	}
	var b strings.Builder
	b.WriteString(prompt)
	b.WriteString(st.Text.Render(in.echo(in.value[in.offset:in.pos])))
	b.WriteString(cursor(under))
	b.WriteString(st.Text.Render(after))
	if in.width > 0 && used < in.width+1 {
		b.WriteString(st.Text.Render(strings.Repeat(" ", in.width+1-used)))
	}
	return b.String()
}
