package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/trustvault/trustvault/vault/health"
)

// errorExplainedMsg carries the translator's reading of an error.
type errorExplainedMsg struct {
	text string
	es   []health.Explanation
}

// explainErrorCmd asks the engine what an error means in the trust
// directory as the snapshot read it.
func explainErrorCmd(s *snapshot, text string) tea.Cmd {
	return func() tea.Msg {
		return errorExplainedMsg{text: text, es: health.Explain(health.ExplainInput{
			Text: text, Now: s.now, TrustDir: s.dir, Keys: s.keys, Repos: s.repos,
		})}
	}
}

// explainKeys are the translator page's keys.
type explainKeys struct {
	Explain  key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Back     key.Binding
}

func defaultExplainKeys() explainKeys {
	return explainKeys{
		Explain:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "explain")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "scroll up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "scroll down")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	}
}

// explainPage is the error translator: paste an error from docker or
// notary, press enter, read what it means here and what to do.
type explainPage struct {
	c             *common
	keys          explainKeys
	width, height int
	input         lineInput
	explained     string // the text the results are for
	results       []health.Explanation
	lines         []string
	list          listView
}

var _ page = (*explainPage)(nil)

func newExplainPage(c *common) (*explainPage, tea.Cmd) {
	p := &explainPage{c: c, keys: defaultExplainKeys()}
	p.input = newLineInput()
	p.input.Prompt = "> "
	p.input.Placeholder = "paste an error from docker or notary"
	p.input.CharLimit = 8192
	p.input.SetStyles(c.styles.Input)
	return p, p.input.Focus()
}

func (p *explainPage) Title() string   { return "Explain an error" }
func (p *explainPage) Capturing() bool { return true }
func (p *explainPage) Busy() bool      { return false }

func (p *explainPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.input.SetWidth(max(w-3, 1))
	p.layout()
}

func (p *explainPage) Refresh(*snapshot) bool {
	p.input.SetStyles(p.c.styles.Input)
	p.layout()
	return true
}

// resultsHeight is the room below the intro and the input.
func (p *explainPage) resultsHeight() int { return max(p.height-4, 1) }

func (p *explainPage) layout() {
	p.lines = explanationLines(p.c.styles, p.results, p.width)
	p.list.setLen(len(p.lines))
	p.list.setHeight(p.resultsHeight())
	// The scrolling keys only when the results are longer than the room.
	p.keys.PageUp.SetEnabled(p.list.n > p.list.height)
	p.keys.PageDown.SetEnabled(p.list.n > p.list.height)
}

func (p *explainPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case errorExplainedMsg:
		p.explained, p.results = msg.text, msg.es
		p.layout()
		p.list.offset = 0
		return p, nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Back):
			return p, send(backRequestedMsg{})
		case key.Matches(msg, p.keys.Explain):
			text := strings.TrimSpace(p.input.Value())
			if text == "" || p.c.snap == nil {
				return p, send(noticeMsg{text: "Paste or type an error first, then press enter."})
			}
			return p, explainErrorCmd(p.c.snap, text)
		case key.Matches(msg, p.keys.PageUp):
			p.list.scroll(-p.resultsHeight() + 1)
			return p, nil
		case key.Matches(msg, p.keys.PageDown):
			p.list.scroll(p.resultsHeight() - 1)
			return p, nil
		}
	case tea.MouseWheelMsg:
		p.list.scrollWheel(msg)
		return p, nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p, cmd
}

func (p *explainPage) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Explain, p.keys.PageDown, p.keys.Back}
}

func (p *explainPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.keys.Explain, p.keys.PageUp, p.keys.PageDown, p.keys.Back}}
}

func (p *explainPage) View() string {
	st := p.c.styles
	intro := truncate("Paste an error message from docker trust or notary and press enter.", p.width)
	var b strings.Builder
	b.WriteString(st.Faint.Render(intro) + "\n" + truncate(p.input.View(), p.width) + "\n")
	if p.explained == "" {
		return b.String()
	}
	b.WriteString("\n")
	start, end := p.list.visible()
	b.WriteString(strings.Join(p.lines[start:end], "\n"))
	return b.String()
}

// explanationLines lays out the translator's answers, wrapped to width.
func explanationLines(st Styles, es []health.Explanation, width int) []string {
	var out []string
	add := func(prefix, text string, style Ink) {
		w := max(width-len(prefix), 16)
		for i, l := range strings.Split(wrap(text, w), "\n") {
			if i == 0 {
				out = append(out, prefix+style.Render(l))
			} else {
				out = append(out, strings.Repeat(" ", len(prefix))+style.Render(l))
			}
		}
	}
	for i, e := range es {
		if i > 0 {
			out = append(out, "")
		}
		title := strings.ToUpper(e.Title[:1]) + e.Title[1:]
		add("", title, st.Heading)
		if len(e.Here) > 0 {
			out = append(out, st.Label.Render("  In this trust directory:"))
			for _, h := range e.Here {
				add("  - ", h, Ink{})
			}
		}
		add("  Fix: ", e.Fix, st.OK)
	}
	for i, l := range out {
		out[i] = truncate(l, width)
	}
	return out
}

func (p *explainPage) scrollInfo() (first, last, total int) {
	if p.explained == "" {
		return 0, 0, 0
	}
	first, last = p.list.visible()
	return first, last, p.list.n
}
