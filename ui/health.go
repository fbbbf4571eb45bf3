package ui

import (
	"fmt"
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
	// first is the index of the first finding about each key, and next
	// the index of the next finding about the same key (-1: none): a map
	// of slices was 8 MB at 100,000 keys.
	first map[string]int32
	next  []int32
	// rows counts each repositories row's problems and warnings: findings
	// about its repository or about a key it shows.
	rows                      map[*repoRow][2]int
	problems, warnings, notes int
}

// setHealth indexes the findings of a reading of the trust directory. It
// does no I/O.
func (s *snapshot) setHealth(fs []health.Finding) {
	h := healthIndex{findings: fs}
	h.chainByKey(min(len(fs), len(s.files)))
	for _, f := range fs {
		switch f.Severity {
		case health.SeverityProblem:
			h.problems++
		case health.SeverityWarning:
			h.warnings++
		default:
			h.notes++
		}
	}
	h.countRows(s.rows)
	s.health = h
	s.counts.problems, s.counts.warnings = h.problems, h.warnings
	s.counts.checked = true
}

// withHealth is the snapshot with health findings: a copy that shares
// everything else, so that the pages still showing s keep it as it was.
func (s *snapshot) withHealth(fs []health.Finding) *snapshot {
	c := *s
	c.first = s.reading()
	c.setHealth(fs)
	return &c
}

// reading identifies the reading of the trust directory s is of: the
// same before and after its health findings came.
func (s *snapshot) reading() *snapshot {
	if s.first != nil {
		return s.first
	}
	return s
}

// chainByKey links the findings about each key, in order; ids is how
// many keys there are likely to be.
func (h *healthIndex) chainByKey(ids int) {
	h.first, h.next = make(map[string]int32, ids), make([]int32, len(h.findings))
	for i := len(h.findings) - 1; i >= 0; i-- {
		id := h.findings[i].KeyID
		h.next[i] = -1
		if id == "" {
			continue
		}
		if j, ok := h.first[id]; ok {
			h.next[i] = j
		}
		h.first[id] = int32(i)
	}
}

// countRows counts each row's problems and warnings: the findings about
// its repository or about a key it shows, each finding once per row. It
// follows the chains by key (chainByKey) and by repository, instead of
// mapping every key ID to its rows: that map was 13 MB at 100,000 keys.
func (h *healthIndex) countRows(rows []*repoRow) {
	h.rows = make(map[*repoRow][2]int, len(rows))
	byGUN, nextGUN := map[string]int32{}, make([]int32, len(h.findings))
	for i := len(h.findings) - 1; i >= 0; i-- {
		nextGUN[i] = -1
		if j, ok := byGUN[h.findings[i].GUN]; ok {
			nextGUN[i] = j
		}
		byGUN[h.findings[i].GUN] = int32(i)
	}
	// counted[i] is 1 + the index of the last row finding i counted in.
	counted := make([]int32, len(h.findings))
	for ri, r := range rows {
		var c [2]int
		count := func(i int32) {
			f := &h.findings[i]
			if counted[i] == int32(ri+1) || f.Severity == health.SeverityInfo {
				return
			}
			counted[i] = int32(ri + 1)
			if f.Severity == health.SeverityProblem {
				c[0]++
			} else {
				c[1]++
			}
		}
		if i, ok := byGUN[r.gun]; ok && !r.orphan {
			for ; i >= 0; i = nextGUN[i] {
				count(i)
			}
		}
		for _, id := range r.ids {
			if i, ok := h.first[id]; ok {
				for ; i >= 0; i = h.next[i] {
					count(i)
				}
			}
		}
		if c != [2]int{} {
			h.rows[r] = c
		}
	}
}

// forKey returns the findings about one key, most urgent first.
func (h healthIndex) forKey(id string) []health.Finding {
	var out []health.Finding
	i, ok := h.first[id]
	for ok && i >= 0 {
		out = append(out, h.findings[i])
		i = h.next[i]
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
	Guide       key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	Apply       key.Binding
}

func defaultHealthKeys() healthKeys {
	k := healthKeys{navKeys: defaultNavKeys(), Guide: guideBinding(),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Apply:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
	}
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
	// filter narrows the findings to those whose check, repository, key
	// ID, message or fix contain the query; shown are their indexes.
	filter    lineInput
	filtering bool
	query     string
	// shown is the snapshot's own slice when the filter is empty (no
	// copy: 300,000 findings are 36 MB), else kept, reused by each query.
	shown, kept []health.Finding
	// widest is the widest subject among shown (apply measures it once,
	// not at every frame: 300,000 findings took a second to measure).
	widest int
}

var _ page = (*healthPage)(nil)

func newHealthPage(c *common) *healthPage {
	p := &healthPage{c: c, keys: defaultHealthKeys()}
	p.filter = newLineInput()
	p.filter.Prompt = "/"
	p.filter.Placeholder = "type part of a check, GUN, key ID or message"
	p.filter.SetStyles(c.styles.Input)
	p.Refresh(c.snap)
	return p
}

func (p *healthPage) Title() string   { return "Health" }
func (p *healthPage) Capturing() bool { return p.filtering }
func (p *healthPage) Busy() bool      { return false }

// findings are the findings shown: all, or those the filter keeps.
func (p *healthPage) findings() []health.Finding { return p.shown }

// apply filters the snapshot's findings.
func (p *healthPage) apply() {
	p.shown, p.widest = nil, 0
	if p.c.snap == nil {
		return
	}
	defer p.measure()
	all := p.c.snap.health.findings
	q := strings.ToLower(strings.TrimSpace(p.query))
	if q == "" {
		p.shown, p.kept = all[:len(all):len(all)], nil
		return
	}
	p.kept = p.kept[:0]
	for _, f := range all {
		if strings.Contains(strings.ToLower(f.Check+" "+f.GUN+" "+f.KeyID+" "+f.Role+" "+f.Text()+" "+f.Fix), q) {
			p.kept = append(p.kept, f)
		}
	}
	p.shown = p.kept
}

func (p *healthPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.list.setHeight(p.listHeight())
	p.list.enableMoves(&p.keys.navKeys)
}

func (p *healthPage) Refresh(s *snapshot) bool {
	p.filter.SetStyles(p.c.styles.Input)
	p.apply()
	p.list.cursorMoves = true
	p.list.setLen(len(p.findings()))
	p.list.setHeight(p.listHeight())
	p.list.enableMoves(&p.keys.navKeys)
	p.setKeys()
	return true
}

func (p *healthPage) setKeys() {
	empty := len(p.findings()) == 0
	p.keys.Open.SetEnabled(!empty && !p.filtering)
	p.keys.Guide.SetEnabled(!empty && !p.filtering)
	p.keys.Back.SetEnabled(!p.filtering && p.query == "")
	p.keys.Filter.SetEnabled(!p.filtering && p.c.snap != nil && len(p.c.snap.health.findings) > 0)
	p.keys.ClearFilter.SetEnabled(p.filtering || p.query != "")
	p.keys.Apply.SetEnabled(p.filtering)
	if p.filtering {
		for _, b := range []*key.Binding{&p.keys.Up, &p.keys.Down, &p.keys.PageUp, &p.keys.PageDown, &p.keys.Top, &p.keys.Bottom} {
			b.SetEnabled(false)
		}
	}
}

// detailHeight is the room for the selected finding's message and fix:
// what they need, at most half the page (none on a very short one).
func (p *healthPage) detailHeight() int {
	if p.height < 12 {
		return 0
	}
	need := 6
	if f, ok := p.selected(); ok {
		need = len(p.detailLines(f))
	}
	return min(max(need, 4), p.height/2)
}

// listHeight is the rows' room: less the summary line, the filter line
// and the detail.
func (p *healthPage) listHeight() int {
	h := p.height - 1 - p.detailHeight()
	if p.filtering || p.query != "" {
		h--
	}
	return max(h, 1)
}

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
		if p.filtering {
			return p, p.updateFilter(msg)
		}
		switch {
		case key.Matches(msg, p.keys.ClearFilter):
			p.setQuery("")
		case key.Matches(msg, p.keys.Back):
			return p, send(backRequestedMsg{})
		case key.Matches(msg, p.keys.Filter):
			p.filtering = true
			p.setKeys()
			p.list.setHeight(p.listHeight())
			return p, p.filter.Focus()
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
			p.list.setHeight(p.listHeight()) // the detail fits its finding
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg)
		p.list.setHeight(p.listHeight())
	}
	return p, nil
}

// updateFilter takes the filter's text: enter keeps it, esc clears it.
func (p *healthPage) updateFilter(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, p.keys.ClearFilter):
		p.filtering = false
		p.filter.Blur()
		p.setQuery("")
		return nil
	case key.Matches(msg, p.keys.Apply):
		p.filtering = false
		p.filter.Blur()
		p.setKeys()
		p.list.setHeight(p.listHeight())
		p.list.enableMoves(&p.keys.navKeys)
		return nil
	}
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	if p.filter.Value() != p.query {
		p.query = p.filter.Value()
		p.apply()
		p.list.setLen(len(p.shown))
		p.list.top()
	}
	return cmd
}

func (p *healthPage) setQuery(q string) {
	p.query = q
	p.filter.SetValue(q)
	p.apply()
	p.list.setLen(len(p.shown))
	p.list.setHeight(p.listHeight())
	p.list.top()
	p.setKeys()
	p.list.enableMoves(&p.keys.navKeys)
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
	if p.filtering {
		return []key.Binding{p.keys.Apply, p.keys.ClearFilter}
	}
	return []key.Binding{p.keys.Open, p.keys.Guide, p.keys.Filter, p.keys.ClearFilter, p.keys.Down, p.keys.Back}
}

func (p *healthPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Open, p.keys.Guide, p.keys.Filter, p.keys.ClearFilter, p.keys.Apply, p.keys.Back},
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
	if !p.c.snap.counts.checked {
		return st.ColumnHeader.Render(truncate("Checking health…", p.width)) + "\n" +
			st.Faint.Render(wrap("The health checks of this reading still run; their findings show here when they end.", p.width))
	}
	summary := plural(h.problems, "problem", "problems") + " · " + plural(h.warnings, "warning", "warnings") + " · " + plural(h.notes, "note", "notes")
	var b strings.Builder
	b.WriteString(st.ColumnHeader.Render(truncate(summary+", most urgent first", p.width)))
	switch {
	case len(fs) == 0 && p.query != "":
		b.WriteString("\n" + st.Faint.Render(wrap("  Nothing matches “"+p.query+"”. esc clears the filter.", p.width)))
	case len(fs) == 0 && !p.filtering:
		b.WriteString("\n" + st.OK.Render(wrap("Nothing needs attention.", p.width)))
		return b.String()
	}
	start, end := p.list.visible()
	subjectW := p.subjectWidth()
	for i := start; i < end; i++ {
		b.WriteString("\n" + p.renderRow(fs[i], i == p.list.cursor, subjectW))
	}
	used := 1 + max(end-start, 1)
	if p.filtering || p.query != "" {
		for ; used < p.height-p.detailHeight()-1; used++ {
			b.WriteString("\n")
		}
		count := fmt.Sprintf("  %d of %d", len(fs), len(p.c.snap.health.findings))
		line := p.filter.View()
		if !p.filtering {
			line = "/" + p.query
		}
		b.WriteString("\n" + pad(truncate(line, p.width-len(count)), p.width-len(count)) + st.Faint.Render(count))
		used++
	}
	if d := p.detailHeight(); d > 0 {
		for ; used < p.height-d; used++ {
			b.WriteString("\n")
		}
		if f, ok := p.selected(); ok {
			b.WriteString("\n" + p.detail(f, d))
		}
	}
	return b.String()
}

// measure sets widest from shown. Subjects are GUN and short ID: their
// widths are measured once per GUN and summed.
func (p *healthPage) measure() {
	gunWidth := map[string]int{}
	for _, f := range p.shown {
		w, ok := gunWidth[f.GUN]
		if !ok {
			w = textWidth(f.GUN)
			gunWidth[f.GUN] = w
		}
		if f.KeyID != "" {
			if f.GUN != "" {
				w += textWidth(" · ")
			}
			w += textWidth(vault.ShortID(f.KeyID))
		}
		p.widest = max(p.widest, w)
	}
}

// subjectWidth is the SUBJECT column's width: what the widest subject
// needs, as long as the message keeps at least half of what is left.
func (p *healthPage) subjectWidth() int {
	if p.width < 100 {
		return 12
	}
	want := max(healthSubjectWidth, p.widest)
	room := p.width - markerWidth - 2 - healthCheckWidth - 2*colGap
	return min(want, max(room/2, healthSubjectWidth))
}

// findingSubject is what a finding is about: "GUN · key".
func findingSubject(f health.Finding) string {
	subject := visible(f.GUN)
	if f.KeyID != "" {
		if subject != "" {
			subject += " · "
		}
		subject += vault.ShortID(f.KeyID)
	}
	return subject
}

func (p *healthPage) renderRow(f health.Finding, selected bool, subjectW int) string {
	st := p.c.styles
	mark, u := severityMark(f.Severity)
	subject := findingSubject(f)
	if p.width < 100 && f.KeyID != "" {
		// Narrow: the key's short ID, else the repository.
		subject = vault.ShortID(f.KeyID)
	}
	marker := "  "
	if selected {
		marker = "▸ "
	}
	msgW := p.width - markerWidth - 2 - healthCheckWidth - subjectW - 2*colGap
	line := marker + mark + " " + pad(f.Check, healthCheckWidth) + gap() + pad(middleTruncate(subject, subjectW), subjectW)
	if msgW > 8 {
		line += gap() + truncate(visible(f.Text()), msgW)
	}
	if selected {
		return st.Selected.Render(fit(line, p.width))
	}
	return truncate(marker+urgencyStyle(st, u).Render(mark)+line[len(marker)+len(mark):], p.width)
}

// detail is the selected finding in full: its message, then its fix,
// wrapped, in at most h lines.
func (p *healthPage) detail(f health.Finding, h int) string {
	lines := p.detailLines(f)
	if len(lines) > h {
		lines = append(lines[:h-1], p.c.styles.Faint.Render(truncate("  … enter opens its page, which shows it all", p.width)))
	}
	return strings.Join(lines, "\n")
}

// detailLines are the selected finding's lines, wrapped.
func (p *healthPage) detailLines(f health.Finding) []string {
	st := p.c.styles
	w := max(p.width-2, 16)
	msg := strings.Split(wrap(visible(f.Text()), w), "\n")
	fix := strings.Split(wrap(visible("Fix: "+f.Fix), w), "\n")
	lines := []string{st.Heading.Render(truncate(strings.ToUpper(f.Severity.String())+" · "+f.Check, p.width))}
	for _, l := range msg {
		lines = append(lines, "  "+l)
	}
	for _, l := range fix {
		lines = append(lines, "  "+st.OK.Render(l))
	}
	return lines
}

// scrollInfo says which findings are on screen, for the title line.
func (p *healthPage) scrollInfo() (first, last, total int) {
	first, last = p.list.visible()
	return first, last, p.list.n
}
