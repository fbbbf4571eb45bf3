package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
)

// Default size until the terminal reports its own.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// Model is the root model: it owns the window size, the styles, the
// header and footer, the help overlay and a stack of pages, and forwards
// each message to the active page only.
type Model struct {
	ctx     context.Context
	c       *common
	keys    globalKeys
	help    help.Model
	now     func() time.Time
	noColor bool
	prepare func(context.Context) (*vault.Store, error)
	dir     string // shown until the store is open

	width, height int
	stack         []page
	loading       bool
	loadErr       error
	showHelp      bool
	helpOffset    int // the first line of the help shown, when it scrolls
	status        string
	statusErr     bool
	// quitAsked is set after a ctrl+c that interrupted a long operation:
	// a second one quits.
	quitAsked bool
	// announce is set while a refresh the person asked for runs: its end
	// is said, even when nothing changed.
	announce bool
	// reloadQueued is set when a reading was asked for while the health
	// checks of the one on screen still ran: it starts when they end.
	reloadQueued bool
}

// interrupter is a page running an operation that ctrl+c would cut short:
// interruption says what state that leaves things in ("" when nothing is
// running).
type interrupter interface{ interruption() string }

var _ tea.Model = (*Model)(nil)

// newModel builds the root model; Init starts the first load.
func newModel(ctx context.Context, opts Options) *Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	styles := NewStyles(true)
	if opts.NoColor {
		styles = PlainStyles()
	}
	c := &common{
		styles:         styles,
		store:          opts.Store,
		demo:           opts.Demo,
		demoPassphrase: opts.DemoPassphrase,
		drives:         opts.Drives,
		tokens:         opts.Tokens,
		remote:         opts.Remote,
		now:            now,
		notaryConfig:   notaryConfigOf(opts.Env), // migration.go
		spinner:        spinner.New(spinner.WithSpinner(spinner.MiniDot)),
	}
	c.spinner.Style = styles.Spinner
	m := &Model{
		ctx: ctx, c: c, keys: defaultGlobalKeys(), help: help.New(),
		now: now, noColor: opts.NoColor, prepare: opts.Prepare,
		dir: opts.TrustDir, loading: true,
		width: defaultWidth, height: defaultHeight,
	}
	if opts.Store != nil {
		m.dir = opts.Store.Dir()
	}
	m.help.Styles = styles.Help
	return m
}

// Init starts reading the trust directory behind the first frame and asks
// the terminal for its background colour.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.loadCmd(), m.c.spinner.Tick, tea.RequestBackgroundColor)
}

func (m *Model) loadCmd() tea.Cmd {
	if m.c.store == nil && m.prepare != nil {
		return prepareVaultCmd(m.ctx, m.prepare, m.now, m.c.tokens)
	}
	if m.c.store == nil {
		return nil
	}
	return loadVaultCmd(m.c.store, m.now, m.c.tokens)
}

func (m *Model) active() page {
	if len(m.stack) == 0 {
		return nil
	}
	return m.stack[len(m.stack)-1]
}

// chrome is the number of lines the header, title and footer take.
func (m *Model) chrome() (header, title, footer int) {
	if m.height >= 6 {
		return 1, 1, 1
	}
	if m.height >= 3 {
		return 0, 1, 1
	}
	return 0, 0, 0
}

func (m *Model) bodySize() (int, int) {
	h, t, f := m.chrome()
	return m.width, max(m.height-h-t-f, 1)
}

func (m *Model) resize() {
	w, h := m.bodySize()
	for _, p := range m.stack {
		p.SetSize(w, h)
	}
	m.help.SetWidth(m.width)
}

func (m *Model) push(p page) {
	p.SetSize(m.bodySize())
	m.stack = append(m.stack, p)
}

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = max(msg.Width, 1), max(msg.Height, 1)
		m.resize()
		return m, nil
	case tea.BackgroundColorMsg:
		if !m.noColor {
			m.setStyles(NewStyles(msg.IsDark()))
		}
		return m, nil
	case spinner.TickMsg:
		if !m.loading && !m.checking() && (m.active() == nil || !m.active().Busy()) {
			return m, nil // nothing is waiting: let the spinner stop
		}
		var cmd tea.Cmd
		m.c.spinner, cmd = m.c.spinner.Update(msg)
		return m, cmd
	case vaultLoadedMsg:
		m.loaded(msg)
		return m, tea.Batch(reloadedCmds(m.stack), msg.check) // pages that read more of their own (repo_trust.go)
	case healthCheckedMsg:
		return m, m.checked(msg)
	case vaultFailedMsg:
		m.loading, m.loadErr = false, msg.err
		return m, nil
	case reloadRequestedMsg:
		cmd := m.reload()
		m.announce = m.announce || (msg.asked && (cmd != nil || m.reloadQueued))
		return m, cmd
	case repoSelectedMsg:
		rp := newRepoPage(m.c, msg.gun, msg.orphan)
		m.push(rp)
		if msg.keyPrefix != "" {
			rp.findKey(msg.keyPrefix)
		}
		return m, nil
	case keySelectedMsg:
		m.push(newKeyPage(m.c, msg.ref))
		return m, nil
	case findingOpenedMsg:
		kp := newKeyPage(m.c, msg.ref)
		m.push(kp)
		kp.focusHealth()
		return m, nil
	case guideFilledMsg:
		m.push(newGuidePage(m.c, msg))
		return m, nil
	case pageOpenedMsg:
		m.push(msg.p)
		return m, msg.init
	case backRequestedMsg:
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
		}
		return m, nil
	case quitRequestedMsg:
		return m, tea.Quit
	case errorMsg:
		if p := m.active(); p != nil && p.Busy() {
			return m.forward(msg) // the page waiting for the engine says it in place
		}
		m.status, m.statusErr = msg.Error(), true
		return m, nil
	case noticeMsg:
		m.status, m.statusErr = msg.text, false
		return m, nil
	case tea.KeyPressMsg:
		return m.updateKey(msg)
	}
	return m.forward(msg)
}

// updateKey handles the keys that work everywhere, then the page's own.
func (m *Model) updateKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.status = ""
	asked := m.quitAsked
	m.quitAsked = false
	if key.Matches(msg, m.keys.Quit) {
		if in, ok := m.active().(interrupter); ok && !asked {
			if state := in.interruption(); state != "" {
				m.quitAsked = true
				m.status, m.statusErr = state+" Press ctrl+c again to quit anyway; any other key keeps it going.", true
				return m, nil
			}
		}
		return m, tea.Quit
	}
	if asked {
		return m, send(noticeMsg{text: "Keeping going."})
	}
	p := m.active()
	if m.showHelp {
		if m.scrollHelp(msg) {
			return m, nil
		}
		m.showHelp = false // any other key closes the help
		return m, nil
	}
	if p == nil {
		// Still loading, or nothing could be loaded: q and esc leave.
		if key.Matches(msg, m.keys.Leave) {
			return m, tea.Quit
		}
		return m, nil
	}
	if p.Capturing() || pageClaims(p, msg) {
		// A page's own keys win over the global ones (restore's r).
		return m.forward(msg)
	}
	switch {
	case key.Matches(msg, m.keys.Help):
		m.showHelp, m.helpOffset = true, 0
		return m, nil
	case key.Matches(msg, m.keys.Refresh):
		cmd := m.reload()
		m.announce = cmd != nil || m.reloadQueued
		return m, cmd
	case key.Matches(msg, m.keys.Health):
		if _, ok := p.(*healthPage); !ok && m.c.snap != nil {
			m.push(newHealthPage(m.c))
		}
		return m, nil
	case key.Matches(msg, m.keys.Hardware):
		if _, ok := p.(*hardwarePage); !ok && m.c.snap != nil {
			m.push(newHardwarePage(m.c))
		}
		return m, nil
	case key.Matches(msg, m.keys.Explain):
		if _, ok := p.(*explainPage); !ok && m.c.snap != nil {
			ep, cmd := newExplainPage(m.c)
			m.push(ep)
			return m, cmd
		}
		return m, nil
	}
	return m.forward(msg)
}

// globalsFor is the global keys that do something on page p: not the key
// of the page already open (! on the health page), and none the page's
// own keys take.
func (m *Model) globalsFor(p page, keys ...key.Binding) []key.Binding {
	var out []key.Binding
	for _, b := range keys {
		switch {
		case sameBinding(b, m.keys.Health) && isPage[*healthPage](p),
			sameBinding(b, m.keys.Hardware) && isPage[*hardwarePage](p),
			sameBinding(b, m.keys.Explain) && isPage[*explainPage](p):
			continue
		}
		taken := false
		for _, k := range b.Keys() {
			if pageHasKey(p, k) {
				taken = true
			}
		}
		if !taken {
			out = append(out, b)
		}
	}
	return out
}

func isPage[T page](p page) bool { _, ok := p.(T); return ok }

func sameBinding(a, b key.Binding) bool { return slices.Equal(a.Keys(), b.Keys()) }

// pageClaims reports whether one of the page's enabled keys, as its help
// lists them, is msg.
func pageClaims(p page, msg tea.KeyPressMsg) bool { return pageHasKey(p, msg.String()) }

// pageHasKey reports whether one of the page's enabled keys is k.
func pageHasKey(p page, k string) bool {
	groups := append([][]key.Binding{p.ShortHelp()}, p.FullHelp()...)
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() && bindingHasKey(b, k) {
				return true
			}
		}
	}
	return false
}

// helpScroll are the keys that scroll the help overlay when it is longer
// than the screen; every other key closes it.
var helpScroll = defaultNavKeys()

// scrollHelp scrolls the help overlay; false when msg is not a scrolling
// key or there is nothing to scroll.
func (m *Model) scrollHelp(msg tea.KeyPressMsg) bool {
	_, bodyH := m.bodySize()
	n := len(strings.Split(m.helpView(), "\n"))
	if n <= bodyH {
		return false
	}
	var l listView
	l.setLen(n)
	l.setHeight(bodyH)
	l.offset = m.helpOffset
	if !l.scrollKeys(helpScroll, msg, bodyH) {
		return false
	}
	m.helpOffset = l.offset
	return true
}

func (m *Model) forward(msg tea.Msg) (tea.Model, tea.Cmd) {
	p := m.active()
	if p == nil {
		return m, nil
	}
	np, cmd := p.Update(msg)
	m.stack[len(m.stack)-1] = np
	return m, cmd
}

// reload reads the trust directory again; pages keep showing the old
// reading until the new one arrives.
func (m *Model) reload() tea.Cmd {
	if m.loading || (m.active() != nil && m.active().Busy()) {
		return nil
	}
	if m.checking() {
		// Two readings at once would hold two stores in memory.
		m.reloadQueued = true
		return nil
	}
	cmd := m.loadCmd()
	if cmd == nil {
		return nil
	}
	m.loading = true
	return tea.Batch(cmd, m.c.spinner.Tick)
}

// loaded takes a new reading and rebinds the pages to it, closing those
// whose subject is gone.
func (m *Model) loaded(msg vaultLoadedMsg) {
	m.loading, m.loadErr = false, nil
	m.c.store, m.c.snap = msg.store, msg.snap
	m.dir = msg.snap.dir
	if len(m.stack) == 0 {
		m.announce = false
		m.push(newReposPage(m.c))
		return
	}
	m.sayReadAgain()
	m.refreshPages(msg.snap)
}

// sayReadAgain says that a refresh the person asked for happened, even
// when nothing changed, with its figures: once its health checks ended.
func (m *Model) sayReadAgain() {
	if !m.announce || m.checking() {
		return
	}
	m.announce = false
	if m.status == "" {
		m.status, m.statusErr = "Read "+m.c.snap.dir+" again: "+strings.Join(countsText(m.c.snap.counts, false), " · ")+".", false
	}
}

// refreshPages rebinds the pages to snapshot s, closing those whose
// subject is gone.
func (m *Model) refreshPages(s *snapshot) {
	for i, p := range m.stack {
		if !p.Refresh(s) {
			m.stack = m.stack[:i]
			m.status, m.statusErr = p.Title()+" is no longer in the trust directory.", true
			break
		}
	}
	m.resize()
}

// checking reports whether the health checks of the reading on screen
// still run.
func (m *Model) checking() bool { return m.c.snap != nil && !m.c.snap.counts.checked }

// checked takes the health findings of the reading on screen (those of
// a reading that a newer one replaced are dropped), then starts a reading
// asked for meanwhile.
func (m *Model) checked(msg healthCheckedMsg) tea.Cmd {
	if msg.base != m.c.snap {
		return nil
	}
	m.c.snap = msg.snap
	m.refreshPages(msg.snap)
	if !m.reloadQueued {
		m.sayReadAgain()
		return nil
	}
	m.reloadQueued = false
	cmd := m.reload()
	m.announce = m.announce && cmd != nil
	return cmd
}

func (m *Model) setStyles(s Styles) {
	m.c.styles = s
	m.c.spinner.Style = s.Spinner
	m.help.Styles = s.Help
	for _, p := range m.stack {
		p.Refresh(m.c.snap) // re-render what pages cache
	}
}

// View draws header, title, page (or help) and footer.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "trustvault"
	return v
}

func (m *Model) render() string {
	hh, th, fh := m.chrome()
	_, bodyH := m.bodySize()
	parts := make([]string, 0, 4)
	if hh > 0 {
		parts = append(parts, m.headerView())
	}
	if th > 0 {
		parts = append(parts, m.titleView())
	}
	footer := ""
	if fh > 0 {
		footer = m.footerView()
		// A message that says what to do next is wrapped, never cut: it
		// covers the bottom of the page until the next key.
		bodyH -= strings.Count(footer, "\n")
	}
	parts = append(parts, m.bodyView(max(bodyH, 1)))
	if fh > 0 {
		parts = append(parts, footer)
	}
	return strings.Join(parts, "\n")
}

// bodyView is the page, the help overlay or the loading state, exactly
// bodyH lines high so that the footer stays at the bottom.
func (m *Model) bodyView(bodyH int) string {
	var body string
	switch {
	case m.loadErr != nil:
		body = clip(m.c.styles.Bad.Render(wrap("Could not open the trust directory: "+m.loadErr.Error(), m.width)), m.width)
	case m.showHelp:
		lines := strings.Split(clip(m.helpView(), m.width), "\n")
		off := min(m.helpOffset, max(len(lines)-bodyH, 0))
		body = strings.Join(lines[off:], "\n")
	case m.active() == nil:
		body = m.c.spinner.View() + " Reading " + middleTruncate(m.dir, max(m.width-12, 8)) + "…"
	default:
		// Pages keep to their width (the tests hold them to it); measuring
		// every line again would cost more than drawing it.
		body = m.active().View()
	}
	return fitLines(body, bodyH)
}

// fitLines makes text exactly h lines high: cut below, or blank lines added.
func fitLines(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// clip cuts every line of s to width cells.
func clip(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = truncate(l, width)
	}
	return strings.Join(lines, "\n")
}

// headerView is the top bar: the trust directory and the counts.
func (m *Model) headerView() string {
	st := m.c.styles
	title := st.HeaderTitle.Render(" trustvault ")
	if m.c.demo {
		title += st.HeaderDemo.Render(" DEMO ")
	}
	var long, short []string
	switch {
	case m.loading && m.c.snap == nil:
		long = []string{m.c.spinner.View() + " reading…"}
		short = long
	case m.c.snap != nil:
		long, short = countsText(m.c.snap.counts, false), countsText(m.c.snap.counts, true)
		long, short = m.c.snap.tokens.inCounts(long, false), m.c.snap.tokens.inCounts(short, true)
		if m.loading || m.checking() {
			long = append([]string{m.c.spinner.View()}, long...)
			short = append([]string{m.c.spinner.View()}, short...)
		}
	}
	avail := m.width - textWidth(title) - 1
	right := headerCounts(long, short, avail, min(len(m.dir), 40))
	dirW := max(avail-textWidth(right), 0)
	dir := ""
	if dirW >= 12 {
		dir = " " + middleTruncate(m.dir, dirW-1)
	}
	line := title + st.Header.Render(pad(dir, dirW)) + st.HeaderCounts.Render(right)
	if w := textWidth(line); w < m.width {
		line += st.Header.Render(strings.Repeat(" ", m.width-w))
	}
	return truncate(line, m.width)
}

// countsText is the header's figures, most important first so that a
// narrow header keeps them.
func countsText(c counts, short bool) []string {
	repos := plural(c.repos, "repository", "repositories")
	if short {
		repos = plural(c.repos, "repo", "repos")
	}
	out := []string{repos, plural(c.keys, "key", "keys")}
	if !c.checked {
		// Not "no problems": nothing is known yet.
		out = append(out, "checking health…")
	}
	if c.problems > 0 && c.checked {
		out = append(out, plural(c.problems, "problem", "problems"))
	}
	if c.warnings > 0 && c.checked {
		out = append(out, plural(c.warnings, "warning", "warnings"))
	}
	if c.weak > 0 {
		out = append(out, strconv.Itoa(c.weak)+" weak")
	}
	return out
}

// headerCounts picks the most the header can say: all counts in long
// words with the directory given at least dirWant cells, then fewer or
// shorter counts, and at last the counts alone.
func headerCounts(long, short []string, avail, dirWant int) string {
	var cands []string
	for i := len(long); i > 0; i-- {
		cands = append(cands, " "+strings.Join(long[:i], " · ")+" ")
	}
	for i := len(short); i > 0; i-- {
		cands = append(cands, " "+strings.Join(short[:i], " · ")+" ")
	}
	for _, c := range cands {
		if textWidth(c)+dirWant+1 <= avail {
			return c
		}
	}
	for _, c := range cands[len(long):] {
		if textWidth(c) <= avail {
			return c
		}
	}
	return ""
}

// titleView is the breadcrumb of the open pages.
func (m *Model) titleView() string {
	if len(m.stack) == 0 {
		return ""
	}
	titles := make([]string, len(m.stack))
	for i, p := range m.stack {
		titles[i] = visible(p.Title()) // a repository's title is its GUN
	}
	if m.showHelp {
		titles = append(titles, "Help")
	}
	// Where the view is in a list longer than the screen.
	pos := ""
	if sc, ok := m.active().(interface{ scrollInfo() (int, int, int) }); ok && !m.showHelp {
		if first, last, total := sc.scrollInfo(); first > 0 || last < total {
			pos = fmt.Sprintf(" %d–%d of %d", first+1, last, total)
		}
	}
	width := m.width - len([]rune(pos))
	crumb := strings.Join(titles, " › ")
	if textWidth(crumb) > width {
		// Keep the end: where the person is matters most.
		last := titles[len(titles)-1]
		crumb = "… › " + middleTruncate(last, max(width-4, 1))
	}
	if width < 10 {
		pos = ""
	}
	line := m.c.styles.Title.Render(truncate(crumb, m.width))
	if pos != "" {
		line = pad(line, width) + m.c.styles.Faint.Render(pos)
	}
	return line
}

// footerView shows a notice or error, or the active page's keys.
func (m *Model) footerView() string {
	st := m.c.styles
	if m.status != "" {
		style := st.Status
		if m.statusErr {
			style = st.StatusError
		}
		lines := strings.Split(wrap(visible(m.status), m.width), "\n") // errors name files
		if most := max(m.height/3, 1); len(lines) > most {
			lines = lines[:most]
			lines[most-1] = truncate(lines[most-1]+" …", m.width)
		}
		for i, l := range lines {
			lines[i] = style.Render(l)
		}
		return strings.Join(lines, "\n")
	}
	if m.showHelp {
		_, bodyH := m.bodySize()
		if len(strings.Split(m.helpView(), "\n")) > bodyH {
			return st.Faint.Render(truncate("↓/j ↑/k scroll · any other key closes", m.width))
		}
		return st.Faint.Render(truncate("any key closes the help", m.width))
	}
	p := m.active()
	if p == nil {
		return st.Faint.Render(truncate("q quits", m.width))
	}
	// help truncates with an ellipsis, but not below the first item. While
	// the page takes keys as text, ! and ? type.
	globals := m.globalsFor(p, m.keys.Health, m.keys.Help)
	if p.Capturing() {
		globals = nil
	}
	return truncate(m.help.ShortHelpView(append(p.ShortHelp(), globals...)), m.width)
}

// helpView is the overlay: the page's keys, the global keys, and what the
// page's columns mean.
func (m *Model) helpView() string {
	p := m.active()
	if p == nil {
		return ""
	}
	groups := append(p.FullHelp(), m.globalsFor(p, m.keys.Health, m.keys.Hardware, m.keys.Explain, m.keys.Help, m.keys.Refresh, m.keys.Quit))
	out := m.c.styles.Heading.Render("Keys") + "\n\n" + helpList(m.c.styles, groups, m.width)
	if u, ok := p.(unavailabler); ok {
		if d := disabledHelp(m.c.styles, u.unavailable(), m.width); d != "" {
			out += "\n\n" + d
		}
	}
	if l, ok := p.(interface{ legend() string }); ok {
		out += "\n\n" + wrap(l.legend(), m.width)
	}
	return out
}

// helpList lists every enabled key, one a line ("enter  open"), groups
// apart, descriptions wrapped: at any width every key is there (the
// overlay scrolls), where columns would drop the ones that do not fit.
func helpList(st Styles, groups [][]key.Binding, width int) string {
	keyW := 0
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() {
				keyW = max(keyW, textWidth(b.Help().Key))
			}
		}
	}
	var out []string
	for _, g := range groups {
		var lines []string
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			h := b.Help()
			desc := strings.Split(wrap(h.Desc, max(width-keyW-4, 10)), "\n")
			lines = append(lines, "  "+st.Help.FullKey.Render(pad(h.Key, keyW))+"  "+st.Help.FullDesc.Render(desc[0]))
			for _, d := range desc[1:] {
				lines = append(lines, strings.Repeat(" ", keyW+4)+st.Help.FullDesc.Render(d))
			}
		}
		if len(lines) > 0 {
			if len(out) > 0 {
				out = append(out, "")
			}
			out = append(out, lines...)
		}
	}
	return strings.Join(out, "\n")
}
