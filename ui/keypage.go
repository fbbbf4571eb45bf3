package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// keyPageKeys are the key page's keys: scrolling, back, and the actions.
type keyPageKeys struct {
	navKeys
	Passphrase key.Binding
	Export     key.Binding
	Guide      key.Binding
	// Yubikey moves a root key file onto a Yubikey (hardware.go).
	Yubikey key.Binding
	// Backup opens the guided backup (backup.go), as on the
	// repositories page.
	Backup key.Binding
}

func defaultKeyPageKeys() keyPageKeys {
	k := keyPageKeys{
		navKeys:    defaultNavKeys(),
		Passphrase: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "change passphrase")),
		Export:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export public key")),
		Guide:      guideBinding(),
		Yubikey:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "move to Yubikey")),
		Backup:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "back up to two drives")),
	}
	k.Open.SetEnabled(false)
	return k
}

// keyPage shows every fact about one key and the actions on it.
type keyPage struct {
	c             *common
	keys          keyPageKeys
	width, height int

	ref  keyRef
	file *vault.Key // nil when the private key is not in this directory
	// lines are the facts, laid out for the width; list scrolls them.
	lines []string
	list  listView
	form  *keyForm
	// exported is the public key last shown on the page.
	exported []byte
}

var _ page = (*keyPage)(nil)

func newKeyPage(c *common, ref keyRef) *keyPage {
	p := &keyPage{c: c, keys: defaultKeyPageKeys(), ref: ref}
	p.Refresh(c.snap)
	return p
}

func (p *keyPage) Title() string {
	if p.ref.path != "" && p.file != nil && p.file.Err != nil {
		return "unreadable file"
	}
	return "key " + vault.ShortID(p.ref.id)
}

func (p *keyPage) Capturing() bool { return p.form != nil }
func (p *keyPage) Busy() bool      { return p.form != nil && p.form.busy }

func (p *keyPage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

// Refresh finds the key again in a new snapshot.
func (p *keyPage) Refresh(s *snapshot) bool {
	switch {
	case p.ref.path != "":
		p.file = s.keyByPath(p.ref.path)
	default:
		p.file = s.files[p.ref.id]
	}
	if p.file == nil && p.ref.location == vault.LocationFile && len(s.uses[p.ref.id]) == 0 {
		return false
	}
	if p.file == nil && p.ref.location == vault.LocationFile {
		p.ref.location = vault.LocationMissing
	}
	if p.file != nil && p.file.Err == nil {
		p.ref.location = p.file.Location
	}
	if tk := s.tokens.keyOn(p.ref.id); tk != nil { // the token wins
		p.ref.location, p.ref.token = vault.LocationToken, &tk.Token
	}
	p.keys.Yubikey.SetEnabled(canMoveToToken(s, p.file))
	actionable := p.file != nil && p.file.Err == nil
	p.keys.Passphrase.SetEnabled(actionable)
	p.keys.Export.SetEnabled(actionable)
	p.keys.Backup.SetEnabled(actionable)
	p.layout()
	return true
}

// layout renders the facts for the current width.
func (p *keyPage) layout() {
	p.lines = keyFacts(p.c, p.ref, p.file, p.exported, p.width)
	p.list.setLen(len(p.lines))
	p.list.setHeight(p.height)
}

func (p *keyPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case passphraseChangedMsg:
		p.form = nil
		text := fmt.Sprintf("Passphrase changed: key %s is now protected by %s.", msg.key.ShortID(), msg.key.Encryption.Summary())
		return p, tea.Batch(send(noticeMsg{text: text}), send(reloadRequestedMsg{}))
	case passphraseChangeFailedMsg:
		if p.form != nil {
			return p, p.form.failed(msg.err)
		}
		return p, send(errMsg{err: msg.err})
	case publicKeyExportedMsg:
		p.form = nil
		if msg.path != "" {
			return p, send(noticeMsg{text: "Public key written to " + msg.path})
		}
		p.exported = msg.pem
		p.layout()
		p.list.bottom()
		p.list.offset = max(p.list.n-p.list.height, 0)
		return p, nil
	case publicKeyExportFailedMsg:
		if p.form != nil {
			return p, p.form.failed(msg.err)
		}
		return p, send(errMsg{err: msg.err})
	}
	if p.form != nil {
		res, cmd := p.form.Update(msg, p.c.store, p.file.ID)
		if res.cancel {
			p.form = nil
			return p, nil
		}
		if res.cmd != nil {
			return p, tea.Batch(res.cmd, p.c.spinner.Tick)
		}
		return p, cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.keys.Back):
			return p, send(backRequestedMsg{})
		case key.Matches(msg, p.keys.Passphrase):
			np, cmd := newPasswdPage(p.c, *p.file)
			return p, openPage(np, cmd)
		case key.Matches(msg, p.keys.Export):
			p.form = newExportForm(p.c.styles, p.file)
			return p, p.form.focusOn(0)
		case key.Matches(msg, p.keys.Guide):
			return p, fillGuideCmd(p.c.snap, p.ref.id, "")
		case key.Matches(msg, p.keys.Yubikey):
			return p, openPage(newMoveToTokenPage(p.c, p.file))
		case key.Matches(msg, p.keys.Backup):
			np, cmd := newBackupPage(p.c)
			return p, openPage(np, cmd)
		default:
			p.list.scrollKeys(p.keys.navKeys, msg, p.height)
		}
	case tea.MouseWheelMsg:
		p.list.scrollWheel(msg)
	}
	return p, nil
}

func (p *keyPage) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.help()
	}
	return []key.Binding{p.keys.Passphrase, p.keys.Export, p.keys.Yubikey, p.keys.Guide, p.keys.Backup, p.keys.Down, p.keys.Back}
}

func (p *keyPage) FullHelp() [][]key.Binding {
	if p.form != nil {
		return [][]key.Binding{p.form.help()}
	}
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Passphrase, p.keys.Export, p.keys.Backup, p.keys.Yubikey, p.keys.Guide, p.keys.Back},
	}
}

func (p *keyPage) View() string {
	if p.form != nil {
		if p.height < formRoomy {
			return p.form.View(p.c, p.width, false)
		}
		head := p.c.styles.SubHeading.Render(truncate("Key "+p.ref.id, p.width))
		return head + "\n" + p.form.View(p.c, p.width, true)
	}
	start, end := p.list.visible()
	return strings.Join(p.lines[start:end], "\n")
}

// labelWidth is the width of the key page's left column.
const labelWidth = 12

// keyFacts lays out everything known about a key, one fact per line,
// values wrapped to the width so that nothing is cut: what the key is and
// where, how it is protected, who uses it, then the file's details.
func keyFacts(c *common, ref keyRef, f *vault.Key, exported []byte, width int) []string {
	st := c.styles
	s := c.snap
	var lines []string
	labelW := labelWidth
	if width < 50 {
		labelW = len("Encryption") + 1
	}
	valueW := max(width-labelW-2, 16)
	add := func(label, value string, style func(string) string) {
		for i, l := range strings.Split(wrap(value, valueW), "\n") {
			lab := ""
			if i == 0 {
				lab = label
			}
			if style != nil {
				l = style(l)
			}
			lines = append(lines, "  "+st.Label.Render(pad(lab, labelW))+l)
		}
	}
	heading := func(text string) {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, st.Heading.Render(text))
	}
	readable := f != nil && f.Err == nil

	heading("KEY")
	add("ID", ref.id, nil)
	if ref.tufID != "" && ref.tufID != ref.id {
		add("TUF ID", ref.tufID+" (its certificate's ID, as this repository's root.json names it)", st.Faint.Render)
	}
	role, gun := "", ""
	if f != nil {
		role, gun = f.Role, f.GUN
	}
	if role == "" {
		role = strings.Join(usedRoles(s.uses[ref.id]), ", ")
	}
	if role != "" {
		add("Role", role+" ("+keyrole.KindOf(role).String()+" key)", nil)
	}
	switch {
	case gun != "":
		add("GUN", gun, nil)
	case readable:
		add("GUN", "none: "+keyrole.KindOf(role).String()+" keys serve every repository whose metadata names them", st.Faint.Render)
	}
	loc := locationText(ref.location)
	switch ref.location {
	case vault.LocationToken:
		add("Location", tokenLocationText(ref.token, f != nil && f.Err == nil), st.OK.Render)
	case vault.LocationServer:
		add("Location", loc+": the notary server holds it; it is not in this trust directory", st.Faint.Render)
	case vault.LocationMissing:
		add("Location", loc+": metadata names it, but it is not in this trust directory nor on a token", st.Bad.Render)
	default:
		add("Location", loc, st.OK.Render)
	}
	keyType := ref.keyType
	if keyType == "" {
		keyType = s.keyTypes[ref.id]
	}
	switch {
	case readable && f.Algorithm != "":
		add("Algorithm", f.Algorithm, nil)
	case keyType != "":
		add("Algorithm", algorithm(nil, keyType)+" (metadata says "+keyType+")", nil)
	case readable:
		add("Algorithm", "shown once the key is unlocked", st.Faint.Render)
	}
	if f != nil && f.Err != nil {
		add("Error", f.Err.Error(), st.Bad.Render)
	}

	if readable {
		heading("PROTECTION")
		enc := f.Encryption.Summary()
		if f.Encryption.Scheme == vault.SchemePBES2 && f.Encryption.Cipher != "" {
			enc += ", " + f.Encryption.Cipher
		}
		if f.Encryption.Weak() {
			add("Encryption", enc, st.Warn.Render)
			add("", weakAdvice(f.Encryption), st.Faint.Render)
		} else {
			add("Encryption", enc, st.OK.Render)
		}
	}
	if f != nil && f.Mode != 0 {
		if !readable {
			heading("PROTECTION")
		}
		mode := fmt.Sprintf("%s (%04o)", f.Mode.Perm(), f.Mode.Perm())
		if f.Mode.Perm()&0o077 != 0 {
			add("Mode", mode+": others may read it; notary writes 0600", st.Warn.Render)
		} else {
			add("Mode", mode, nil)
		}
	}

	if b, ok := s.backups[ref.id]; readable && (ok || s.backupsErr != nil) {
		heading("BACKUP")
		if s.backupsErr != nil {
			add("State", "unknown: the backup records could not be read: "+s.backupsErr.Error(), st.Warn.Render)
		} else {
			backupFacts(st, b, add)
		}
	}

	heading("USED BY")
	uses := s.uses[ref.id]
	if len(uses) == 0 {
		lines = append(lines, "  "+st.Faint.Render(truncate("No repository's metadata names this key.", width-2)))
	}
	for _, u := range uses {
		exp := ""
		if r := s.row(u.gun, false); r != nil && r.repo != nil {
			if ri, ok := r.repo.Role(u.role); ok {
				text, urg := expiryIn(ri.Expires, s.now)
				if text != "" {
					exp = " · " + urgencyStyle(st, urg).Render("expires "+text)
				}
			}
		}
		lines = append(lines, "  "+truncate(u.gun+" · "+u.role+exp, width-2))
	}

	if fs := s.health.forKey(ref.id); len(fs) > 0 {
		heading("HEALTH")
		for _, f := range fs {
			mark, u := severityMark(f.Severity)
			add(urgencyStyle(st, u).Render(mark+" "+f.Severity.String()), f.Message, nil)
			add("", "fix: "+f.Fix, st.Faint.Render)
		}
	}

	if f != nil {
		heading("FILE")
		add("Path", f.Path, nil)
		add("Layout", layoutText(f.Layout), nil)
		if f.Size > 0 {
			add("Size", plural(int(f.Size), "byte", "bytes"), nil)
		}
		if !f.ModTime.IsZero() {
			add("Modified", f.ModTime.UTC().Format("2006-01-02 15:04 UTC"), nil)
		}
		for _, other := range s.copies[f.ID] {
			if other != f {
				add("Also at", other.Path, st.Faint.Render)
			}
		}
	}

	heading("ACTIONS")
	if readable {
		lines = append(lines,
			"  "+st.Present.Render(pad("p", 4))+"change the passphrase (re-encrypts the file in place)",
			"  "+st.Present.Render(pad("e", 4))+"export the public key (to a file, or shown here)",
			"  "+st.Present.Render(pad("b", 4))+"back up the trust directory to two drives, each copy read back and verified")
		if canMoveToToken(s, f) {
			lines = append(lines, "  "+st.Present.Render(pad("y", 4))+"move it to a Yubikey (the file stays as its backup)")
		}
	} else {
		lines = append(lines, "  "+st.Faint.Render("None: the private key is not readable in this trust directory."))
	}
	lines = append(lines, "  "+st.Present.Render(pad("L", 4))+"what to do if this key is lost: the lost-key guide")
	if len(exported) > 0 {
		heading("PUBLIC KEY")
		for _, l := range strings.Split(strings.TrimRight(string(exported), "\n"), "\n") {
			lines = append(lines, "  "+l)
		}
	}
	for i, l := range lines {
		lines[i] = truncate(l, width)
	}
	return lines
}

// backupFacts is the key page's BACKUP section: the state, then each
// drive with a verified copy and when it was verified.
func backupFacts(st Styles, b health.KeyBackup, add func(label, value string, style func(string) string)) {
	_, u := backupBrief(b)
	var state string
	switch b.State {
	case health.BackupTwo:
		state = fmt.Sprintf("two verified: copies of this version on %d drives", b.Drives())
	case health.BackupOne:
		state = "one verified: one drive holds a copy of this version; press b to make a second on another drive"
	case health.BackupOlder:
		state = "older than the key: the file changed after its backups (a new passphrase?); press b to back up again"
	default:
		state = "none: no verified copy anywhere; press b to back up to two drives"
	}
	add("State", state, urgencyStyle(st, u).Render)
	for i, c := range b.Copies {
		where := c.Where
		if where == "" {
			where = c.Drive
		}
		text := where + " · verified " + c.VerifiedAt.UTC().Format("2006-01-02 15:04 UTC")
		style := st.OK.Render
		if !b.Current[i] {
			text += " · an older version of the key"
			style = st.Faint.Render
		}
		add("Drive", text, style)
	}
}

func usedRoles(uses []keyUse) []string {
	var roles []string
	for _, u := range uses {
		if !slices.Contains(roles, u.role) {
			roles = append(roles, u.role)
		}
	}
	return roles
}

func layoutText(l vault.Layout) string {
	switch l {
	case vault.LayoutFlat:
		return "flat (private/<id>.key, notary 0.4 and later, docker)"
	case vault.LayoutLegacyRoot:
		return "legacy private/root_keys/ (notary before 0.4), read in place"
	case vault.LayoutLegacyTUF:
		return "legacy private/tuf_keys/<gun>/ (notary before 0.4), read in place"
	default:
		return "stray: notary lists it but cannot load it; move it to private/<id>.key"
	}
}

func weakAdvice(e vault.Encryption) string {
	switch e.Scheme {
	case vault.SchemeLegacyPEM:
		return "legacy PEM encryption derives the key with one round of MD5; press p to re-encrypt with PBES2"
	case vault.SchemeNone:
		return "anyone who can read the file has the key; press p to encrypt it"
	default:
		n := thousands(e.Iterations) + " PBKDF2 iterations"
		if e.Iterations == vault.CompatIterations {
			n = "notary's " + n
		}
		return fmt.Sprintf("%s; press p to re-encrypt with %s", n, thousands(vault.HardenedIterations))
	}
}

// scrollInfo says which lines are on screen, for the title line.
func (p *keyPage) scrollInfo() (first, last, total int) {
	if p.form != nil {
		return 0, 0, 0
	}
	first, last = p.list.visible()
	return first, last, p.list.n
}
