package ui

// The repository page's trust data: the signed tags tab (t, laid out in
// repo_tags.go), the pull from the notary server (P) with what changed,
// and the archive (A, repo_archive.go). The engine is called only in
// commands: the offline verification (readTrustCmd), the pull (pullCmd),
// the archive (archiveTrustCmd); a pull or an archive runs with a
// spinner and esc cancels it.

import (
	"context"
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/tuf"
)

// trustKeys are the repository page's keys for its trust data.
type trustKeys struct {
	Tags    key.Binding // t: the signed tags tab, and back to the keys
	Pull    key.Binding // P
	Archive key.Binding // A
	Cancel  key.Binding // esc while a pull or an archive runs
}

func defaultTrustKeys() trustKeys {
	return trustKeys{
		Tags:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "signed tags")),
		Pull:    key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "pull from the server")),
		Archive: key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "archive the trust data")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// trustOp is what runs against the engine.
type trustOp int

const (
	opNone trustOp = iota
	opPulling
	opArchiving
)

// trustReport is the outcome of the last pull or archive, shown at the
// top of the tab until the next one.
type trustReport struct {
	title string
	kind  trustLineKind // tlText, tlWarn or tlBad
	lines []string
	// moved: the person has scrolled since it arrived; until then the
	// tab shows it from its top, wherever the cursor is.
	moved bool
	// pulled: when a pull verified and wrote the cache (zero: the report
	// is not of one); the readings after it say so.
	pulled time.Time
}

// repoTrust is the repository page's trust data state.
type repoTrust struct {
	keys    trustKeys
	showing bool // the signed tags tab is shown
	// loaded: a reading has arrived (reading is it); pending: one is on
	// its way.
	loaded, pending bool
	reading         trustReading
	lines           []trustLine
	list            listView
	// pullAdvice says what P would do here, or why it cannot.
	pullAdvice string
	report     *trustReport
	op         trustOp
	cancel     context.CancelFunc
	server     string // the server being pulled from
	form       *form  // the archive form, while it is open
	// archiveFrom says where A takes the metadata from.
	archiveFrom string
	// detailH is the longest tag detail at width detailFor; longestTag
	// the widest tag name.
	detailH, detailFor, longestTag int
}

// Messages of the trust data; gun says which page they are for.
type (
	// trustReadMsg is a repository's cache, verified offline.
	trustReadMsg struct {
		gun     string
		reading trustReading
	}
	// trustPulledMsg is a pull that verified and updated the cache.
	trustPulledMsg struct {
		gun     string
		update  *remote.Update
		warning string // Docker Hub's shutdown, while it is ahead
	}
)

// initTrust sets the page's trust data state up.
func (p *repoPage) initTrust() {
	p.trust = repoTrust{keys: defaultTrustKeys()}
	p.trust.list.selectable = func(i int) bool { return i < len(p.trust.lines) && p.trust.lines[i].kind == tlTag }
	p.setTrustKeys()
}

// now is the view's clock.
func (p *repoPage) now() time.Time {
	if p.c.now != nil {
		return p.c.now()
	}
	return time.Now()
}

// trustOptions are the engine's options for this repository: the server
// the command line would pick (online), and always this page's trust
// directory.
func (p *repoPage) trustOptions(online bool) remote.Options {
	o := remote.Options{GUN: p.gun}
	if p.c.remote != nil {
		o = p.c.remote.Options(p.gun, online, p.now())
	}
	o.TrustDir = p.c.store.Dir()
	return o
}

// cacheSource names the cache for the freshness words.
func (p *repoPage) cacheSource() string {
	return "offline from the cache " + remote.MetadataDir(p.c.snap.dir, p.gun)
}

// readTrustCmd verifies the cache offline.
func (p *repoPage) readTrustCmd() tea.Cmd {
	p.trust.pending = true
	o, source, now := p.trustOptions(false), p.cacheSource(), p.now()
	pulled := p.trust.report != nil && !p.trust.report.pulled.IsZero()
	if pulled {
		source += ", as pulled from " + p.trust.server + " at " + p.trust.report.pulled.UTC().Format("2006-01-02 15:04:05 UTC") + ","
	}
	return func() tea.Msg { return trustReadMsg{gun: o.GUN, reading: readTrust(o, source, now, pulled)} }
}

// pullBlocker says why P cannot pull; "" when it can.
func (p *repoPage) pullBlocker() string {
	switch {
	case p.orphan:
		return "these keys belong to no repository"
	case p.c.demo:
		return "this is the demo vault: its repositories are on no notary server (their trust data was made on this machine)"
	case p.c.remote == nil:
		return "no notary server is set up for this view; pull with trustvault pull " + p.gun + " --server URL"
	}
	return ""
}

// setTrustKeys enables the keys that can act now and words the advice.
func (p *repoPage) setTrustKeys() {
	t := &p.trust
	t.keys.Tags.SetEnabled(!p.orphan)
	t.keys.Archive.SetEnabled(!p.orphan)
	t.keys.Pull.SetEnabled(p.pullBlocker() == "")
	t.keys.Cancel.SetEnabled(t.op != opNone)
	t.keys.Tags.SetHelp("t", "signed tags")
	if t.showing {
		t.keys.Tags.SetHelp("t", "back to the keys")
	}
	t.server = ""
	switch why := p.pullBlocker(); {
	case why != "":
		t.pullAdvice = "P cannot pull here: " + why + "."
		t.archiveFrom = "It archives the cache as it is, offline, as trustvault archive --offline does."
	default:
		server, source := p.c.remote.ServerFor(p.gun)
		t.server = server
		t.pullAdvice = "P pulls it from " + server + " (" + source + ")."
		t.archiveFrom = "It pulls from " + server + " first and adds every root version the server serves; " +
			"when the server does not answer, it archives the cache as it is, offline, and says so."
	}
}

// layoutTrust lays the tab out again for the reading and the width.
func (p *repoPage) layoutTrust() {
	t := &p.trust
	var cur string
	if t.list.selected() && t.lines[t.list.cursor].kind == tlTag {
		cur = t.reading.rows[t.lines[t.list.cursor].row].name
	}
	p.setTrustKeys()
	t.lines = t.trustLines(p.gun, p.width)
	t.list.setLen(len(t.lines))
	t.list.cursor = 0
	for i, l := range t.lines {
		if l.kind == tlTag && t.reading.rows[l.row].name == cur {
			t.list.cursor = i
		}
	}
	t.list.setHeight(p.trustListHeight())
	t.list.clamp()
	if t.report != nil && !t.report.moved {
		t.list.offset = 0
	}
	t.list.enableMoves(&p.keys)
}

// trustBusy reports whether a pull or an archive runs.
func (p *repoPage) trustBusy() bool {
	return p.trust.op != opNone
}

// updateTrust handles the messages and keys of the trust data; false
// when msg is not one of them.
func (p *repoPage) updateTrust(msg tea.Msg) (bool, tea.Cmd) {
	t := &p.trust
	switch msg := msg.(type) {
	case trustReadMsg:
		if msg.gun == p.gun {
			t.reading, t.loaded, t.pending, t.detailFor = msg.reading, true, false, 0
			t.longestTag = longestTagName(t.reading.rows)
			p.layoutTrust()
		}
		return true, nil
	case trustPulledMsg:
		return true, p.pulled(msg)
	case archivePathMsg:
		return true, p.openArchiveForm(msg)
	case trustArchivedMsg:
		return true, p.archived(msg)
	case errorMsg:
		if t.op == opNone {
			return false, nil
		}
		return true, p.trustFailed(msg.err)
	case tea.KeyPressMsg:
		return p.trustKey(msg)
	case tea.MouseWheelMsg:
		if t.showing && t.form == nil {
			if t.report != nil {
				t.report.moved = true
			}
			wheel(&t.list, msg)
			return true, nil
		}
	}
	if t.form != nil {
		_, cmd := t.form.Update(msg) // cursor blinks, pastes
		return true, cmd
	}
	return false, nil
}

// trustKey handles a key: while something runs, esc cancels it and the
// tab still scrolls; otherwise t, P and A, and the tab's movement.
func (p *repoPage) trustKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	t := &p.trust
	if t.op != opNone && key.Matches(msg, t.keys.Cancel) {
		if t.cancel != nil {
			t.cancel()
		}
		return true, nil
	}
	if t.form != nil {
		return true, p.updateArchiveForm(msg)
	}
	switch {
	case key.Matches(msg, t.keys.Tags):
		t.showing = !t.showing
		p.layoutTrust()
		if t.showing && !t.pending && t.op == opNone {
			return true, p.readTrustCmd()
		}
		return true, nil
	case t.op != opNone:
		if t.showing {
			p.moveTags(msg)
		}
		return true, nil // nothing else starts while it runs
	case key.Matches(msg, t.keys.Pull):
		return true, p.startPull()
	case key.Matches(msg, t.keys.Archive):
		return true, archivePathCmd(p.gun, p.now())
	}
	if cmd := explainDisabled(p.unavailable(), msg); cmd != nil {
		return true, cmd
	}
	if !t.showing {
		return false, nil
	}
	switch {
	case p.moveTags(msg):
		return true, nil
	case key.Matches(msg, p.keys.Open), key.Matches(msg, p.find):
		return true, nil // the keys tab's; nothing to open or find here
	case key.Matches(msg, p.guide), key.Matches(msg, p.generate):
		// They act on the keys tab's cursor, which this tab hides.
		return true, send(noticeMsg{text: "That is a key's action: press t to go back to the keys, choose one, then press it."})
	}
	return false, nil
}

// startPull pulls from the server, off the event loop, on the tab.
func (p *repoPage) startPull() tea.Cmd {
	t := &p.trust
	ctx, cancel := context.WithCancel(context.Background())
	t.op, t.cancel, t.showing = opPulling, cancel, true
	p.layoutTrust()
	return tea.Batch(pullCmd(ctx, p.trustOptions(true), p.now()), p.c.spinner.Tick)
}

// pullCmd pulls a repository. A pull cut short by esc comes back as
// context.Canceled, whatever the connection said about it.
func pullCmd(ctx context.Context, o remote.Options, now time.Time) tea.Cmd {
	return func() tea.Msg {
		warning := remote.HubWarning(o.Server, now)
		u, err := remote.Pull(ctx, o)
		if err != nil && ctx.Err() != nil {
			return errorMsg{err: context.Canceled}
		}
		if err != nil {
			return errorMsg{err: remote.HubGone(err, now)}
		}
		return trustPulledMsg{gun: o.GUN, update: u, warning: warning}
	}
}

// pulled reports what the pull changed, then reads the trust directory
// and the cache again, so that both tabs show the new data.
func (p *repoPage) pulled(msg trustPulledMsg) tea.Cmd {
	t := &p.trust
	if msg.gun != p.gun {
		return nil
	}
	p.endOp()
	var lines []string
	if msg.warning != "" {
		lines = append(lines, "warning: "+msg.warning)
	}
	pinned := p.c.remote != nil && p.c.remote.Pinned()
	lines = append(lines, msg.update.Lines(pinned)...)
	now := p.now()
	t.report = &trustReport{title: "PULLED  " + now.UTC().Format("2006-01-02 15:04 UTC"), kind: tlText, lines: lines, pulled: now}
	p.layoutTrust()
	return tea.Batch(send(reloadRequestedMsg{}), p.readTrustCmd())
}

// trustFailed reports a pull or an archive that failed or was cancelled.
// A failed pull leaves the cache as it was: the tab goes on showing it.
func (p *repoPage) trustFailed(err error) tea.Cmd {
	t := &p.trust
	op := t.op
	if op == opArchiving {
		return p.archiveFailed(err)
	}
	p.endOp()
	switch {
	case errors.Is(err, context.Canceled):
		t.report = &trustReport{title: "PULL CANCELLED", kind: tlWarn,
			lines: []string{"The pull from " + t.server + " was cancelled before it finished: nothing was written to the cache."}}
	default:
		lines := []string{"pull " + p.gun + ": " + err.Error()}
		if t.loaded && t.reading.repo != nil {
			lines = append(lines, "The signed tags below are the cached copy, verified offline; A archives it.")
		}
		t.report = &trustReport{title: "PULL FAILED", kind: tlBad, lines: lines}
	}
	p.layoutTrust()
	return nil
}

// endOp marks the running pull or archive done.
func (p *repoPage) endOp() {
	t := &p.trust
	if t.cancel != nil {
		t.cancel()
	}
	t.op, t.cancel = opNone, nil
}

// trustInterruption is what quitting would cut short ("" when nothing).
func (p *repoPage) trustInterruption() string {
	switch p.trust.op {
	case opPulling:
		return "A pull of " + p.gun + " is running; quitting stops it, and the cache is written only once the whole update has verified, so it stays as it was."
	case opArchiving:
		return "An archive of " + p.gun + " is being made; quitting stops it, and the archive may not be written."
	}
	return ""
}

// unavailable is the repository page's actions that cannot run now.
func (p *repoPage) unavailable() []disabledAction { return p.trustUnavailable() }

// interruption is what quitting would cut short on the repository page.
func (p *repoPage) interruption() string { return p.trustInterruption() }

// trustUnavailable is why P cannot pull, for the help and the footer.
func (p *repoPage) trustUnavailable() []disabledAction {
	if why := p.pullBlocker(); why != "" && !p.orphan {
		return []disabledAction{{p.trust.keys.Pull, why}}
	}
	return nil
}

// trustHelp is the tab's keys, or (false) nothing of the tab's to say.
func (p *repoPage) trustHelp() ([]key.Binding, bool) {
	t := &p.trust
	switch {
	case t.form != nil && t.op != opNone:
		return []key.Binding{t.keys.Cancel}, true
	case t.form != nil:
		return t.form.help(), true
	case t.op != opNone:
		return []key.Binding{t.keys.Cancel, t.keys.Tags, p.keys.Up, p.keys.Down}, true
	case t.showing:
		return []key.Binding{t.keys.Tags, t.keys.Pull, t.keys.Archive, p.keys.Up, p.keys.Down, p.keys.Back}, true
	}
	return nil, false
}

// trustListHeight is the tab's scrolling part: less the running line and
// the selected tag's detail.
func (p *repoPage) trustListHeight() int {
	h := p.height - p.trustDetailHeight()
	if p.trust.op != opNone {
		h--
	}
	return max(h, 1)
}

// trustDetailHeight is the room for the selected tag in full (a rule and
// its lines): what the longest needs, at most a third of the page, none
// on a short one.
func (p *repoPage) trustDetailHeight() int {
	t := &p.trust
	if p.height < 12 || !t.loaded || len(t.reading.rows) == 0 {
		return 0
	}
	if t.detailFor != p.width {
		t.detailH, t.detailFor = 0, p.width
		for _, r := range t.reading.rows {
			t.detailH = max(t.detailH, len(tagDetailLines(r, t.reading.repo, p.width)))
		}
	}
	return min(t.detailH+1, p.height/3)
}

// tagDetailLines are a tag's detail wrapped to width.
func tagDetailLines(r tagRow, repo *tuf.Repo, width int) []string {
	var out []string
	for _, l := range tagDetail(r, repo) {
		out = append(out, strings.Split(wrap(l, width), "\n")...)
	}
	return out
}

// moveTags moves the cursor over the tags; at either end (or with no tag
// at all) the keys scroll the lines beyond it instead, so that every line
// can be seen.
func (p *repoPage) moveTags(msg tea.KeyPressMsg) bool {
	l := &p.trust.list
	before, from := l.cursor, l.offset
	if !navigate(l, p.keys, msg) {
		return false
	}
	if p.trust.report != nil {
		p.trust.report.moved = true
	}
	if l.cursor != before || l.offset != from {
		return true
	}
	step := map[bool]int{true: 1, false: -1}
	switch {
	case key.Matches(msg, p.keys.Up), key.Matches(msg, p.keys.Down):
		l.offset += step[key.Matches(msg, p.keys.Down)]
	case key.Matches(msg, p.keys.PageUp), key.Matches(msg, p.keys.PageDown):
		l.offset += step[key.Matches(msg, p.keys.PageDown)] * max(l.height-1, 1)
	default:
		l.offset += step[key.Matches(msg, p.keys.Bottom)] * l.n
	}
	l.clampOffset()
	return true
}

// selectedTag is the tag under the cursor.
func (p *repoPage) selectedTag() (tagRow, bool) {
	t := &p.trust
	if !t.list.selected() || t.lines[t.list.cursor].kind != tlTag {
		return tagRow{}, false
	}
	return t.reading.rows[t.lines[t.list.cursor].row], true
}

// trustView draws the tab: what runs, the lines, the selected tag.
func (p *repoPage) trustView() string {
	t := &p.trust
	st := p.c.styles
	if t.form != nil {
		return p.archiveFormView()
	}
	var out []string
	switch t.op {
	case opPulling:
		out = append(out, truncate(p.c.spinner.View()+" Pulling "+p.gun+" from "+t.server+"… esc cancels", p.width))
	case opArchiving:
		out = append(out, truncate(p.c.spinner.View()+" Archiving "+p.gun+"… esc cancels", p.width))
	}
	start, end := t.list.visible()
	for i := start; i < end; i++ {
		out = append(out, t.renderTrustLine(st, t.lines[i], i == t.list.cursor && t.list.selected(), p.width))
	}
	if h := p.trustDetailHeight(); h > 0 {
		out = append(out, st.Faint.Render(strings.Repeat("─", p.width)))
		if r, ok := p.selectedTag(); ok {
			detail := tagDetailLines(r, t.reading.repo, p.width)
			for i, l := range detail[:min(len(detail), h-1)] {
				if i == 0 {
					l = st.SubHeading.Render(l)
				}
				out = append(out, truncate(l, p.width))
			}
		}
	}
	return strings.Join(out, "\n")
}

// reloaded reads the cache again after the trust directory was read
// again (a refresh, a pull, a signature published from this page), once
// the tab has shown it.
func (p *repoPage) reloaded() tea.Cmd {
	if !p.trust.loaded || p.trust.pending || p.trust.op != opNone {
		return nil
	}
	return p.readTrustCmd()
}

// reloadWatcher is a page that reads something of its own again when the
// trust directory has been read again.
type reloadWatcher interface{ reloaded() tea.Cmd }

// reloadedCmds are the commands of the pages that read again after a
// reading of the trust directory.
func reloadedCmds(stack []page) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range stack {
		if w, ok := p.(reloadWatcher); ok {
			cmds = append(cmds, w.reloaded())
		}
	}
	return tea.Batch(cmds...)
}
