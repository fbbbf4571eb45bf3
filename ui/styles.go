package ui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles are every style the TUI uses. The root model builds them with
// NewStyles when it learns the terminal's background colour, or with
// PlainStyles when NO_COLOR is set, and hands them to the pages; there are
// no package-level styles.
//
// Colour only ever repeats what the text already says ("expired", "weak",
// "missing"), so a terminal without colour loses nothing.
type Styles struct {
	// Chrome.
	Header       Ink // the top bar
	HeaderTitle  Ink // "trustvault"
	HeaderDemo   Ink // the demo badge
	HeaderCounts Ink
	Title        Ink // the page title line
	Status       Ink // a notice in the footer
	StatusError  Ink // an error in the footer
	Help         help.Styles
	Spinner      lipgloss.Style

	// Tables and lists.
	ColumnHeader Ink
	Selected     Ink // the whole selected row
	Orphan       Ink // the "keys without a repository" row
	Heading      Ink // a key type on the repository page
	SubHeading   Ink // a delegation role
	Label        Ink // the left column of the key page
	Faint        Ink

	// Meaning.
	OK      Ink
	Warn    Ink // close to expiry, weak encryption
	Bad     Ink // expired, missing, unreadable
	Present Ink // a role badge that is present
	Absent  Ink // a role badge that is absent

	// Forms.
	Input      inputStyles
	FormBorder lipgloss.Style
}

// NewStyles returns the styles for a dark or a light terminal background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	var (
		accent = ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B9A6FF"))
		fg     = ld(lipgloss.Color("#1C1C1C"), lipgloss.Color("#E4E4E4"))
		faint  = ld(lipgloss.Color("#767676"), lipgloss.Color("#8A8A8A"))
		barBg  = ld(lipgloss.Color("#E6E0FF"), lipgloss.Color("#2D2550"))
		selBg  = ld(lipgloss.Color("#D7D0F5"), lipgloss.Color("#3E3470"))
		green  = ld(lipgloss.Color("#1E7F3C"), lipgloss.Color("#6BD38A"))
		yellow = ld(lipgloss.Color("#9A6700"), lipgloss.Color("#F2C14E"))
		red    = ld(lipgloss.Color("#C0262D"), lipgloss.Color("#FF6B6B"))
	)
	base := lipgloss.NewStyle()
	s := Styles{
		Header:       inkOf(base.Background(barBg).Foreground(fg)),
		HeaderTitle:  inkOf(base.Background(barBg).Foreground(accent).Bold(true)),
		HeaderDemo:   inkOf(base.Background(yellow).Foreground(ld(lipgloss.Color("#FFFFFF"), lipgloss.Color("#1C1C1C"))).Bold(true)),
		HeaderCounts: inkOf(base.Background(barBg).Foreground(fg)),
		Title:        inkOf(base.Foreground(accent).Bold(true)),
		Status:       inkOf(base.Foreground(green)),
		StatusError:  inkOf(base.Foreground(red).Bold(true)),
		Help:         help.DefaultStyles(isDark),
		Spinner:      base.Foreground(accent),

		ColumnHeader: inkOf(base.Foreground(faint).Bold(true)),
		Selected:     inkOf(base.Background(selBg).Foreground(fg).Bold(true)),
		Orphan:       inkOf(base.Italic(true)),
		Heading:      inkOf(base.Foreground(accent).Bold(true)),
		SubHeading:   inkOf(base.Bold(true)),
		Label:        inkOf(base.Foreground(faint)),
		Faint:        inkOf(base.Foreground(faint)),

		OK:      inkOf(base.Foreground(green)),
		Warn:    inkOf(base.Foreground(yellow)),
		Bad:     inkOf(base.Foreground(red).Bold(true)),
		Present: inkOf(base.Foreground(accent).Bold(true)),
		Absent:  inkOf(base.Foreground(faint)),

		Input:      colorInputStyles(base.Foreground(faint)),
		FormBorder: base.Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
	}
	return s
}

// PlainStyles are the styles for NO_COLOR: text attributes only, and the
// selected row in reverse video so it stays visible.
func PlainStyles() Styles {
	base := lipgloss.NewStyle()
	bold := base.Bold(true)
	return Styles{
		Header:       inkOf(base.Reverse(true)),
		HeaderTitle:  inkOf(bold.Reverse(true)),
		HeaderDemo:   inkOf(bold.Reverse(true)),
		HeaderCounts: inkOf(base.Reverse(true)),
		Title:        inkOf(bold),
		Status:       inkOf(base),
		StatusError:  inkOf(bold),
		Help:         help.Styles{},
		Spinner:      base,

		ColumnHeader: inkOf(bold),
		Selected:     inkOf(base.Reverse(true)),
		Orphan:       inkOf(base.Italic(true)),
		Heading:      inkOf(bold.Underline(true)),
		SubHeading:   inkOf(bold),
		Label:        inkOf(base),
		Faint:        inkOf(base.Faint(true)),

		OK:      inkOf(base),
		Warn:    inkOf(bold),
		Bad:     inkOf(bold),
		Present: inkOf(bold),
		Absent:  inkOf(base.Faint(true)),

		Input:      plainInputStyles(),
		FormBorder: base.Border(lipgloss.NormalBorder()).Padding(0, 1),
	}
}

// Ink is a text style reduced to the escape sequences around its text. The
// tables are drawn on every key press, and lipgloss's Render, which also
// measures, aligns and pads, would cost more than the rest of the frame.
type Ink struct{ pre, post string }

// inkOf takes the escape sequences a style puts around a word.
func inkOf(s lipgloss.Style) Ink {
	out := s.Render("X")
	i := strings.Index(out, "X")
	if i < 0 {
		return Ink{}
	}
	return Ink{pre: out[:i], post: out[i+1:]}
}

// Render styles text, line by line.
func (k Ink) Render(s string) string {
	if k.pre == "" && k.post == "" {
		return s
	}
	if strings.Contains(s, "\n") {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = k.pre + l + k.post
		}
		return strings.Join(lines, "\n")
	}
	return k.pre + s + k.post
}
