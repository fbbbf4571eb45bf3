package ui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// repoPage shows one repository's five key types, in the fixed order
// root, targets, snapshot, timestamp, delegations, each with its keys. The
// same page shows the keys without a repository, grouped the same way.
type repoPage struct {
	c             *common
	keys          navKeys
	generate      key.Binding // a new key: passphrase_pages.go
	guide         key.Binding // the lost-key guide: guide.go
	find          key.Binding // find a key by the start of its ID
	publish       publishKeys // sign, revoke, add a signer, rotate: publish.go
	width, height int
	// finding is set while the person types a key ID's start; the cursor
	// follows the first key it matches, and esc puts it back at from.
	finding bool
	findIn  lineInput
	from    int

	gun    string
	orphan bool
	row    *repoRow
	lines  []repoLine
	list   listView
	// trust is the signed tags tab, the pull and the archive
	// (repo_trust.go).
	trust repoTrust
}

var _ page = (*repoPage)(nil)

// lineKind is what one line of the repository page is.
type lineKind int

const (
	lineHeading lineKind = iota // a key type, with its role's facts
	lineRole                    // a delegation role, with its facts
	lineKey                     // a key: selectable
	lineNote                    // a remark
)

// repoLine is one line of the repository page.
type repoLine struct {
	kind lineKind
	// heading and role: the key type and, when metadata names it, the role.
	heading keyrole.Kind
	role    *vault.RoleInfo
	// title names a heading that is not a key type (unreadable files,
	// metadata problems).
	title string
	// text is a note, or what a heading says in place of role facts.
	text string
	// key lines.
	ref  keyRef
	file *vault.Key // the key file, when there is one here
	// extra marks a key file no metadata names.
	extra bool
}

func newRepoPage(c *common, gun string, orphan bool) *repoPage {
	p := &repoPage{c: c, keys: defaultNavKeys(), gun: gun, orphan: orphan,
		generate: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new key")),
		guide:    guideBinding(),
		find:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "find a key by ID")),
		publish:  defaultPublishKeys()}
	p.publish.setEnabled(!orphan) // keys without a repository publish nothing
	p.findIn = newLineInput()
	p.findIn.Prompt = "key ID: "
	p.findIn.Placeholder = "its first characters"
	p.findIn.SetStyles(c.styles.Input)
	p.list.selectable = func(i int) bool { return p.lines[i].kind == lineKey }
	p.initTrust()
	p.Refresh(c.snap)
	return p
}

func (p *repoPage) Title() string {
	if p.orphan {
		return "Keys without a repository"
	}
	if p.trust.showing {
		return p.gun + " · signed tags"
	}
	return p.gun
}

func (p *repoPage) Capturing() bool { return p.finding || p.trust.form != nil || p.trustBusy() }

// findKey puts the cursor on the first key whose ID starts with prefix
// (any length); false when none does.
func (p *repoPage) findKey(prefix string) bool {
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if prefix == "" {
		return false
	}
	for i, l := range p.lines {
		if l.kind == lineKey && strings.HasPrefix(l.ref.id, prefix) {
			p.list.cursor = i
			p.list.follow()
			return true
		}
	}
	return false
}

// updateFind takes the key ID being typed.
func (p *repoPage) updateFind(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.finding = false
		p.findIn.Blur()
		p.list.cursor = p.from
		p.list.follow()
		return nil
	case "enter":
		p.finding = false
		p.findIn.Blur()
		return nil
	}
	var cmd tea.Cmd
	p.findIn, cmd = p.findIn.Update(msg)
	if q := p.findIn.Value(); q != "" && !p.findKey(q) {
		return tea.Batch(cmd, send(noticeMsg{text: "No key here starts with " + q + "."}))
	}
	return cmd
}
func (p *repoPage) Busy() bool { return p.trustBusy() }

func (p *repoPage) SetSize(w, h int) {
	p.width, p.height = w, h
	if p.row != nil {
		p.Refresh(p.c.snap) // the fixes are wrapped to the width
	}
	p.list.setHeight(h)
	p.list.enableMoves(&p.keys)
	if p.trust.showing {
		p.layoutTrust()
	}
}

// Refresh rebuilds the lines and keeps the cursor on the same key.
func (p *repoPage) Refresh(s *snapshot) bool {
	row := s.row(p.gun, p.orphan)
	if row == nil {
		return false
	}
	var cur keyRef
	if p.list.selected() {
		cur = p.lines[p.list.cursor].ref
	}
	p.row = row
	p.lines = repoLines(s, row, p.width)
	p.list.cursor = 0
	p.list.setLen(len(p.lines))
	for i, l := range p.lines {
		if l.kind == lineKey && l.ref == cur && cur != (keyRef{}) {
			p.list.cursor = i
			break
		}
	}
	p.list.setHeight(p.height)
	p.list.clamp()
	p.list.enableMoves(&p.keys)
	if p.trust.showing {
		p.layoutTrust()
	}
	return true
}

// repoLines lays out a row: the five key types, then the problems, then
// what fixes each damaged, missing or absent thing, wrapped to width.
func repoLines(s *snapshot, row *repoRow, width int) []repoLine {
	var lines []repoLine
	var fixes []string
	addFix := func(f string) {
		if f != "" && !slices.Contains(fixes, f) {
			fixes = append(fixes, f)
		}
	}
	extras := map[keyrole.Kind][]*vault.Key{}
	var unreadable []*vault.Key
	for _, k := range row.extra {
		if k.Err != nil {
			unreadable = append(unreadable, k)
			continue
		}
		extras[k.Kind()] = append(extras[k.Kind()], k)
	}
	for _, kind := range keyrole.Kinds() {
		var roles []*vault.RoleInfo
		if row.repo != nil {
			for i := range row.repo.Roles {
				if ri := &row.repo.Roles[i]; ri.Kind == kind {
					roles = append(roles, ri)
				}
			}
		}
		head := repoLine{kind: lineHeading, heading: kind}
		switch {
		case kind != keyrole.Delegation && len(roles) == 1:
			head.role = roles[0]
		case kind == keyrole.Delegation && len(roles) > 0:
			head.text = plural(len(roles), "role", "roles")
		case len(extras[kind]) > 0:
			head.text = ""
		default:
			head.text = "none"
		}
		lines = append(lines, head)
		for _, ri := range roles {
			addFix(roleMetadataFix(*ri, row.gun, s.dir))
			if kind == keyrole.Delegation {
				lines = append(lines, repoLine{kind: lineRole, heading: kind, role: ri})
			}
			if len(ri.Keys) == 0 {
				lines = append(lines, repoLine{kind: lineNote, text: "no keys"})
			}
			for _, rk := range ri.Keys {
				ref := keyRef{id: rk.ID, tufID: rk.TUFID, keyType: rk.KeyType, location: rk.Location, token: rk.Token,
					gun: row.gun, role: ri.Name}
				lines = append(lines, repoLine{kind: lineKey, ref: ref, file: fileFor(s, rk)})
				if fix := keyStateFix(rk.Location, rk.Err); fix != "" {
					addFix(vault.ShortID(rk.ID) + " is " + fix)
				}
			}
		}
		if ex := extras[kind]; len(ex) > 0 {
			if !row.orphan && row.repo != nil {
				lines = append(lines, repoLine{kind: lineNote, text: "key files for this repository that its metadata does not name:"})
			}
			for _, k := range ex {
				ref := fileRef(k)
				ref.gun = row.gun
				lines = append(lines, repoLine{kind: lineKey, ref: ref, file: k, extra: true})
			}
		}
	}
	if len(unreadable) > 0 {
		lines = append(lines, repoLine{kind: lineHeading, title: "UNREADABLE", text: plural(len(unreadable), "unreadable file", "unreadable files")})
		for _, k := range unreadable {
			lines = append(lines, repoLine{kind: lineKey, ref: fileRef(k), file: k, extra: true})
		}
	}
	if row.repo != nil && len(row.repo.Problems) > 0 {
		lines = append(lines, repoLine{kind: lineHeading, title: "METADATA", text: plural(len(row.repo.Problems), "problem", "problems")})
		for _, err := range row.repo.Problems {
			lines = appendNote(lines, err.Error(), width)
		}
	}
	if len(fixes) > 0 {
		lines = append(lines, repoLine{kind: lineHeading, title: "TO FIX", text: plural(len(fixes), "thing", "things")})
		for _, f := range fixes {
			lines = appendNote(lines, f, width)
		}
	}
	return lines
}

// appendNote adds a note wrapped to width, one line per row, so that
// nothing it says is cut off.
func appendNote(lines []repoLine, text string, width int) []repoLine {
	w := max(width-indentWidth, 16)
	if width <= 0 {
		w = 1 << 20
	}
	for _, l := range strings.Split(wrap(text, w), "\n") {
		lines = append(lines, repoLine{kind: lineNote, text: l})
	}
	return lines
}

// fileFor finds the key file for a key metadata names.
func fileFor(s *snapshot, rk vault.RoleKey) *vault.Key {
	if rk.Location != vault.LocationFile && rk.Location != vault.LocationToken && rk.Location != vault.LocationDamaged {
		return nil
	}
	return s.files[rk.ID] // for a key on a token: its backup file, if any
}

// fileRef names a key file.
func fileRef(k *vault.Key) keyRef {
	ref := keyRef{id: k.ID, location: k.Location}
	if k.Err != nil {
		ref.path = k.Path
	}
	return ref
}

func (p *repoPage) Update(msg tea.Msg) (page, tea.Cmd) {
	if done, cmd := p.updateTrust(msg); done {
		return p, cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.finding {
			return p, p.updateFind(msg)
		}
		switch {
		case key.Matches(msg, p.find):
			p.finding, p.from = true, p.list.cursor
			p.findIn.Reset()
			return p, p.findIn.Focus()
		case key.Matches(msg, p.keys.Back):
			return p, send(backRequestedMsg{})
		case key.Matches(msg, p.keys.Open):
			if p.list.selected() {
				return p, send(keySelectedMsg{ref: p.lines[p.list.cursor].ref})
			}
		case key.Matches(msg, p.generate):
			np, cmd := newGeneratePage(p.c, p.gun)
			return p, openPage(np, cmd)
		case key.Matches(msg, p.guide):
			// The selected key's guide, else the repository's targets key's.
			if p.list.selected() {
				return p, fillGuideCmd(p.c.snap, p.lines[p.list.cursor].ref.id, p.gun)
			}
			if p.orphan {
				return p, send(noticeMsg{text: "Choose a key first: these keys belong to no repository, so there is no repository's targets key to guide."})
			}
			return p, fillGuideCmd(p.c.snap, "targets", p.gun)
		default:
			if cmd, ok := p.publish.open(p.c, p.gun, msg); ok {
				return p, cmd
			}
			navigate(&p.list, p.keys, msg)
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg)
	}
	return p, nil
}

func (p *repoPage) ShortHelp() []key.Binding {
	if h, ok := p.trustHelp(); ok {
		return h
	}
	if p.finding {
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to where it was"))}
	}
	return []key.Binding{p.keys.Open, p.keys.Up, p.keys.Down, p.trust.keys.Tags, p.generate, p.guide, p.find,
		p.trust.keys.Pull, p.trust.keys.Archive, p.keys.Back}
}

func (p *repoPage) FullHelp() [][]key.Binding {
	if p.finding {
		return [][]key.Binding{p.ShortHelp()}
	}
	trust := []key.Binding{p.trust.keys.Tags, p.trust.keys.Pull, p.trust.keys.Archive}
	if h, ok := p.trustHelp(); ok && (p.trust.form != nil || p.trustBusy()) {
		return [][]key.Binding{h}
	}
	if p.trust.showing {
		return [][]key.Binding{{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom}, trust, p.publish.all(), {p.keys.Back}}
	}
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Open, p.generate, p.guide, p.find, p.keys.Back},
		trust,
		p.publish.all(),
	}
}

func (p *repoPage) legend() string {
	if p.trust.showing {
		return tagsLegend
	}
	return "Location: this disk (a key file here), token, signing server (the notary server holds " +
		"the snapshot and timestamp keys it signs with), damaged (its file is here but cannot be read: restore it from a backup), " +
		"missing (metadata names the key, but it is nowhere here: import a copy or rotate it).\n" +
		"Metadata: no metadata file yet (absent: pull the repository), metadata damaged (move the file aside and pull again).\n" +
		"Backup: the drives holding a verified copy of the key file as it is now (✓ two or more); " +
		"backup older: every copy holds the key before it changed (a new passphrase).\n" +
		"Encryption: weak means notary's 2,048 PBKDF2 iterations, legacy PEM encryption or none; " +
		"change the passphrase on the key page to re-encrypt with 1,300,000 iterations."
}

// Key line columns.
const (
	headingWidth = 12 // "DELEGATIONS"
	indentWidth  = 4
	idWidth      = 7
	algWidth     = 7 // "ed25519"
	locWidth     = 14
)

func (p *repoPage) View() string {
	if p.row == nil {
		return ""
	}
	if p.trust.showing || p.trust.form != nil {
		return p.trustView()
	}
	start, end := p.list.visible()
	if p.finding {
		end = min(end, start+max(p.height-1, 1))
	}
	var b strings.Builder
	for i := start; i < end; i++ {
		if i > start {
			b.WriteString("\n")
		}
		b.WriteString(p.renderLine(p.lines[i], i == p.list.cursor && p.list.selected()))
	}
	if p.finding {
		for n := end - start; n < p.height-1; n++ {
			b.WriteString("\n")
		}
		b.WriteString("\n" + truncate(p.findIn.View(), p.width))
	}
	return b.String()
}

func (p *repoPage) renderLine(l repoLine, selected bool) string {
	st := p.c.styles
	now := p.c.snap.now
	switch l.kind {
	case lineHeading:
		title := l.title
		switch {
		case title != "":
		case l.heading == keyrole.Delegation:
			title = "DELEGATIONS"
		default:
			title = strings.ToUpper(l.heading.String())
		}
		head := st.Heading.Render(pad(title, headingWidth))
		if l.role == nil {
			return truncate(head+gap()+st.Faint.Render(l.text), p.width)
		}
		if p.compact() {
			facts, expiry, u := roleFactsCompact(l.role, now)
			return truncate(st.Heading.Render(title)+" "+facts+" · "+urgencyStyle(st, u).Render(expiry), p.width)
		}
		facts, expiry, u := roleFacts(l.role, now, p.width-headingWidth-colGap)
		return truncate(head+gap()+facts+" · "+urgencyStyle(st, u).Render(expiry), p.width)
	case lineRole:
		if p.compact() {
			facts, expiry, u := roleFactsCompact(l.role, now)
			name := middleTruncate(l.role.Name, max(p.width-2-len(facts)-len(expiry)-4, 8))
			return truncate(" "+st.SubHeading.Render(name)+" "+facts+" · "+urgencyStyle(st, u).Render(expiry), p.width)
		}
		facts, expiry, u := roleFacts(l.role, now, p.width-headingWidth-colGap)
		name := "  " + middleTruncate(l.role.Name, max(p.width/2, headingWidth-2))
		return truncate(st.SubHeading.Render(pad(name, headingWidth))+gap()+facts+" · "+urgencyStyle(st, u).Render(expiry), p.width)
	case lineNote:
		return st.Faint.Render(truncate(strings.Repeat(" ", indentWidth)+l.text, p.width))
	}
	return p.renderKey(l, selected)
}

// roleFacts is what a role heading says: threshold and version, and
// separately its expiry, which is coloured by urgency.
func roleFacts(ri *vault.RoleInfo, now time.Time, width int) (facts, expiry string, u urgency) {
	facts = fmt.Sprintf("threshold %d of %d", ri.Threshold, len(ri.Keys))
	if ri.Version > 0 {
		facts += fmt.Sprintf(" · v%d", ri.Version)
	}
	expiry, u = roleExpiry(*ri, now, width >= len(facts)+60)
	return facts, expiry, u
}

// compact is the layout for narrow terminals.
func (p *repoPage) compact() bool { return p.width < 64 }

// roleFactsCompact is roleFacts for narrow terminals: "1/1 · in 7y".
func roleFactsCompact(ri *vault.RoleInfo, now time.Time) (facts, expiry string, u urgency) {
	facts = fmt.Sprintf("%d/%d", ri.Threshold, len(ri.Keys))
	expiry, u = roleExpiry(*ri, now, false)
	expiry = strings.TrimPrefix(expiry, "expires ")
	expiry = strings.TrimSuffix(expiry, " (the server renews it)")
	expiry = strings.Replace(expiry, "no metadata file yet", "no metadata", 1)
	return facts, expiry, u
}

// renderKeyCompact is a key line for narrow terminals: ID, where, and
// whether its protection is weak.
func (p *repoPage) renderKeyCompact(l repoLine, selected bool) string {
	st := p.c.styles
	loc := map[vault.Location]string{
		vault.LocationFile: "here", vault.LocationToken: "token",
		vault.LocationServer: "server", vault.LocationMissing: "missing",
		vault.LocationDamaged: "damaged",
	}[l.ref.location]
	prot, style := "", st.OK
	switch f := l.file; {
	case f != nil && f.Err != nil:
		prot, style = "unreadable", st.Bad
	case f != nil && f.Encryption.Weak():
		prot, style = "weak", st.Warn
	case f != nil:
		prot = "ok"
	case l.ref.location == vault.LocationMissing:
		style = st.Bad
	}
	if l.ref.location == vault.LocationDamaged {
		style = st.Bad
	}
	marker := "  "
	if selected {
		marker = "▸ "
	}
	backup, bu := p.backupOf(l)
	sep := ""
	if backup != "" && prot != "" {
		sep = " · "
	}
	line := marker + pad(vault.ShortID(l.ref.id), idWidth) + " " + pad(loc, 7) + " " + prot + sep + backup
	if selected {
		return st.Selected.Render(fit(line, p.width))
	}
	return truncate(marker+pad(vault.ShortID(l.ref.id), idWidth)+" "+style.Render(pad(loc, 7))+" "+style.Render(prot)+
		sep+urgencyStyle(st, bu).Render(backup), p.width)
}

// backupOf is a key line's backup state in brief, when it has a readable
// file here and the backup records were read.
func (p *repoPage) backupOf(l repoLine) (string, urgency) {
	if l.file == nil || l.file.Err != nil {
		return "", urgencyNone
	}
	b, ok := p.c.snap.keyBackup(l.file.ID)
	if !ok {
		return "", urgencyNone
	}
	return backupBrief(b)
}

func (p *repoPage) renderKey(l repoLine, selected bool) string {
	if p.compact() {
		return p.renderKeyCompact(l, selected)
	}
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
	b.WriteString(strings.Repeat(" ", indentWidth-markerWidth))
	id := vault.ShortID(l.ref.id)
	if l.file != nil && l.file.Err != nil && l.ref.path != "" {
		id = truncate(filepath.Base(l.ref.path), 24)
	}
	b.WriteString(pad(id, idWidth))
	alg := algorithm(l.file, l.ref.keyType)
	b.WriteString(gap() + style(st.Faint, pad(alg, algWidth)))
	loc := locationText(l.ref.location)
	locStyle := st.OK
	switch l.ref.location {
	case vault.LocationMissing, vault.LocationDamaged:
		locStyle = st.Bad
	case vault.LocationServer:
		locStyle = st.Faint
	}
	b.WriteString(gap() + style(locStyle, pad(loc, locWidth)))
	var notes []string
	encStyle := st.OK
	if l.ref.token != nil {
		notes = append(notes, tokenPlace(l.ref.token, l.file != nil))
	}
	if l.file != nil && l.file.TokenCertificate != nil && l.file.Err == nil {
		notes = append(notes, "certificate on "+l.file.TokenCertificate.Name()+", key not shown there")
	}
	if f := l.file; f != nil {
		if f.Err != nil {
			notes = append(notes, "unreadable: "+f.Err.Error())
			encStyle = st.Bad
		} else {
			notes = append(notes, f.Encryption.Summary())
			if f.Encryption.Weak() {
				encStyle = st.Warn
			}
			if f.Layout != vault.LayoutFlat {
				notes = append(notes, f.Layout.String()+" layout")
			}
			if f.Mode.Perm()&0o077 != 0 {
				notes = append(notes, fmt.Sprintf("mode %04o", f.Mode.Perm()))
			}
		}
	}
	switch l.ref.location {
	case vault.LocationMissing:
		notes = append(notes, "named by metadata, found nowhere · import or rotate")
		encStyle = st.Bad
	case vault.LocationDamaged:
		notes = append(notes, "restore from a backup")
		encStyle = st.Bad
	}
	if l.extra && l.file != nil && l.file.Err == nil {
		if p.orphan {
			if l.file.GUN != "" {
				notes = append(notes, "gun "+visible(l.file.GUN))
			}
			if l.file.Kind() == keyrole.Delegation && l.file.Role != "" {
				notes = append(notes, "role "+l.file.Role)
			}
		} else {
			notes = append(notes, "not named by metadata")
		}
	}
	if n := len(p.c.snap.copies[l.ref.id]); n > 1 && l.ref.path == "" {
		notes = append(notes, fmt.Sprintf("%d files", n))
	}
	rest := style(encStyle, strings.Join(notes, " · "))
	// The backup state comes first, so that narrow lines keep it.
	if backup, u := p.backupOf(l); backup != "" {
		if len(notes) > 0 {
			rest = " · " + rest
		}
		rest = style(urgencyStyle(st, u), backup) + rest
	}
	used := indentWidth + idWidth + algWidth + locWidth + 3*colGap
	if w := p.width - used; w > 0 {
		b.WriteString(gap() + truncate(rest, w))
	}
	line := b.String()
	if selected {
		return st.Selected.Render(fit(line, p.width))
	}
	return truncate(line, p.width)
}

// scrollInfo says which lines are on screen, for the title line.
func (p *repoPage) scrollInfo() (first, last, total int) {
	if p.trust.showing {
		first, last = p.trust.list.visible()
		return first, last, p.trust.list.n
	}
	first, last = p.list.visible()
	return first, last, p.list.n
}
