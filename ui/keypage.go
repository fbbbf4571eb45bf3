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
	"github.com/trustvault/trustvault/vault/token"
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
	// Cosign exports the key to cosign (migrate_export.go).
	Cosign key.Binding
}

func defaultKeyPageKeys() keyPageKeys {
	k := keyPageKeys{
		navKeys:    defaultNavKeys(),
		Passphrase: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "change passphrase")),
		Export:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export public key")),
		Guide:      guideBinding(),
		Yubikey:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "move to Yubikey")),
		Backup:     key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "back up to two drives")),
		Cosign:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "export to cosign")),
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
	// onToken is what the token says about the key, when a token names
	// it: the token is its location only when it shows the key itself
	// (Proven) or there is no readable file; else the file stays the
	// location and the certificate is only noted.
	onToken *token.Key
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
	if p.file != nil && p.file.Err != nil && p.ref.location != vault.LocationToken {
		p.ref.location = vault.LocationDamaged
	}
	if p.file != nil && p.file.Err == nil {
		p.ref.location = p.file.Location
	}
	readable := p.file != nil && p.file.Err == nil
	p.onToken = s.tokens.keyOn(p.ref.id)
	if tk := p.onToken; tk != nil && (tk.Proven || !readable) {
		// The token wins when it shows the key, or when it is the only
		// place the key may be.
		p.ref.location, p.ref.token = vault.LocationToken, &tk.Token
	}
	p.setActions(s)
	p.layout()
	return true
}

// setActions enables the actions that can run now; those that cannot are
// shown disabled with the reason (unavailable).
func (p *keyPage) setActions(s *snapshot) {
	readable := p.file != nil && p.file.Err == nil
	p.keys.Yubikey.SetEnabled(canMoveToToken(s, p.file))
	p.keys.Passphrase.SetEnabled(readable)
	p.keys.Export.SetEnabled(readable)
	p.keys.Backup.SetEnabled(readable)
	p.keys.Cosign.SetEnabled(readable)
}

// unavailable lists the key page's actions that cannot run now, each with
// the reason and what to do about it.
func (p *keyPage) unavailable() []disabledAction {
	var out []disabledAction
	readable := p.file != nil && p.file.Err == nil
	why := "the private key is not readable in this trust directory"
	switch {
	case p.file != nil && p.file.Err != nil:
		why = "its file is damaged: restore it from a backup (R on the repositories page)"
	case p.file == nil && p.ref.location == vault.LocationToken:
		why = "the key is on a token, not in a file here"
	case p.file == nil:
		why = "its file is not in this trust directory: import a copy (trustvault import FILE)"
	}
	if !readable {
		out = append(out, disabledAction{p.keys.Passphrase, why}, disabledAction{p.keys.Export, why}, disabledAction{p.keys.Backup, why},
			disabledAction{p.keys.Cosign, why})
	}
	if !p.keys.Yubikey.Enabled() {
		if r := moveToTokenBlocker(p.c.snap, p.file); r != "" {
			out = append(out, disabledAction{p.keys.Yubikey, r})
		}
	}
	return out
}

// layout renders the facts for the current width.
func (p *keyPage) layout() {
	p.lines = keyFacts(p.c, p.ref, p.file, p.exported, p.width)
	p.list.setLen(len(p.lines))
	p.list.setHeight(p.height)
	p.list.enableMoves(&p.keys.navKeys)
}

func (p *keyPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case publicKeyExportedMsg:
		p.form.reset() // nothing typed stays once it is done
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
		// What was typed stays where it is safe: a wrong passphrase is
		// emptied, but a path that could not be written keeps the
		// passphrase, so that fixing the path is one edit.
		name := fieldPath
		if errors.Is(msg.err, vault.ErrWrongPassphrase) {
			name = fieldPass
			p.form.reset(fieldPass)
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
		return fillGuideCmd(p.c.snap, p.ref.id, p.ref.gun)
	case key.Matches(msg, p.keys.Yubikey):
		return openPage(newMoveToTokenPage(p.c, p.file))
	case key.Matches(msg, p.keys.Backup):
		return openPage(newBackupPage(p.c))
	case key.Matches(msg, p.keys.Cosign):
		return openPage(newCosignExportPage(p.c, *p.file))
	default:
		if !p.list.scrollKeys(p.keys.navKeys, msg, p.height) {
			return explainDisabled(p.unavailable(), msg)
		}
	}
	return nil
}

func (p *keyPage) ShortHelp() []key.Binding {
	if p.form != nil {
		return p.form.help()
	}
	return []key.Binding{p.keys.Passphrase, p.keys.Export, p.keys.Yubikey, p.keys.Guide, p.keys.Backup, p.keys.Cosign, p.keys.Down, p.keys.Back}
}

func (p *keyPage) FullHelp() [][]key.Binding {
	if p.form != nil {
		return [][]key.Binding{p.form.help()}
	}
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown, p.keys.Top, p.keys.Bottom},
		{p.keys.Passphrase, p.keys.Export, p.keys.Backup, p.keys.Yubikey, p.keys.Guide, p.keys.Cosign, p.keys.Back},
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
	for i, l := range strings.Split(wrap(visible(value), max(fs.width-fs.labelW-2, 16)), "\n") {
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

// keyTokenFacts is the TOKEN section: a certificate on a token that does
// not show the key (the file stays the location), and a root key generated
// on a token, which has no backup and cannot have one.
func keyTokenFacts(fs *factSheet, s *snapshot, ref keyRef, f *vault.Key) {
	st := fs.st
	tk := s.tokens.keyOn(ref.id)
	readable := f != nil && f.Err == nil
	var cert *vault.TokenRef
	switch {
	case tk != nil && !tk.Proven && readable:
		cert = &tk.Token
	case f != nil && f.TokenCertificate != nil:
		cert = f.TokenCertificate
	}
	if cert != nil {
		fs.heading("TOKEN")
		fs.add("Certificate", "on "+cert.String()+", but "+vault.UnprovenTokenKey+
			"; the key file stays the key's location until the token shows the key", st.Warn.Render)
	}
	if tk != nil && tk.Generated && keyrole.KindOf(tk.Role) == keyrole.Root && !readable {
		fs.heading("BACKUP")
		fs.add("✗ problem", "none, and none can be made: the key was generated on "+tk.Token.String()+" and cannot leave it; "+
			"losing the token loses the root of every repository it signs", st.Bad.Render)
		fs.add("Way out", "generate a root key as a file, back it up (b), move it to a Yubikey (y) and rotate each repository's root to it (notary key rotate GUN root); "+
			"the key is then on the token and its encrypted file is its backup, as notary does it", st.Faint.Render)
	}
}

// heading starts a section, a blank line above all but the first.
func (fs *factSheet) heading(text string) {
	if len(fs.lines) > 0 {
		fs.lines = append(fs.lines, "")
	}
	fs.lines = append(fs.lines, fs.st.Heading.Render(text))
}

// line writes a line, indented, wrapped to the width with a hanging
// indent: nothing it says is cut off.
func (fs *factSheet) line(s string) {
	for i, l := range strings.Split(wrap(s, max(fs.width-4, 16)), "\n") {
		if i > 0 {
			l = "  " + l
		}
		fs.lines = append(fs.lines, "  "+l)
	}
}

// raw writes a line as it is, indented (a PEM block, which must stay
// copyable), cut at the width.
func (fs *factSheet) raw(s string) { fs.lines = append(fs.lines, truncate("  "+s, fs.width)) }

// keyFacts lays out everything known about a key, one fact per line:
// what the key is and where, how it is protected and backed up, who uses
// it, its health, then the file's details and the actions.
func keyFacts(c *common, ref keyRef, f *vault.Key, exported []byte, width int) []string {
	fs := newFactSheet(c.styles, width)
	s := c.snap
	readable := f != nil && f.Err == nil
	keyIdentityFacts(fs, s, ref, f)
	keyTokenFacts(fs, s, ref, f)
	keyProtectionFacts(fs, f)
	if b, ok := s.keyBackup(ref.id); readable && (ok || s.backupsErr != nil) {
		fs.heading("BACKUP")
		if s.backupsErr != nil {
			fs.add("State", "unknown: the backup records could not be read: "+s.backupsErr.Error(), fs.st.Warn.Render)
		} else {
			backupFacts(fs.st, b, fs.add)
		}
	}
	keyUseFacts(fs, s, ref)
	if !s.counts.checked {
		fs.heading("HEALTH")
		fs.add("", "being checked…", fs.st.Faint.Render)
	}
	if found := s.health.forKey(ref.id); len(found) > 0 {
		fs.heading("HEALTH")
		for _, h := range found {
			mark, u := severityMark(h.Severity)
			fs.add(urgencyStyle(fs.st, u).Render(mark+" "+h.Severity.String()), h.Text(), nil)
			fs.add("", "fix: "+h.Fix, fs.st.Faint.Render)
		}
	}
	keyFileFacts(fs, s, f)
	keyActionLines(fs, s, f, ref)
	if len(exported) > 0 {
		fs.heading("PUBLIC KEY")
		for _, l := range strings.Split(strings.TrimRight(string(exported), "\n"), "\n") {
			fs.raw(l)
		}
	}
	for i, l := range fs.lines {
		// Lines are wrapped to the width; only a terminal narrower than
		// the narrowest wrap (16 cells of value) cuts them.
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
	if role == "" && ref.role != "" {
		role = ref.role
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
	case ref.gun != "":
		fs.add("GUN", ref.gun+" (opened from it; the key itself is not tied to one repository)", nil)
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
		fs.add("Location", keyStateFix(ref.location, nil), st.Bad.Render)
	case vault.LocationDamaged:
		fs.add("Location", "damaged: its file is here but cannot be read; restore the file from a backup (R on the repositories page), or, if no backup has it, follow the lost-key guide (L)", st.Bad.Render)
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
func keyUseFacts(fs *factSheet, s *snapshot, ref keyRef) {
	st := fs.st
	fs.heading("USED BY")
	// The repository the key was opened from comes first and is marked.
	uses := slices.Clone(s.uses[ref.id])
	slices.SortStableFunc(uses, func(a, b keyUse) int {
		return boolRank(b.gun == ref.gun && ref.gun != "") - boolRank(a.gun == ref.gun && ref.gun != "")
	})
	if len(uses) == 0 {
		fs.add("", "No repository's metadata names this key.", st.Faint.Render)
	}
	for _, u := range uses {
		exp := ""
		if r := s.row(u.gun, false); r != nil && r.repo != nil {
			if ri, ok := r.repo.Role(u.role); ok {
				if text, urg := roleExpiry(ri, s.now, false); text != "" {
					exp = " · " + urgencyStyle(st, urg).Render(text)
				}
			}
		}
		here := ""
		if ref.gun != "" && u.gun == ref.gun {
			here = st.Faint.Render(" ◂ opened from here")
		}
		fs.line(u.gun + " · " + u.role + exp + here)
	}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
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

// keyActionLines is the ACTIONS section: the keys that act on this key,
// and those that cannot now, faint, with the reason.
func keyActionLines(fs *factSheet, s *snapshot, f *vault.Key, ref keyRef) {
	st := fs.st
	fs.heading("ACTIONS")
	action := func(k, text string) { fs.add(st.Present.Render(k), text, nil) }
	off := func(k, text, why string) {
		fs.add(st.Faint.Render(k), text+" — not now: "+why, st.Faint.Render)
	}
	if f != nil && f.Err == nil {
		action("p", "change the passphrase (re-encrypts the file in place)")
		action("e", "export the public key (to a file, or shown here)")
		action("b", "back up the trust directory to two drives, each copy read back and verified")
		action("m", "export it to cosign: cosign.key (encrypted, cosign's format) and cosign.pub; Notation: the command line")
		if canMoveToToken(s, f) {
			action("y", "move it to a Yubikey (the file stays as its backup)")
		} else if why := moveToTokenBlocker(s, f); why != "" {
			off("y", "move it to a Yubikey", why)
		}
	} else {
		fs.add("", "None that change the key: the private key is not readable in this trust directory.", st.Faint.Render)
	}
	guide := "what to do if this key is lost: the lost-key guide"
	if ref.gun != "" {
		guide += " for " + ref.gun
	}
	action("L", guide)
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
