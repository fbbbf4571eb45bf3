package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// guideFilledMsg carries a lost-key guide filled for a key or role; the
// root opens it.
type guideFilledMsg struct {
	data health.GuideData
	text string
}

// fillGuideCmd works out the guide for subject (a key ID or a key type) in
// repository gun from a reading of the trust directory, and fills it.
func fillGuideCmd(s *snapshot, subject, gun string) tea.Cmd {
	return func() tea.Msg {
		d, err := health.GuideFor(s.dir, s.keys, s.repos, subject, gun)
		if err != nil {
			return errorMsg{err: err}
		}
		text, err := health.LostKeyGuide(d)
		if err != nil {
			return errorMsg{err: err}
		}
		return guideFilledMsg{data: d, text: text}
	}
}

// guidePage shows a lost-key guide, laid out for the terminal: headings,
// paragraphs and lists wrapped to the width, commands as they are.
type guidePage struct {
	c             *common
	keys          navKeys
	width, height int
	data          health.GuideData
	text          string
	lines         []string
	list          listView
	rotate        key.Binding // the rotation the guide ends in: publish.go
}

var _ page = (*guidePage)(nil)

func newGuidePage(c *common, msg guideFilledMsg) *guidePage {
	p := &guidePage{c: c, keys: defaultNavKeys(), data: msg.data, text: msg.text,
		rotate: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "rotate"))}
	p.keys.Open.SetEnabled(false)
	// A lost root key cannot be rotated away (the old key signs a root
	// rotation): its guide offers no rotation.
	p.rotate.SetEnabled(msg.data.GUN != "" && msg.data.Kind != keyrole.Root)
	return p
}

func (p *guidePage) Title() string {
	t := "Guide: " + strings.ToLower(p.data.Title()[:1]) + p.data.Title()[1:]
	if p.data.GUN != "" {
		t += " · " + p.data.GUN
	}
	return t
}

// context is the guide's first lines: the repository, role and key it is
// about, so that nobody follows a guide for another repository.
func (p *guidePage) context() []string {
	d := p.data
	var parts []string
	if d.GUN != "" {
		parts = append(parts, "repository "+visible(d.GUN))
	}
	if d.Role != "" {
		parts = append(parts, "role "+visible(d.Role))
	}
	if d.KeyID != "" {
		parts = append(parts, "key "+d.ShortID())
	}
	if len(parts) == 0 {
		return nil
	}
	text := "For " + strings.Join(parts, " · ")
	if d.TrustDir != "" {
		text += ", in " + d.TrustDir
	}
	lines := strings.Split(wrap(text, max(p.width, 10)), "\n")
	for i, l := range lines {
		lines[i] = p.c.styles.SubHeading.Render(l)
	}
	return append(lines, "")
}
func (p *guidePage) Capturing() bool        { return false }
func (p *guidePage) Busy() bool             { return false }
func (p *guidePage) Refresh(*snapshot) bool { p.layout(); return true }

func (p *guidePage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

func (p *guidePage) layout() {
	p.lines = append(p.context(), renderGuide(p.c.styles, p.text, p.width)...)
	p.list.setLen(len(p.lines))
	p.list.setHeight(p.height)
	p.list.enableMoves(&p.keys)
}

func (p *guidePage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Back):
			return p, send(backRequestedMsg{})
		case key.Matches(msg, p.rotate):
			return p, rotateFromGuide(p.c, p.rotate, p.data)
		default:
			p.list.scrollKeys(p.keys, msg, p.height)
		}
	case tea.MouseWheelMsg:
		p.list.scrollWheel(msg)
	}
	return p, nil
}

func (p *guidePage) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Down, p.keys.Up, p.keys.PageDown, p.rotate, p.keys.Back}
}

func (p *guidePage) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom, p.keys.Back}, {p.rotate}}
}

func (p *guidePage) View() string {
	start, end := p.list.visible()
	return strings.Join(p.lines[start:end], "\n")
}

func (p *guidePage) scrollInfo() (first, last, total int) {
	first, last = p.list.visible()
	return first, last, p.list.n
}

// renderGuide lays out a guide's light markdown: "# " and "## " headings,
// paragraphs and "- " or "1. " items wrapped to width (items with a
// hanging indent), ```sh blocks as commands, never wrapped, and `code`
// shown without its backticks.
func renderGuide(st Styles, text string, width int) []string {
	var out []string
	var para []string
	indent := ""
	flush := func() {
		if len(para) == 0 {
			return
		}
		joined := strings.ReplaceAll(strings.Join(para, " "), "`", "")
		first := true
		for _, l := range strings.Split(wrap(joined, max(width-len(indent), 10)), "\n") {
			if first {
				out = append(out, l)
				first = false
			} else {
				out = append(out, indent+l)
			}
		}
		para, indent = nil, ""
	}
	inCode := false
	text = visible(text) // the GUN and names filled in came from files
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			flush()
			inCode = !inCode
		case inCode:
			for _, cl := range wrapCommand(l, max(width-4, 12)) {
				out = append(out, "    "+st.Present.Render(cl))
			}
		case strings.HasPrefix(l, "# "):
			flush()
			out = append(out, st.Title.Render(truncate(strings.TrimPrefix(l, "# "), width)))
		case strings.HasPrefix(l, "## "):
			flush()
			out = append(out, st.Heading.Render(truncate(strings.ToUpper(strings.TrimPrefix(l, "## ")), width)))
		case trimmed == "":
			flush()
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
		case strings.HasPrefix(l, "- ") || isNumbered(l):
			flush()
			marker := l[:strings.Index(l, " ")+1]
			indent = strings.Repeat(" ", len(marker))
			para = append(para, l)
		default:
			para = append(para, trimmed)
		}
	}
	flush()
	return out
}

// wrapCommand breaks a shell command that is wider than width at spaces,
// ending each broken line with " \\" so that the lines still paste as one
// command; a word longer than the width is broken where it must be.
func wrapCommand(l string, width int) []string {
	if textWidth(l) <= width {
		return []string{l}
	}
	// Each line's text gets at most width-4 cells: a line after the first
	// starts with two spaces, and every line but the last ends with " \\".
	limit := max(width-4, 1)
	lines := strings.Split(hardwrapOverlong(ansi.Wrap(l, limit, ""), limit), "\n")
	for i := range lines {
		if i > 0 {
			lines[i] = "  " + lines[i]
		}
		if i < len(lines)-1 {
			lines[i] += " \\"
		}
	}
	return lines
}

// isNumbered reports whether a line starts a numbered item ("1. ").
func isNumbered(l string) bool {
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	return i > 0 && strings.HasPrefix(l[i:], ". ")
}
