package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/migrate"
	"github.com/trustvault/trustvault/vault/remote"
)

// The Migration page (M on the repositories page): the migration report
// that `trustvault migrate report` prints, built by the same engine call
// (migrate.Report): for each repository its signers and where they are,
// its server (and Docker Hub's shutdown), whether its trust data is
// archived, and the next steps. enter opens a repository's page.

type migrationKeys struct {
	navKeys
	// Update builds the report again from the current reading.
	Update key.Binding
}

func defaultMigrationKeys() migrationKeys {
	k := migrationKeys{
		navKeys: defaultNavKeys(),
		Update:  key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "update the report")),
	}
	k.Open.SetHelp("enter", "open repository")
	return k
}

// migrationPage shows the report, one section per repository; the
// cursor rests on the repositories' names.
type migrationPage struct {
	c             *common
	keys          migrationKeys
	width, height int

	loading bool
	err     string
	warning string // the notary CLI's config could not be read
	// report is the last report; built is the reading it was built from.
	report []migrate.Repository
	built  *snapshot
	now    time.Time

	lines []string
	// repoOf is the report index of each heading line (-1 for the others).
	repoOf []int
	list   listView
}

var _ page = (*migrationPage)(nil)

// migrationReportedMsg is a report the engine built from snap; warning
// says why the notary CLI's server is not shown ("" when it is, or there
// is none).
type migrationReportedMsg struct {
	report  []migrate.Repository
	snap    *snapshot
	warning string
}

// notaryConfigOf is the notary CLI's default config file for the HOME of
// env, as migrate report reads it ("" without HOME).
func notaryConfigOf(env []string) string {
	for _, kv := range env {
		if home, ok := strings.CutPrefix(kv, "HOME="); ok {
			return migrate.NotaryCLIConfig(home)
		}
	}
	return ""
}

// migrationReportCmd builds the report from a reading of the trust
// directory, as migrate report does: it reads the notary CLI's config
// and the archive records, and checks each archive file.
func migrationReportCmd(store *vault.Store, snap *snapshot, setup *remote.Setup, notaryConfig string) tea.Cmd {
	return func() tea.Msg {
		var warning string
		notary, err := migrate.NotaryCLIServer(notaryConfig, false)
		if err != nil {
			warning = err.Error() + " (its server is not shown)"
		}
		rep, err := migrate.Report(store, snap.repos, migrate.ReportOptions{Setup: setup, NotaryServer: notary, Now: snap.now})
		if err != nil {
			return errorMsg{err: err}
		}
		return migrationReportedMsg{report: rep, snap: snap, warning: warning}
	}
}

func newMigrationPage(c *common) (*migrationPage, tea.Cmd) {
	p := &migrationPage{c: c, keys: defaultMigrationKeys()}
	p.list.cursorMoves = true
	p.list.selectable = func(i int) bool { return i < len(p.repoOf) && p.repoOf[i] >= 0 }
	return p, p.update()
}

// update starts building the report from the current reading.
func (p *migrationPage) update() tea.Cmd {
	p.loading, p.err = true, ""
	p.setKeys()
	return tea.Batch(migrationReportCmd(p.c.store, p.c.snap, p.c.remote, p.c.notaryConfig), p.c.spinner.Tick)
}

func (p *migrationPage) Title() string   { return "Migration" }
func (p *migrationPage) Capturing() bool { return false }
func (p *migrationPage) Busy() bool      { return p.loading }

func (p *migrationPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

// Refresh keeps the report; the view says when the trust directory was
// read again since, and u builds it anew.
func (p *migrationPage) Refresh(*snapshot) bool {
	p.layout()
	return true
}

func (p *migrationPage) setKeys() {
	p.keys.Update.SetEnabled(!p.loading)
	p.keys.Open.SetEnabled(!p.loading && len(p.report) > 0)
	p.list.enableMoves(&p.keys.navKeys)
}

func (p *migrationPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case migrationReportedMsg:
		gun := p.selectedGUN()
		p.loading, p.report, p.built, p.now, p.warning = false, msg.report, msg.snap, msg.snap.now, msg.warning
		p.layout()
		p.list.top()
		for i, r := range p.repoOf {
			if r >= 0 && p.report[r].GUN == gun {
				p.list.jump(i, 1) // the same repository as before u
			}
		}
		p.showSection()
		return p, nil
	case errorMsg:
		p.loading, p.err = false, "The report could not be built: "+msg.Error()
		p.layout()
		return p, nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Back):
			return p, send(backRequestedMsg{})
		case key.Matches(msg, p.keys.Update):
			return p, p.update()
		case key.Matches(msg, p.keys.Open):
			if gun := p.selectedGUN(); gun != "" {
				return p, send(repoSelectedMsg{gun: gun})
			}
		default:
			navigate(&p.list, p.keys.navKeys, msg)
			p.showSection()
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg)
		p.showSection()
	}
	return p, nil
}

// selectedGUN is the repository under the cursor ("" when none).
func (p *migrationPage) selectedGUN() string {
	if !p.list.selected() || p.list.cursor >= len(p.repoOf) {
		return ""
	}
	return p.report[p.repoOf[p.list.cursor]].GUN
}

// showSection scrolls so that the selected repository's lines are on
// screen below its name, as many as fit.
func (p *migrationPage) showSection() {
	end := p.list.cursor + 1
	for end < len(p.repoOf) && p.repoOf[end] < 0 {
		end++
	}
	if end > p.list.offset+p.list.height {
		p.list.offset = min(end-p.list.height, p.list.cursor)
	}
	p.list.clampOffset()
}

// stale reports whether the trust directory was read again after the
// report was built.
func (p *migrationPage) stale() bool {
	return p.built != nil && p.built.reading() != p.c.snap.reading() // not when only health came
}

// listHeight is the room for the report's lines: less the summary line,
// and the line that says the report is older than the reading.
func (p *migrationPage) listHeight() int {
	h := p.height - 1
	if p.stale() {
		h--
	}
	if p.warning != "" {
		h--
	}
	return max(h, 1)
}

// layout renders the report's lines for the width.
func (p *migrationPage) layout() {
	p.lines, p.repoOf = p.lines[:0], p.repoOf[:0]
	for i, r := range p.report {
		if i > 0 {
			p.lines, p.repoOf = append(p.lines, ""), append(p.repoOf, -1)
		}
		p.lines, p.repoOf = append(p.lines, visible(r.GUN)), append(p.repoOf, i)
		for _, l := range migrationFacts(p.c.styles, r, p.now, p.width) {
			p.lines, p.repoOf = append(p.lines, l), append(p.repoOf, -1)
		}
	}
	p.list.setLen(len(p.lines))
	p.list.setHeight(p.listHeight())
	p.setKeys()
}

// migrationFacts are one repository's lines below its name.
func migrationFacts(st Styles, r migrate.Repository, now time.Time, width int) []string {
	fs := newFactSheet(st, width)
	fs.add("Server", r.Server+" ("+r.ServerSource+")", nil)
	if r.NotaryServer != "" {
		fs.add("Notary CLI", r.NotaryServer+" (its config's remote_server.url)", nil)
	}
	if w := r.HubWords(now); w != "" {
		style := st.Warn.Render
		if !now.Before(remote.HubShutdown) {
			style = st.Bad.Render
		}
		fs.add("Warning", w, style)
	}
	if w := r.CacheWords(); w != "" {
		fs.add("Cache", w, st.Warn.Render)
	}
	archived := st.Warn.Render
	if r.Archive.Sound() {
		archived = st.OK.Render
	}
	fs.add("Archived", r.Archived, archived)
	if len(r.Signers) == 0 && !r.Uncached {
		fs.add("Signers", "none named in the cached metadata", st.Faint.Render)
	}
	for i, k := range r.Signers {
		label := ""
		if i == 0 {
			label = "Signers"
		}
		where := ""
		if k.Where != "" {
			where = " (" + k.Where + ")"
		}
		fs.add(label, fmt.Sprintf("%s %s %s %s%s", k.Role, vault.ShortID(k.ID), k.KeyType, k.Location, where), nil)
	}
	for i, n := range r.Next {
		label := ""
		if i == 0 {
			label = "Next"
		}
		fs.add(label, fmt.Sprintf("%d. %s", i+1, n), nil)
	}
	return fs.lines
}

func (p *migrationPage) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Open, p.keys.Up, p.keys.Down, p.keys.Update, p.keys.Back}
}

func (p *migrationPage) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Open, p.keys.Update, p.keys.Back},
	}
}

func (p *migrationPage) View() string {
	st := p.c.styles
	var b strings.Builder
	b.WriteString(st.ColumnHeader.Render(truncate(p.summary(), p.width)))
	switch {
	case p.loading:
		b.WriteString("\n" + p.c.spinner.View() + " Reading the archive records and checking each archive…")
		return b.String()
	case p.err != "":
		b.WriteString("\n" + st.Bad.Render(wrap(p.err, p.width)))
		return b.String()
	case len(p.report) == 0:
		b.WriteString("\n" + wrap("No repository trust data is cached here: nothing to migrate. "+
			"m on a key's page still exports that key to cosign.", p.width))
		return b.String()
	}
	if p.stale() {
		b.WriteString("\n" + st.Faint.Render(truncate("The trust directory was read again since: u updates the report.", p.width)))
	}
	if p.warning != "" {
		b.WriteString("\n" + st.Warn.Render(truncate(p.warning, p.width)))
	}
	start, end := p.list.visible()
	for i := start; i < end; i++ {
		b.WriteString("\n" + p.renderLine(i))
	}
	return b.String()
}

// renderLine draws line i: a repository's name as a heading (selected
// under the cursor), its facts as laid out.
func (p *migrationPage) renderLine(i int) string {
	st := p.c.styles
	if p.repoOf[i] < 0 {
		return truncate(p.lines[i], p.width)
	}
	if i == p.list.cursor {
		return st.Selected.Render(fit("▸ "+p.lines[i], p.width))
	}
	return "  " + st.Heading.Render(truncate(p.lines[i], p.width-2))
}

// summary is the first line: how many repositories, on Docker Hub,
// archived, and the export key.
func (p *migrationPage) summary() string {
	hub, archived := 0, 0
	for _, r := range p.report {
		if r.DockerHub {
			hub++
		}
		if r.Archive.Sound() {
			archived++
		}
	}
	return fmt.Sprintf("%s · %d on Docker Hub · %d archived and current · m on a key exports it to cosign",
		plural(len(p.report), "repository", "repositories"), hub, archived)
}

// scrollInfo says which lines are on screen, for the title line.
func (p *migrationPage) scrollInfo() (first, last, total int) {
	first, last = p.list.visible()
	return first, last, p.list.n
}
