package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// healthIndex is the health findings of one snapshot, indexed for the
// pages: by key, and counted per repositories row.
type healthIndex struct {
	findings []health.Finding
	byKey    map[string][]int
	// rows counts each repositories row's problems and warnings: findings
	// about its repository or about a key it shows.
	rows                      map[*repoRow][2]int
	problems, warnings, notes int
}

// setHealth indexes the findings of a reading of the trust directory. It
// does no I/O.
func (s *snapshot) setHealth(fs []health.Finding) {
	h := healthIndex{findings: fs, byKey: map[string][]int{}, rows: map[*repoRow][2]int{}}
	rowsByGUN := map[string]*repoRow{}
	rowsByID := map[string][]*repoRow{}
	for _, r := range s.rows {
		if !r.orphan {
			rowsByGUN[r.gun] = r
		}
		for _, id := range r.ids {
			rowsByID[id] = append(rowsByID[id], r)
		}
	}
	for i, f := range fs {
		switch f.Severity {
		case health.SeverityProblem:
			h.problems++
		case health.SeverityWarning:
			h.warnings++
		default:
			h.notes++
		}
		if f.KeyID != "" {
			h.byKey[f.KeyID] = append(h.byKey[f.KeyID], i)
		}
		if f.Severity == health.SeverityInfo {
			continue
		}
		seen := map[*repoRow]bool{}
		count := func(r *repoRow) {
			if r == nil || seen[r] {
				return
			}
			seen[r] = true
			c := h.rows[r]
			if f.Severity == health.SeverityProblem {
				c[0]++
			} else {
				c[1]++
			}
			h.rows[r] = c
		}
		count(rowsByGUN[f.GUN])
		for _, r := range rowsByID[f.KeyID] {
			count(r)
		}
	}
	s.health = h
	s.counts.problems, s.counts.warnings = h.problems, h.warnings
}

// forKey returns the findings about one key, most urgent first.
func (h healthIndex) forKey(id string) []health.Finding {
	out := make([]health.Finding, 0, len(h.byKey[id]))
	for _, i := range h.byKey[id] {
		out = append(out, h.findings[i])
	}
	return out
}

// badge is a short health mark: "✗ 2" (problems), "! 5" (warnings) or "ok".
func healthBadge(problems, warnings int) (string, urgency) {
	switch {
	case problems > 0:
		return "✗ " + strconv.Itoa(problems), urgencyBad
	case warnings > 0:
		return "! " + strconv.Itoa(warnings), urgencyWarn
	default:
		return "ok", urgencyOK
	}
}

// severityMark is a finding's mark and its urgency.
func severityMark(s health.Severity) (string, urgency) {
	switch s {
	case health.SeverityProblem:
		return "✗", urgencyBad
	case health.SeverityWarning:
		return "!", urgencyWarn
	default:
		return "·", urgencyNone
	}
}

// healthKeys are the health page's keys.
type healthKeys struct {
	navKeys
	Guide key.Binding
}

func defaultHealthKeys() healthKeys {
	k := healthKeys{navKeys: defaultNavKeys(), Guide: guideBinding()}
	k.Open.SetHelp("enter", "go to its key")
	return k
}

// guideBinding opens a lost-key guide (the key page, the repository page
// and the health page have it).
func guideBinding() key.Binding {
	return key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "lost-key guide"))
}

// healthPage lists every finding, most urgent first; the selected one's
// message and fix are shown in full below the list.
type healthPage struct {
	c             *common
	keys          healthKeys
	width, height int
	list          listView
}

var _ page = (*healthPage)(nil)

func newHealthPage(c *common) *healthPage {
	p := &healthPage{c: c, keys: defaultHealthKeys()}
	p.Refresh(c.snap)
	return p
}

func (p *healthPage) Title() string   { return "Health" }
func (p *healthPage) Capturing() bool { return false }
func (p *healthPage) Busy() bool      { return false }

func (p *healthPage) findings() []health.Finding {
	if p.c.snap == nil {
		return nil
	}
	return p.c.snap.health.findings
}

func (p *healthPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.list.setHeight(p.listHeight())
	p.list.enableMoves(&p.keys.navKeys)
}

func (p *healthPage) Refresh(s *snapshot) bool {
	p.list.cursorMoves = true
	p.list.setLen(len(p.findings()))
	p.list.setHeight(p.listHeight())
	p.list.enableMoves(&p.keys.navKeys)
	empty := len(p.findings()) == 0
	p.keys.Open.SetEnabled(!empty)
	p.keys.Guide.SetEnabled(!empty)
	return true
}

// detailHeight is the room for the selected finding's message and fix.
func (p *healthPage) detailHeight() int {
	switch {
	case p.height >= 30:
		return 8
	case p.height >= 14:
		return 6
	default:
		return 0
	}
}

// listHeight is the rows' room: less the summary line and the detail.
func (p *healthPage) listHeight() int { return max(p.height-1-p.detailHeight(), 1) }

func (p *healthPage) selected() (health.Finding, bool) {
	fs := p.findings()
	if !p.list.selected() || p.list.cursor >= len(fs) {
		return health.Finding{}, false
	}
	return fs[p.list.cursor], true
}

func (p *healthPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Back):
			return p, send(backRequestedMsg{})
		case key.Matches(msg, p.keys.Open):
			if f, ok := p.selected(); ok {
				return p, openFinding(p.c.snap, f)
			}
		case key.Matches(msg, p.keys.Guide):
			if f, ok := p.selected(); ok {
				subject := f.KeyID
				if subject == "" {
					subject = keyrole.KindOf(f.Role).String()
				}
				return p, fillGuideCmd(p.c.snap, subject, f.GUN)
			}
		default:
			navigate(&p.list, p.keys.navKeys, msg)
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg)
	}
	return p, nil
}

// findingOpenedMsg opens a key page scrolled to its health findings.
type findingOpenedMsg struct{ ref keyRef }

// focusHealth scrolls a key page to its HEALTH section.
func (p *keyPage) focusHealth() {
	for i, l := range p.lines {
		if ansi.Strip(l) == "HEALTH" {
			p.list.offset = i
			p.list.clampOffset()
			return
		}
	}
}

// openFinding goes to what a finding is about: its key, else its
// repository.
func openFinding(s *snapshot, f health.Finding) tea.Cmd {
	if ref, ok := refForFinding(s, f); ok {
		ref.gun, ref.role = f.GUN, f.Role
		return send(findingOpenedMsg{ref: ref})
	}
	if f.GUN != "" && s.row(f.GUN, false) != nil {
		return send(repoSelectedMsg{gun: f.GUN})
	}
	return send(noticeMsg{text: "This finding is about the trust directory itself, not one key: " + f.Fix})
}

// refForFinding names the key a finding is about, as the key page wants
// it: a file here, an unreadable file, or a key only metadata knows.
func refForFinding(s *snapshot, f health.Finding) (keyRef, bool) {
	if f.KeyID == "" {
		return keyRef{}, false
	}
	if f.Path != "" {
		if k := s.keyByPath(f.Path); k != nil && k.Err != nil {
			return fileRef(k), true
		}
	}
	if k := s.files[f.KeyID]; k != nil {
		return fileRef(k), true
	}
	for _, r := range s.repos {
		for _, ri := range r.Roles {
			for _, rk := range ri.Keys {
				if rk.ID == f.KeyID {
					return keyRef{id: rk.ID, tufID: rk.TUFID, keyType: rk.KeyType, location: rk.Location}, true
				}
			}
		}
	}
	return keyRef{}, false
}

func (p *healthPage) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Open, p.keys.Guide, p.keys.Down, p.keys.Back}
}

func (p *healthPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Open, p.keys.Guide, p.keys.Back},
	}
}

func (p *healthPage) legend() string {
	return "✗ problem: broken now, or a key exposed now. ! warning: will hurt later. · note: worth knowing.\n" +
		"A key counts as backed up once trustvault backup (b) has read it back from two drives and recorded it; " +
		"a root key counts as on a token while the Yubikey that holds it is plugged in (Y shows them)."
}

// Health page columns.
const (
	healthCheckWidth   = 15 // "private-symlink"
	healthSubjectWidth = 30
)

func (p *healthPage) View() string {
	st := p.c.styles
	fs := p.findings()
	h := p.c.snap.health
	summary := plural(h.problems, "problem", "problems") + " · " + plural(h.warnings, "warning", "warnings") + " · " + plural(h.notes, "note", "notes")
	var b strings.Builder
	b.WriteString(st.ColumnHeader.Render(truncate(summary+", most urgent first", p.width)))
	if len(fs) == 0 {
		b.WriteString("\n" + st.OK.Render(wrap("Nothing needs attention.", p.width)))
		return b.String()
	}
	start, end := p.list.visible()
	for i := start; i < end; i++ {
		b.WriteString("\n" + p.renderRow(fs[i], i == p.list.cursor))
	}
	if d := p.detailHeight(); d > 0 {
		for used := 1 + end - start; used < p.height-d; used++ {
			b.WriteString("\n")
		}
		if f, ok := p.selected(); ok {
			b.WriteString("\n" + p.detail(f, d))
		}
	}
	return b.String()
}

func (p *healthPage) renderRow(f health.Finding, selected bool) string {
	st := p.c.styles
	mark, u := severityMark(f.Severity)
	subject := f.GUN
	if f.KeyID != "" {
		if subject != "" {
			subject += " · "
		}
		subject += vault.ShortID(f.KeyID)
	}
	subjectW := healthSubjectWidth
	if p.width < 100 {
		// Narrow: the key's short ID, else the repository.
		subjectW = 12
		if f.KeyID != "" {
			subject = vault.ShortID(f.KeyID)
		}
	}
	marker := "  "
	if selected {
		marker = "▸ "
	}
	msgW := p.width - markerWidth - 2 - healthCheckWidth - subjectW - 2*colGap
	line := marker + mark + " " + pad(f.Check, healthCheckWidth) + gap() + pad(middleTruncate(subject, subjectW), subjectW)
	if msgW > 8 {
		line += gap() + truncate(f.Message, msgW)
	}
	if selected {
		return st.Selected.Render(fit(line, p.width))
	}
	return truncate(marker+urgencyStyle(st, u).Render(mark)+line[len(marker)+len(mark):], p.width)
}

// detail is the selected finding in full: its message, then its fix,
// wrapped, in at most h lines.
func (p *healthPage) detail(f health.Finding, h int) string {
	st := p.c.styles
	w := max(p.width-2, 16)
	msg := strings.Split(wrap(f.Message, w), "\n")
	fix := strings.Split(wrap("Fix: "+f.Fix, w), "\n")
	lines := []string{st.Heading.Render(truncate(strings.ToUpper(f.Severity.String())+" · "+f.Check, p.width))}
	for _, l := range msg {
		lines = append(lines, "  "+l)
	}
	for _, l := range fix {
		lines = append(lines, "  "+st.OK.Render(l))
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

// scrollInfo says which findings are on screen, for the title line.
func (p *healthPage) scrollInfo() (first, last, total int) {
	first, last = p.list.visible()
	return first, last, p.list.n
}
