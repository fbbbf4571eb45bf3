package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
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
	Header       lipgloss.Style // the top bar
	HeaderTitle  lipgloss.Style // "trustvault"
	HeaderDemo   lipgloss.Style // the demo badge
	HeaderCounts lipgloss.Style
	Title        lipgloss.Style // the page title line
	Status       lipgloss.Style // a notice in the footer
	StatusError  lipgloss.Style // an error in the footer
	Help         help.Styles
	Spinner      lipgloss.Style

	// Tables and lists.
	ColumnHeader lipgloss.Style
	Selected     lipgloss.Style // the whole selected row
	Orphan       lipgloss.Style // the "keys without a repository" row
	Heading      lipgloss.Style // a key type on the repository page
	SubHeading   lipgloss.Style // a delegation role
	Label        lipgloss.Style // the left column of the key page
	Faint        lipgloss.Style

	// Meaning.
	OK      lipgloss.Style
	Warn    lipgloss.Style // close to expiry, weak encryption
	Bad     lipgloss.Style // expired, missing, unreadable
	Present lipgloss.Style // a role badge that is present
	Absent  lipgloss.Style // a role badge that is absent

	// Forms.
	Input      textinput.Styles
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
		Header:       base.Background(barBg).Foreground(fg),
		HeaderTitle:  base.Background(barBg).Foreground(accent).Bold(true),
		HeaderDemo:   base.Background(yellow).Foreground(ld(lipgloss.Color("#FFFFFF"), lipgloss.Color("#1C1C1C"))).Bold(true),
		HeaderCounts: base.Background(barBg).Foreground(fg),
		Title:        base.Foreground(accent).Bold(true),
		Status:       base.Foreground(green),
		StatusError:  base.Foreground(red).Bold(true),
		Help:         help.DefaultStyles(isDark),
		Spinner:      base.Foreground(accent),

		ColumnHeader: base.Foreground(faint).Bold(true),
		Selected:     base.Background(selBg).Foreground(fg).Bold(true),
		Orphan:       base.Italic(true),
		Heading:      base.Foreground(accent).Bold(true),
		SubHeading:   base.Bold(true),
		Label:        base.Foreground(faint),
		Faint:        base.Foreground(faint),

		OK:      base.Foreground(green),
		Warn:    base.Foreground(yellow),
		Bad:     base.Foreground(red).Bold(true),
		Present: base.Foreground(accent).Bold(true),
		Absent:  base.Foreground(faint),

		Input:      textinput.DefaultStyles(isDark),
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
		Header:       base.Reverse(true),
		HeaderTitle:  bold.Reverse(true),
		HeaderDemo:   bold.Reverse(true),
		HeaderCounts: base.Reverse(true),
		Title:        bold,
		Status:       base,
		StatusError:  bold,
		Help:         help.Styles{},
		Spinner:      base,

		ColumnHeader: bold,
		Selected:     base.Reverse(true),
		Orphan:       base.Italic(true),
		Heading:      bold.Underline(true),
		SubHeading:   bold,
		Label:        base,
		Faint:        base.Faint(true),

		OK:      base,
		Warn:    bold,
		Bad:     bold,
		Present: bold,
		Absent:  base.Faint(true),

		Input:      textinput.Styles{Cursor: textinput.CursorStyle{Blink: false}},
		FormBorder: base.Border(lipgloss.NormalBorder()).Padding(0, 1),
	}
}
