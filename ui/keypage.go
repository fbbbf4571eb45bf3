package ui

import (
	"errors"
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
	form  *form // the export form, while it is open
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
	case errorMsg:
		if p.form == nil {
			return p, nil
		}
		name := ""
		if errors.Is(msg.err, vault.ErrWrongPassphrase) {
			name = fieldPass
		}
		return p, p.form.fail(name, passphraseError(msg.err))
	}
	if p.form != nil {
		return p, p.updateForm(msg)
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p, p.updateKey(msg)
	case tea.MouseWheelMsg:
		p.list.scrollWheel(msg)
	}
	return p, nil
}

// updateForm runs the export form; on submit the engine unlocks the key.
func (p *keyPage) updateForm(msg tea.Msg) tea.Cmd {
	res, cmd := p.form.Update(msg)
	switch res {
	case formCancelled:
		p.form.reset()
		p.form = nil
		return nil
	case formSubmitted:
		path := strings.TrimSpace(p.form.text(fieldPath))
		p.form.busy = true
		cmd := exportPublicCmd(p.c.store, p.file.ID, p.form.value(fieldPass), path)
		p.form.reset() // the passphrase went to the command
		return tea.Batch(cmd, p.c.spinner.Tick)
	}
	return cmd
}

// updateKey handles the page's keys when no form is open.
func (p *keyPage) updateKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, p.keys.Back):
		return send(backRequestedMsg{})
	case key.Matches(msg, p.keys.Passphrase):
		return openPage(newPasswdPage(p.c, *p.file))
	case key.Matches(msg, p.keys.Export):
		p.form = newExportForm(p.c.styles, p.file)
		return p.form.focusOn(0)
	case key.Matches(msg, p.keys.Guide):
		return fillGuideCmd(p.c.snap, p.ref.id, "")
	case key.Matches(msg, p.keys.Yubikey):
		return openPage(newMoveToTokenPage(p.c, p.file))
	case key.Matches(msg, p.keys.Backup):
		return openPage(newBackupPage(p.c))
	default:
		p.list.scrollKeys(p.keys.navKeys, msg, p.height)
	}
	return nil
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
			return exportFormView(p.c, p.form, p.width, false)
		}
		head := p.c.styles.SubHeading.Render(truncate("Key "+p.ref.id, p.width))
		return head + "\n" + exportFormView(p.c, p.form, p.width, true)
	}
	start, end := p.list.visible()
	return strings.Join(p.lines[start:end], "\n")
}

// labelWidth is the width of the key page's left column.
const labelWidth = 12

// factSheet lays out facts one a line: a label in the left column and a
// value wrapped to the width, so that nothing is cut, under headings.
type factSheet struct {
	st            Styles
	width, labelW int
	lines         []string
}

func newFactSheet(st Styles, width int) *factSheet {
	labelW := labelWidth
	if width < 50 {
		labelW = len("Encryption") + 1
	}
	return &factSheet{st: st, width: width, labelW: labelW}
}

// add writes a labelled value, styled when style is set.
func (fs *factSheet) add(label, value string, style func(string) string) {
	for i, l := range strings.Split(wrap(value, max(fs.width-fs.labelW-2, 16)), "\n") {
		lab := ""
		if i == 0 {
			lab = label
		}
		if style != nil {
			l = style(l)
		}
		fs.lines = append(fs.lines, "  "+fs.st.Label.Render(pad(lab, fs.labelW))+l)
	}
}

// heading starts a section, a blank line above all but the first.
func (fs *factSheet) heading(text string) {
	if len(fs.lines) > 0 {
		fs.lines = append(fs.lines, "")
	}
	fs.lines = append(fs.lines, fs.st.Heading.Render(text))
}

// line writes a line as it is, indented.
func (fs *factSheet) line(s string) { fs.lines = append(fs.lines, "  "+s) }

// keyFacts lays out everything known about a key, one fact per line:
// what the key is and where, how it is protected and backed up, who uses
// it, its health, then the file's details and the actions.
func keyFacts(c *common, ref keyRef, f *vault.Key, exported []byte, width int) []string {
	fs := newFactSheet(c.styles, width)
	s := c.snap
	readable := f != nil && f.Err == nil
	keyIdentityFacts(fs, s, ref, f)
	keyProtectionFacts(fs, f)
	if b, ok := s.backups[ref.id]; readable && (ok || s.backupsErr != nil) {
		fs.heading("BACKUP")
		if s.backupsErr != nil {
			fs.add("State", "unknown: the backup records could not be read: "+s.backupsErr.Error(), fs.st.Warn.Render)
		} else {
			backupFacts(fs.st, b, fs.add)
		}
	}
	keyUseFacts(fs, s, ref.id)
	if found := s.health.forKey(ref.id); len(found) > 0 {
		fs.heading("HEALTH")
		for _, h := range found {
			mark, u := severityMark(h.Severity)
			fs.add(urgencyStyle(fs.st, u).Render(mark+" "+h.Severity.String()), h.Message, nil)
			fs.add("", "fix: "+h.Fix, fs.st.Faint.Render)
		}
	}
	keyFileFacts(fs, s, f)
	keyActionLines(fs, s, f)
	if len(exported) > 0 {
		fs.heading("PUBLIC KEY")
		for _, l := range strings.Split(strings.TrimRight(string(exported), "\n"), "\n") {
			fs.line(l)
		}
	}
	for i, l := range fs.lines {
		fs.lines[i] = truncate(l, width)
	}
	return fs.lines
}

// keyIdentityFacts is the KEY section: the IDs, the role and GUN, where
// the key is, its algorithm and, for an unreadable file, why.
func keyIdentityFacts(fs *factSheet, s *snapshot, ref keyRef, f *vault.Key) {
	st := fs.st
	readable := f != nil && f.Err == nil
	fs.heading("KEY")
	fs.add("ID", ref.id, nil)
	if ref.tufID != "" && ref.tufID != ref.id {
		fs.add("TUF ID", ref.tufID+" (its certificate's ID, as this repository's root.json names it)", st.Faint.Render)
	}
	role, gun := "", ""
	if f != nil {
		role, gun = f.Role, f.GUN
	}
	if role == "" {
		role = strings.Join(usedRoles(s.uses[ref.id]), ", ")
	}
	if role != "" {
		fs.add("Role", role+" ("+keyrole.KindOf(role).String()+" key)", nil)
	}
	switch {
	case gun != "":
		fs.add("GUN", gun, nil)
	case readable:
		fs.add("GUN", "none: "+keyrole.KindOf(role).String()+" keys serve every repository whose metadata names them", st.Faint.Render)
	}
	keyLocationFact(fs, ref, readable)
	keyType := ref.keyType
	if keyType == "" {
		keyType = s.keyTypes[ref.id]
	}
	switch {
	case readable && f.Algorithm != "":
		fs.add("Algorithm", f.Algorithm, nil)
	case keyType != "":
		fs.add("Algorithm", algorithm(nil, keyType)+" (metadata says "+keyType+")", nil)
	case readable:
		fs.add("Algorithm", "shown once the key is unlocked", st.Faint.Render)
	}
	if f != nil && f.Err != nil {
		fs.add("Error", f.Err.Error(), st.Bad.Render)
	}
}

// keyLocationFact says where the key is: a token, the server, a file,
// or nowhere to be found.
func keyLocationFact(fs *factSheet, ref keyRef, readable bool) {
	st := fs.st
	loc := locationText(ref.location)
	switch ref.location {
	case vault.LocationToken:
		fs.add("Location", tokenLocationText(ref.token, readable), st.OK.Render)
	case vault.LocationServer:
		fs.add("Location", loc+": the notary server holds it; it is not in this trust directory", st.Faint.Render)
	case vault.LocationMissing:
		fs.add("Location", loc+": metadata names it, but it is not in this trust directory nor on a token", st.Bad.Render)
	default:
		fs.add("Location", loc, st.OK.Render)
	}
}

// keyProtectionFacts is the PROTECTION section: the encryption of a
// readable file and the file's mode.
func keyProtectionFacts(fs *factSheet, f *vault.Key) {
	st := fs.st
	readable := f != nil && f.Err == nil
	if readable {
		fs.heading("PROTECTION")
		enc := f.Encryption.Summary()
		if f.Encryption.Scheme == vault.SchemePBES2 && f.Encryption.Cipher != "" {
			enc += ", " + f.Encryption.Cipher
		}
		if f.Encryption.Weak() {
			fs.add("Encryption", enc, st.Warn.Render)
			fs.add("", weakAdvice(f.Encryption), st.Faint.Render)
		} else {
			fs.add("Encryption", enc, st.OK.Render)
		}
	}
	if f == nil || f.Mode == 0 {
		return
	}
	if !readable {
		fs.heading("PROTECTION")
	}
	mode := fmt.Sprintf("%s (%04o)", f.Mode.Perm(), f.Mode.Perm())
	if f.Mode.Perm()&0o077 != 0 {
		fs.add("Mode", mode+": others may read it; notary writes 0600", st.Warn.Render)
	} else {
		fs.add("Mode", mode, nil)
	}
}

// keyUseFacts is the USED BY section: each repository and role whose
// metadata names the key, with the role's expiry.
func keyUseFacts(fs *factSheet, s *snapshot, id string) {
	st := fs.st
	fs.heading("USED BY")
	uses := s.uses[id]
	if len(uses) == 0 {
		fs.line(st.Faint.Render(truncate("No repository's metadata names this key.", fs.width-2)))
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
		fs.line(truncate(u.gun+" · "+u.role+exp, fs.width-2))
	}
}

// keyFileFacts is the FILE section: where the file is, its layout, size,
// time and other copies.
func keyFileFacts(fs *factSheet, s *snapshot, f *vault.Key) {
	if f == nil {
		return
	}
	fs.heading("FILE")
	fs.add("Path", f.Path, nil)
	fs.add("Layout", layoutText(f.Layout), nil)
	if f.Size > 0 {
		fs.add("Size", plural(int(f.Size), "byte", "bytes"), nil)
	}
	if !f.ModTime.IsZero() {
		fs.add("Modified", f.ModTime.UTC().Format("2006-01-02 15:04 UTC"), nil)
	}
	for _, other := range s.copies[f.ID] {
		if other != f {
			fs.add("Also at", other.Path, fs.st.Faint.Render)
		}
	}
}

// keyActionLines is the ACTIONS section: the keys that act on this key.
func keyActionLines(fs *factSheet, s *snapshot, f *vault.Key) {
	st := fs.st
	fs.heading("ACTIONS")
	action := func(k, text string) { fs.line(st.Present.Render(pad(k, 4)) + text) }
	if f != nil && f.Err == nil {
		action("p", "change the passphrase (re-encrypts the file in place)")
		action("e", "export the public key (to a file, or shown here)")
		action("b", "back up the trust directory to two drives, each copy read back and verified")
		if canMoveToToken(s, f) {
			action("y", "move it to a Yubikey (the file stays as its backup)")
		}
	} else {
		fs.line(st.Faint.Render("None: the private key is not readable in this trust directory."))
	}
	action("L", "what to do if this key is lost: the lost-key guide")
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
