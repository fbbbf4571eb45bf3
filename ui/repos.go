package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// reposKeys are the repositories page's keys.
type reposKeys struct {
	navKeys
	Filter      key.Binding
	ClearFilter key.Binding
	Apply       key.Binding
	Sort        key.Binding
	Harden      key.Binding // passphrase_harden.go
	Generator   key.Binding // passphrase_pages.go
	Backup      key.Binding // backup.go
	Restore     key.Binding // restore.go
	Migration   key.Binding // migration.go
	Quit        key.Binding
	// Refresh is the root's key, listed here for the empty state.
	Refresh key.Binding
}

func defaultReposKeys() reposKeys {
	k := reposKeys{
		navKeys:     defaultNavKeys(),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Apply:       key.NewBinding(key.WithKeys("enter", "down", "up"), key.WithHelp("enter", "keep filter")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by name/expiry")),
		Harden:      key.NewBinding(key.WithKeys("H"), key.WithHelp("H", "harden weak keys")),
		Generator:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "passphrase generator")),
		Backup:      key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "back up to two drives")),
		Restore:     key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "restore or drill a backup")),
		Migration:   key.NewBinding(key.WithKeys("M"), key.WithHelp("M", "migration report (leaving DCT)")),
		Quit:        key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Refresh:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
	}
	// The first page has nothing to go back to; q quits instead.
	k.Back.SetEnabled(false)
	k.ClearFilter.SetEnabled(false)
	k.Apply.SetEnabled(false)
	return k
}

// sortOrder orders the repositories page.
type sortOrder int

const (
	sortByName sortOrder = iota
	sortByExpiry
)

func (o sortOrder) String() string {
	if o == sortByExpiry {
		return "nearest expiry"
	}
	return "name"
}

// reposPage lists every repository, and the keys without one.
type reposPage struct {
	c             *common
	keys          reposKeys
	width, height int

	filter    lineInput
	filtering bool // typing into the filter
	query     string
	order     sortOrder
	rows      []*repoRow // the snapshot's rows, filtered and sorted
	list      listView
	// widest are the widest texts of the rows, measured once per filter.
	widest struct{ gun, expShort, expLong, notes, backup int }
}

var _ page = (*reposPage)(nil)

func newReposPage(c *common) *reposPage {
	p := &reposPage{c: c, keys: defaultReposKeys()}
	p.filter = newLineInput()
	p.filter.Prompt = "/"
	p.filter.Placeholder = "type part of a GUN or a key ID"
	p.filter.SetStyles(c.styles.Input)
	p.Refresh(c.snap)
	return p
}

func (p *reposPage) Title() string   { return "Repositories" }
func (p *reposPage) Capturing() bool { return p.filtering }
func (p *reposPage) Busy() bool      { return false }

func (p *reposPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.filter.SetWidth(max(w-2, 1))
	p.list.setHeight(p.listHeight())
}

// Refresh applies a new snapshot and keeps the cursor on the same row.
func (p *reposPage) Refresh(s *snapshot) bool {
	p.filter.SetStyles(p.c.styles.Input)
	var cur *repoRow
	if p.list.selected() && p.list.cursor < len(p.rows) {
		cur = p.rows[p.list.cursor]
	}
	p.apply()
	if cur != nil {
		for i, r := range p.rows {
			if r.gun == cur.gun && r.orphan == cur.orphan {
				p.list.cursor = i
				break
			}
		}
	}
	p.list.setHeight(p.listHeight())
	p.list.clamp()
	p.setFilterKeys()
	return true
}

// apply filters and sorts the snapshot's rows.
func (p *reposPage) apply() {
	p.rows = p.rows[:0]
	if s := p.c.snap; s != nil {
		q := strings.ToLower(strings.TrimSpace(p.query))
		for _, r := range s.rows {
			if matches(r, q) {
				p.rows = append(p.rows, r)
			}
		}
	}
	if p.order == sortByExpiry {
		slices.SortStableFunc(p.rows, func(a, b *repoRow) int {
			switch {
			case a.expires.IsZero() && b.expires.IsZero():
				return 0
			case a.expires.IsZero():
				return 1
			case b.expires.IsZero():
				return -1
			}
			return a.expires.Compare(b.expires)
		})
	}
	p.list.setLen(len(p.rows))
	p.widest.gun, p.widest.expShort, p.widest.expLong, p.widest.notes, p.widest.backup = minGUNWidth, 0, 0, 0, 0
	for _, r := range p.rows {
		p.widest.backup = max(p.widest.backup, textWidth(r.backup))
		p.widest.gun = max(p.widest.gun, r.titleWidth)
		p.widest.expShort = max(p.widest.expShort, len(r.expShort))
		p.widest.expLong = max(p.widest.expLong, r.expLongWidth)
		p.widest.notes = max(p.widest.notes, len(r.notes))
	}
}

// matches reports whether a row fits the filter: part of its GUN, or the
// start of one of its key IDs.
func matches(r *repoRow, q string) bool {
	if q == "" || strings.Contains(r.search, q) {
		return true
	}
	if !isHex(q) {
		return false
	}
	for _, id := range r.ids {
		if strings.HasPrefix(id, q) {
			return true
		}
	}
	return false
}

// idQuery is the filter as a key ID prefix, or "" when it cannot be one.
func idQuery(q string) string {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || !isHex(q) {
		return ""
	}
	return q
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// listHeight is the height left for rows: less the column header, the
// filter line and banners.
func (p *reposPage) listHeight() int {
	h := p.height - 1 - len(p.banners())
	if p.filtering || p.query != "" {
		h--
	}
	return max(h, 1)
}

// banners are the problems that concern the whole directory.
func (p *reposPage) banners() []string {
	s := p.c.snap
	if s == nil {
		return nil
	}
	var b []string
	if s.keysErr != nil {
		b = append(b, "Key files could not be listed: "+s.keysErr.Error())
	}
	if s.reposErr != nil {
		b = append(b, "Some repositories could not be read: "+s.reposErr.Error())
	}
	return b
}

func (p *reposPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.filtering {
			return p.updateFilter(msg)
		}
		switch {
		case key.Matches(msg, p.keys.Filter):
			p.filtering = true
			p.setFilterKeys()
			return p, p.filter.Focus()
		case key.Matches(msg, p.keys.ClearFilter):
			p.setQuery("")
		case key.Matches(msg, p.keys.Quit):
			return p, send(quitRequestedMsg{})
		case key.Matches(msg, p.keys.Refresh):
			return p, send(reloadRequestedMsg{asked: true})
		case key.Matches(msg, p.keys.Sort):
			p.order = 1 - p.order
			p.Refresh(p.c.snap)
			return p, send(noticeMsg{text: "Sorted by " + p.order.String()})
		case key.Matches(msg, p.keys.Open):
			if p.list.selected() {
				r := p.rows[p.list.cursor]
				// A filter that is a key ID's start lands on that key.
				return p, send(repoSelectedMsg{gun: r.gun, orphan: r.orphan, keyPrefix: idQuery(p.query)})
			}
		case key.Matches(msg, p.keys.Harden):
			np, cmd := newHardenPage(p.c)
			return p, openPage(np, cmd)
		case key.Matches(msg, p.keys.Generator):
			np, cmd := newGeneratorPage(p.c)
			return p, openPage(np, cmd)
		case key.Matches(msg, p.keys.Backup):
			np, cmd := newBackupPage(p.c)
			return p, openPage(np, cmd)
		case key.Matches(msg, p.keys.Restore):
			np, cmd := newRestorePage(p.c)
			return p, openPage(np, cmd)
		case key.Matches(msg, p.keys.Migration):
			np, cmd := newMigrationPage(p.c)
			return p, openPage(np, cmd)
		default:
			navigate(&p.list, p.keys.navKeys, msg)
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg)
	}
	return p, nil
}

func (p *reposPage) updateFilter(msg tea.KeyPressMsg) (page, tea.Cmd) {
	switch {
	case key.Matches(msg, p.keys.ClearFilter):
		p.filtering = false
		p.filter.Blur()
		p.setQuery("")
		return p, nil
	case key.Matches(msg, p.keys.Apply):
		p.filtering = false
		p.filter.Blur()
		p.setFilterKeys()
		p.list.setHeight(p.listHeight())
		if !key.Matches(msg, p.keys.Open) {
			navigate(&p.list, p.keys.navKeys, msg)
		}
		return p, nil
	}
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	if p.filter.Value() != p.query {
		p.query = p.filter.Value()
		p.apply()
		p.list.top()
	}
	return p, cmd
}

func (p *reposPage) setQuery(q string) {
	p.query = q
	p.filter.SetValue(q)
	p.setFilterKeys()
	p.apply()
	p.list.setHeight(p.listHeight())
	p.list.top()
}

// setFilterKeys enables the keys that make sense now.
func (p *reposPage) setFilterKeys() {
	p.keys.ClearFilter.SetEnabled(p.filtering || p.query != "")
	p.keys.Apply.SetEnabled(p.filtering)
	empty := p.c.snap == nil || p.c.snap.empty()
	for _, b := range []*key.Binding{&p.keys.Up, &p.keys.Down, &p.keys.Open, &p.keys.Filter, &p.keys.Sort, &p.keys.PageUp, &p.keys.PageDown, &p.keys.Top, &p.keys.Bottom} {
		b.SetEnabled(!p.filtering && !empty)
	}
	p.keys.Quit.SetEnabled(!p.filtering)
	p.keys.Harden.SetEnabled(!p.filtering && !empty && p.c.snap.counts.weak > 0)
	p.keys.Generator.SetEnabled(!p.filtering)
	p.keys.Backup.SetEnabled(!p.filtering && !empty && p.c.snap.counts.keys > 0)
	p.keys.Restore.SetEnabled(!p.filtering)
	p.keys.Migration.SetEnabled(!p.filtering && !empty)
	p.keys.Refresh.SetEnabled(empty)
	p.list.setHeight(p.listHeight())
}

func (p *reposPage) ShortHelp() []key.Binding {
	if p.filtering {
		return []key.Binding{p.keys.Apply, p.keys.ClearFilter}
	}
	return []key.Binding{p.keys.Open, p.keys.Up, p.keys.Down, p.keys.Filter, p.keys.ClearFilter, p.keys.Sort, p.keys.Refresh, p.keys.Quit, p.keys.Harden}
}

func (p *reposPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Open, p.keys.Filter, p.keys.ClearFilter, p.keys.Apply, p.keys.Sort, p.keys.Harden, p.keys.Generator, p.keys.Backup, p.keys.Restore, p.keys.Migration, p.keys.Quit},
	}
}

// legend explains the roles column in the help overlay.
func (p *reposPage) legend() string {
	return "Roles: R root, T targets, S snapshot, TS timestamp, D delegations (how many); · absent.\n" +
		"Here: keys whose private part is in this trust directory. Missing: keys metadata names that are nowhere here. " +
		"Expires: the nearest expiry you renew yourself (the server renews its own timestamp and snapshot). " +
		"Health: ✗ problems, else ! warnings, about the repository or its keys; ! opens the health page. " +
		"Backup: of the keys here, how many have verified copies of their current version on two drives (✓ all; " +
		"older: a key changed since its backups; none: no key has a verified copy); b backs up."
}

// reposColumns is the layout of the repositories table at one width.
type reposColumns struct {
	gun        int
	roles      bool
	counts     bool
	backup     int // the BACKUP column's width; 0 when dropped
	expiry     int
	longExpiry bool
	notes      int
}

// Column widths.
const (
	markerWidth  = 2
	colGap       = 2
	rolesWidth   = 11 // "R T S TS D2"
	hereWidth    = 4
	missingWidth = 7
	healthWidth  = 6 // "HEALTH", "✗ 12"
	minGUNWidth  = 16
	// backupGUNWidth is the GUN width below which the BACKUP column is
	// dropped: a GUN of a usual length (registry.example.com/acme/web)
	// stays whole rather than make room for it.
	backupGUNWidth = 32
)

// columns fits the table to the width: the GUN gets what it needs, then
// roles, counts, backup and expiry, then notes; narrow terminals drop
// notes, then backup (already when GUNs would get fewer than 32 cells),
// roles and counts, and only then shorten GUNs (in the middle).
func (p *reposPage) columns() reposColumns {
	w := p.width - markerWidth
	c := reposColumns{roles: true, counts: true, expiry: max(p.widest.expShort, len("EXPIRES"))}
	if p.widest.backup > 0 {
		c.backup = max(p.widest.backup, len("BACKUP"))
	}
	fixed := func() int {
		n := 0
		if c.backup > 0 {
			n += c.backup + colGap
		}
		if c.expiry > 0 {
			n += c.expiry + colGap
		}
		if c.roles {
			n += rolesWidth + colGap
		}
		if c.counts {
			n += hereWidth + missingWidth + healthWidth + 3*colGap
		}
		if c.notes > 0 {
			n += c.notes + colGap
		}
		return n
	}
	if long := max(p.widest.expLong, len("EXPIRES")); w-fixed()-(long-c.expiry) >= p.widest.gun+20 {
		c.longExpiry, c.expiry = true, long
	}
	if rest := w - fixed() - p.widest.gun - colGap; rest >= 20 && p.widest.notes > 0 {
		c.notes = rest
	}
	// The BACKUP column goes first, before it squeezes GUNs much.
	if c.backup > 0 && w-fixed() < min(p.widest.gun, backupGUNWidth) {
		c.backup = 0
	}
	for w-fixed() < min(p.widest.gun, minGUNWidth) && (c.notes > 0 || c.backup > 0 || c.roles || c.counts) {
		switch {
		case c.notes > 0:
			c.notes = 0
		case c.backup > 0:
			c.backup = 0
		case c.roles:
			c.roles = false
		default:
			c.counts = false
		}
	}
	c.gun = max(w-fixed(), 8)
	if c.gun < 8+c.expiry+colGap && w < 8+c.expiry+colGap {
		c.expiry = max(w-8-colGap, 0)
	}
	if c.notes > 0 {
		// Notes take what the GUNs leave.
		c.notes += c.gun - p.widest.gun
		c.gun = p.widest.gun
	}
	return c
}

// rowTitle is what the first column says.
func rowTitle(r *repoRow) string {
	if r.orphan {
		return orphanTitle
	}
	return visible(r.gun)
}

func (p *reposPage) View() string {
	st := p.c.styles
	s := p.c.snap
	if s == nil {
		return ""
	}
	if s.empty() {
		return emptyState(st, s, p.width, p.height)
	}
	var b strings.Builder
	for _, banner := range p.banners() {
		b.WriteString(st.Bad.Render(truncate(banner, p.width)) + "\n")
	}
	cols := p.columns()
	b.WriteString(st.ColumnHeader.Render(fit(p.header(cols), p.width)))
	start, end := p.list.visible()
	for i := start; i < end; i++ {
		b.WriteString("\n" + p.renderRow(p.rows[i], cols, i == p.list.cursor))
	}
	if len(p.rows) == 0 {
		b.WriteString("\n" + st.Faint.Render(truncate("  Nothing matches “"+p.query+"”. esc clears the filter.", p.width)))
	}
	if p.filtering || p.query != "" {
		// Keep the filter line at the bottom of the page.
		used := 1 + len(p.banners()) + max(end-start, 1)
		for ; used < p.height-1; used++ {
			b.WriteString("\n")
		}
		count := fmt.Sprintf("  %d of %d", len(p.rows), len(s.rows))
		line := p.filter.View()
		if !p.filtering {
			line = "/" + p.query
		}
		b.WriteString("\n" + pad(truncate(line, p.width-len(count)), p.width-len(count)) + st.Faint.Render(count))
	}
	return b.String()
}

func (p *reposPage) header(c reposColumns) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", markerWidth))
	b.WriteString(pad("REPOSITORY", c.gun))
	if c.roles {
		b.WriteString(gap() + pad("ROLES", rolesWidth))
	}
	if c.counts {
		b.WriteString(gap() + padLeft("HERE", hereWidth) + gap() + padLeft("MISSING", missingWidth) + gap() + pad("HEALTH", healthWidth))
	}
	if c.backup > 0 {
		b.WriteString(gap() + pad("BACKUP", c.backup))
	}
	if c.expiry > 0 {
		b.WriteString(gap() + pad(truncate("EXPIRES", c.expiry), c.expiry))
	}
	if c.notes > 0 {
		b.WriteString(gap() + "NOTES")
	}
	return b.String()
}

func gap() string { return strings.Repeat(" ", colGap) }

// renderRow draws one row. The selected row is drawn without inner colours
// so that its highlight runs unbroken across the line.
func (p *reposPage) renderRow(r *repoRow, c reposColumns, selected bool) string {
	st := p.c.styles
	style := func(s Ink, text string) string {
		if selected {
			return text
		}
		return s.Render(text)
	}
	var b strings.Builder
	if selected {
		b.WriteString("▸ ")
	} else {
		b.WriteString("  ")
	}
	title := middleTruncate(rowTitle(r), c.gun)
	if r.orphan {
		b.WriteString(style(st.Orphan, pad(title, c.gun)))
	} else {
		b.WriteString(pad(title, c.gun))
	}
	if c.roles {
		b.WriteString(gap() + p.badges(r, selected))
	}
	if c.counts {
		b.WriteString(gap() + padLeft(strconv.Itoa(r.here), hereWidth) + gap())
		missing := padLeft(strconv.Itoa(r.missing), missingWidth)
		if r.missing > 0 {
			b.WriteString(style(st.Bad, missing))
		} else {
			b.WriteString(style(st.Faint, missing))
		}
		// The health badge: problems, else warnings, about this
		// repository or a key it shows (health.go).
		c := p.c.snap.health.rows[r]
		badge, u := healthBadge(c[0], c[1])
		if !p.c.snap.counts.checked {
			badge, u = "…", urgencyNone // being checked: not "ok"
		}
		b.WriteString(gap() + style(urgencyStyle(st, u), pad(badge, healthWidth)))
	}
	if c.backup > 0 {
		b.WriteString(gap() + style(urgencyStyle(st, r.backupUrgency), pad(r.backup, c.backup)))
	}
	if c.expiry > 0 {
		text := r.expShort
		if c.longExpiry {
			text = r.expLong
		}
		b.WriteString(gap() + style(urgencyStyle(st, r.expUrgency), fit(text, c.expiry)))
	}
	if c.notes > 0 {
		b.WriteString(gap() + style(st.Faint, truncate(r.notes, c.notes)))
	}
	line := b.String()
	if selected {
		return st.Selected.Render(fit(line, p.width))
	}
	return line
}

// badges draws the roles column: R T S TS D<n>, a dot for an absent role.
func (p *reposPage) badges(r *repoRow, selected bool) string {
	st := p.c.styles
	labels := [5]string{"R", "T", "S", "TS", "D"}
	widths := [5]int{1, 1, 1, 2, 2}
	if r.delegations > 9 {
		labels[keyrole.Delegation] = "D+"
	} else if r.delegations > 0 {
		labels[keyrole.Delegation] = "D" + strconv.Itoa(r.delegations)
	}
	parts := make([]string, 0, 5)
	for _, kind := range keyrole.Kinds() {
		text, s := labels[kind], st.Present
		if !r.kinds[kind] {
			text, s = "·", st.Absent
		}
		text = pad(text, widths[kind])
		if !selected {
			text = s.Render(text)
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, " ")
}

// rowNotes sums up what else a row needs a person to know.
func rowNotes(r *repoRow) string {
	var notes []string
	if r.repo != nil && len(r.repo.Problems) > 0 {
		notes = append(notes, plural(len(r.repo.Problems), "metadata problem", "metadata problems"))
	}
	unreadable := 0
	for _, k := range r.extra {
		if k.Err != nil {
			unreadable++
		}
	}
	if r.damaged > 0 {
		notes = append(notes, strconv.Itoa(r.damaged)+" damaged")
	}
	if unreadable > 0 {
		notes = append(notes, strconv.Itoa(unreadable)+" unreadable")
	}
	if n := metadataNotes(r); n != "" {
		notes = append(notes, n)
	}
	if r.weak > 0 {
		notes = append(notes, plural(r.weak, "weak key", "weak keys"))
	}
	if r.server > 0 {
		notes = append(notes, strconv.Itoa(r.server)+" on server")
	}
	return strings.Join(notes, " · ")
}

func urgencyStyle(st Styles, u urgency) Ink {
	switch u {
	case urgencyBad:
		return st.Bad
	case urgencyWarn:
		return st.Warn
	case urgencyOK:
		return st.OK
	default:
		return st.Faint
	}
}

// emptyState explains how to start when there is nothing to show; on a
// short terminal, the two commands come first.
func emptyState(st Styles, s *snapshot, width, height int) string {
	where := "There are no keys or repositories in " + s.dir + " yet."
	if s.absent {
		where = "The trust directory " + s.dir + " does not exist yet."
	}
	// The command acts on the directory open here, not on the default one.
	demo, generate := st.Present.Render("trustvault --demo"), st.Present.Render(trustvaultCmd(s.dir, "generate --role root"))
	var lines []string
	if height < 16 {
		lines = []string{
			st.SubHeading.Render("No keys yet."),
			"Explore a demo vault:",
			"  " + demo,
			"Make your first key (root):",
			"  " + generate,
			st.Faint.Render(where),
		}
	} else {
		lines = []string{
			"",
			st.SubHeading.Render("No keys yet"),
			"",
			where,
			"",
			"To look around with a demo vault (several repositories, delegations,",
			"an expiring role, a missing key), run:",
			"",
			"    " + demo,
			"",
			"To make your first key, a root key kept on this disk:",
			"",
			"    " + generate,
			"",
			st.Faint.Render("docker trust and notary also put keys here when you sign. Press r to refresh."),
		}
	}
	for i, l := range lines {
		lines[i] = wrap(l, width)
	}
	return strings.Join(lines, "\n")
}

// wrap breaks a line at word boundaries and after a path's slashes to
// width (and inside words that are longer than that). A hyphen is not a
// place to break: dates, key file names and flags stay whole.
func wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	return hardwrapOverlong(wrapWords(s, width), width)
}

// hardwrapOverlong breaks the lines of wrapped that are still wider than
// width where they reach it: ansi.Wrap leaves a line a cell too wide when
// it starts with a space before a word longer than the width.
func hardwrapOverlong(wrapped string, width int) string {
	lines := strings.Split(wrapped, "\n")
	changed := false
	for i, l := range lines {
		if textWidth(l) > width {
			lines[i], changed = ansi.Hardwrap(l, width, true), true
		}
	}
	if !changed {
		return wrapped
	}
	return strings.Join(lines, "\n")
}

// wrapWords is wrap's word wrapping, hyphens kept whole.
func wrapWords(s string, width int) string {
	if !strings.Contains(s, "-") {
		return ansi.Wrap(s, width, "/")
	}
	// A one-cell character that is not a break stands in for each hyphen
	// while wrapping: a non-breaking hyphen, or (when the text has one of
	// its own, which must come back as it was) a private-use character.
	keep := "\u2011"
	for r := rune(0xe000); strings.Contains(s, keep) && r < 0xe100; r++ {
		keep = string(r)
	}
	if strings.Contains(s, keep) {
		return ansi.Wrap(s, width, "/")
	}
	return strings.ReplaceAll(ansi.Wrap(strings.ReplaceAll(s, "-", keep), width, "/"), keep, "-")
}

// scrollInfo says which rows are on screen, for the title line.
func (p *reposPage) scrollInfo() (first, last, total int) {
	first, last = p.list.visible()
	return first, last, p.list.n
}

// metadataNotes counts a row's roles whose metadata is damaged.
func metadataNotes(r *repoRow) string {
	if r.repo == nil {
		return ""
	}
	damaged := 0
	for _, ri := range r.repo.Roles {
		if metadataState(ri) == vault.MetadataDamaged {
			damaged++
		}
	}
	if damaged == 0 {
		return ""
	}
	return plural(damaged, "damaged metadata file", "damaged metadata files")
}
