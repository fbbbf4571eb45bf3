package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/passphrase"
)

// hardenPage re-encrypts every weakly protected key (notary's 2048
// iterations, legacy PEM encryption, none) with the hardened setting, one
// key at a time: the passphrase that opened the previous key of the same
// role (then kind) is tried first, so keys sharing a passphrase are asked
// for once. Keys keep their passphrases unless the person asks for new ones;
// an unencrypted key always gets a new one, from the passphrase chooser.
// Nothing is skipped silently: the summary lists every key's outcome.
type hardenPage struct {
	c             *common
	keys          hardenKeys
	width, height int

	step     hardenStep
	plan     []vault.Key // the keys that need it, in order
	befores  []vault.Encryption
	already  int         // keys already hardened
	unusable []vault.Key // files that cannot be read
	newPass  bool        // give every key a new passphrase
	i        int         // the key being worked on
	results  []hardenOutcome
	// worked maps "role:<role>" and "kind:<kind>" to the passphrase that
	// last opened such a key; zeroed when the page closes.
	worked map[string][]byte
	// trying is the passphrase being tried on plan[i] (cached or typed);
	// fromCache marks a cached one, whose failure is no error.
	trying    []byte
	fromCache bool
	input     textinput.Model
	ch        *passphraseChooser
	err       string
}

var _ page = (*hardenPage)(nil)

type hardenStep int

const (
	hardenLoading hardenStep = iota
	hardenIntro
	hardenAsk      // the current passphrase of plan[i]
	hardenChecking // trying a passphrase (unlock, or re-encrypt)
	hardenNew      // the chooser, for plan[i]'s new passphrase
	hardenDone
)

// hardenOutcome is one key's result.
type hardenOutcome struct {
	key    vault.Key
	before vault.Encryption
	status vault.HardenStatus
	note   string
}

type hardenKeys struct {
	Start, NewPass, Unlock, Skip, Back, Done key.Binding
}

func defaultHardenKeys() hardenKeys {
	return hardenKeys{
		Start:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		NewPass: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "keep / new passphrases")),
		Unlock:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "re-encrypt")),
		Skip:    key.NewBinding(key.WithKeys("ctrl+k"), key.WithHelp("ctrl+k", "skip this key")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")),
		Done:    key.NewBinding(key.WithKeys("enter", "esc", "q"), key.WithHelp("enter", "done")),
	}
}

// Messages of the harden flow.
type (
	hardenPlannedMsg struct {
		keys []vault.Key
		err  error
	}
	// keyUnlockedMsg says whether a passphrase opens plan[i] (before a new
	// passphrase is chosen).
	keyUnlockedMsg struct{ err error }
	// keyReencryptedMsg is plan[i] re-encrypted, or why not.
	keyReencryptedMsg struct {
		key  vault.Key
		err  error
		weak *passphrase.WeakError
	}
)

func newHardenPage(c *common) (*hardenPage, tea.Cmd) {
	p := &hardenPage{c: c, keys: defaultHardenKeys(), worked: map[string][]byte{}}
	p.input = newSecretInput(c.styles, "")
	return p, tea.Batch(hardenPlanCmd(c.store), c.spinner.Tick)
}

func hardenPlanCmd(store *vault.Store) tea.Cmd {
	return func() tea.Msg {
		keys, err := store.HardenPlan()
		return hardenPlannedMsg{keys: keys, err: err}
	}
}

func (p *hardenPage) Title() string { return "harden keys" }
func (p *hardenPage) Capturing() bool {
	return p.step == hardenAsk || (p.step == hardenNew && p.ch.capturing())
}
func (p *hardenPage) Busy() bool             { return p.step == hardenLoading || p.step == hardenChecking }
func (p *hardenPage) SetSize(w, h int)       { p.width, p.height = w, h }
func (p *hardenPage) Refresh(*snapshot) bool { return true }

func (p *hardenPage) ShortHelp() []key.Binding {
	switch p.step {
	case hardenIntro:
		return []key.Binding{p.keys.Start, p.keys.NewPass, p.keys.Back}
	case hardenAsk:
		return []key.Binding{p.keys.Unlock, p.keys.Skip, p.keys.Back}
	case hardenNew:
		return p.ch.help()
	case hardenDone:
		return []key.Binding{p.keys.Done}
	}
	return nil
}

func (p *hardenPage) FullHelp() [][]key.Binding {
	if p.step == hardenNew {
		return p.ch.fullHelp()
	}
	return [][]key.Binding{p.ShortHelp()}
}

func (p *hardenPage) current() vault.Key { return p.plan[p.i] }

// needsNew reports whether plan[i] gets a new passphrase.
func (p *hardenPage) needsNew() bool {
	return p.newPass || p.current().Encryption.Scheme == vault.SchemeNone
}

func (p *hardenPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case hardenPlannedMsg:
		return p, p.planned(msg)
	case keyUnlockedMsg:
		return p, p.unlocked(msg.err)
	case keyReencryptedMsg:
		return p, p.reencrypted(msg)
	}
	km, isKey := msg.(tea.KeyPressMsg)
	switch p.step {
	case hardenIntro:
		if isKey {
			switch {
			case key.Matches(km, p.keys.Back):
				return p, p.leave()
			case key.Matches(km, p.keys.NewPass):
				p.newPass = !p.newPass
			case key.Matches(km, p.keys.Start) && len(p.plan) > 0:
				p.i = 0
				return p, p.begin()
			}
		}
	case hardenAsk:
		if isKey {
			switch {
			case key.Matches(km, p.keys.Back):
				return p, p.stop()
			case key.Matches(km, p.keys.Skip):
				p.record(vault.HardenFailed, "skipped: no passphrase given")
				return p, p.next()
			case key.Matches(km, p.keys.Unlock):
				if p.input.Value() == "" {
					return p, nil
				}
				pass := []byte(p.input.Value())
				p.input.Reset()
				p.err = ""
				return p, p.try(pass, false)
			}
			p.err = ""
		}
		var cmd tea.Cmd
		p.input, cmd = p.input.Update(msg)
		return p, cmd
	case hardenNew:
		res, cmd := p.ch.Update(msg)
		switch res {
		case chooserCancelled:
			return p, tea.Batch(cmd, p.stop())
		case chooserDone:
			next, clear := p.ch.take()
			p.step = hardenChecking
			return p, tea.Batch(clear, reencryptCmd(p.c.store, p.current(), bytesCopy(p.trying), next), p.c.spinner.Tick)
		}
		return p, cmd
	case hardenDone:
		if isKey && key.Matches(km, p.keys.Done) {
			return p, p.leave(send(reloadRequestedMsg{}))
		}
	}
	return p, nil
}

func (p *hardenPage) planned(msg hardenPlannedMsg) tea.Cmd {
	if msg.err != nil {
		p.step, p.err = hardenDone, msg.err.Error()
		return nil
	}
	for _, k := range msg.keys {
		switch {
		case k.Err != nil:
			p.unusable = append(p.unusable, k)
		case vault.NeedsHardening(k):
			p.plan = append(p.plan, k)
			p.befores = append(p.befores, k.Encryption)
		default:
			p.already++
		}
	}
	p.step = hardenIntro
	if len(p.plan) == 0 {
		p.step = hardenDone
	}
	return nil
}

// begin starts on plan[i]: an unencrypted key goes straight to the
// chooser; otherwise a passphrase that worked before is tried, or the
// person is asked.
func (p *hardenPage) begin() tea.Cmd {
	k := p.current()
	zero(p.trying)
	p.trying, p.fromCache = nil, false
	if k.Encryption.Scheme == vault.SchemeNone {
		return p.chooseNew()
	}
	for _, c := range []string{"role:" + k.Role, "kind:" + k.Kind().String()} {
		if pass, ok := p.worked[c]; ok {
			return p.try(bytesCopy(pass), true)
		}
	}
	return p.ask()
}

func (p *hardenPage) ask() tea.Cmd {
	p.step = hardenAsk
	p.input.Reset()
	return p.input.Focus()
}

// try tries pass on plan[i]: with a new passphrase to come, only unlocks;
// otherwise re-encrypts under the same passphrase.
func (p *hardenPage) try(pass []byte, cached bool) tea.Cmd {
	zero(p.trying)
	p.trying, p.fromCache = pass, cached
	p.step = hardenChecking
	k := p.current()
	if p.needsNew() {
		return tea.Batch(checkKeyCmd(p.c.store, k, bytesCopy(pass)), p.c.spinner.Tick)
	}
	return tea.Batch(reencryptCmd(p.c.store, k, bytesCopy(pass), nil), p.c.spinner.Tick)
}

func (p *hardenPage) chooseNew() tea.Cmd {
	p.step = hardenNew
	p.ch = newPassphraseChooser(p.c, p.current().Role, false)
	return p.ch.init()
}

// unlocked follows a check of the current passphrase before a new one.
func (p *hardenPage) unlocked(err error) tea.Cmd {
	if err == nil {
		p.remember()
		return p.chooseNew()
	}
	return p.failedTry(err)
}

// failedTry handles a passphrase that did not work: a cached one quietly
// gives way to asking; a typed one is asked for again.
func (p *hardenPage) failedTry(err error) tea.Cmd {
	cached := p.fromCache
	zero(p.trying)
	p.trying = nil
	if errors.Is(err, vault.ErrWrongPassphrase) {
		if !cached {
			p.err = "Wrong passphrase: this key is unchanged. Try again, ctrl+k skips it, esc stops."
		}
		return p.ask()
	}
	p.record(vault.HardenFailed, passphraseError(err))
	return p.next()
}

func (p *hardenPage) reencrypted(msg keyReencryptedMsg) tea.Cmd {
	if msg.err != nil {
		return p.failedTry(msg.err)
	}
	if !p.needsNew() {
		p.remember()
	}
	note := ""
	if msg.weak != nil {
		note = fmt.Sprintf("kept a weak passphrase (%s, the minimum is %d): change it on the key page", msg.weak.Strength, msg.weak.Min)
	}
	p.plan[p.i] = msg.key
	p.record(vault.Hardened, note)
	return p.next()
}

// remember keeps the passphrase that opened plan[i] for the keys after it.
func (p *hardenPage) remember() {
	if p.trying == nil {
		return
	}
	k := p.current()
	for _, c := range []string{"role:" + k.Role, "kind:" + k.Kind().String()} {
		zero(p.worked[c])
		p.worked[c] = bytesCopy(p.trying)
	}
}

// record notes plan[i]'s outcome.
func (p *hardenPage) record(st vault.HardenStatus, note string) {
	p.results = append(p.results, hardenOutcome{key: p.current(), before: p.befores[p.i], status: st, note: note})
}

// next moves to the following key, or to the summary.
func (p *hardenPage) next() tea.Cmd {
	zero(p.trying)
	p.trying = nil
	p.i++
	if p.i >= len(p.plan) {
		p.step = hardenDone
		return p.forget()
	}
	return p.begin()
}

// stop ends the run at plan[i]: it and the keys after it are not tried.
func (p *hardenPage) stop() tea.Cmd {
	for ; p.i < len(p.plan); p.i++ {
		p.record(vault.HardenCancelled, "not tried: stopped")
	}
	p.step = hardenDone
	return p.forget()
}

// forget zeroes every passphrase the page holds.
func (p *hardenPage) forget() tea.Cmd {
	zero(p.trying)
	p.trying = nil
	for c, pass := range p.worked {
		zero(pass)
		delete(p.worked, c)
	}
	p.input.Reset()
	if p.ch != nil {
		return p.ch.clear()
	}
	return nil
}

func (p *hardenPage) leave(cmds ...tea.Cmd) tea.Cmd {
	return tea.Batch(append(cmds, p.forget(), send(backRequestedMsg{}))...)
}

// checkKeyCmd unlocks a listed key file to check a passphrase.
func checkKeyCmd(store *vault.Store, k vault.Key, pass []byte) tea.Cmd {
	return func() tea.Msg {
		defer zero(pass)
		_, err := store.Unlock(k.ID, once(pass))
		return keyUnlockedMsg{err: err}
	}
}

// reencryptCmd re-encrypts a key file with the hardened setting: under its
// own passphrase (next nil) or a new one. A kept passphrase is checked
// against the policy.
func reencryptCmd(store *vault.Store, k vault.Key, old, next []byte) tea.Cmd {
	return func() tea.Msg {
		defer zero(old)
		defer zero(next)
		var newPass vault.PassphraseFunc
		if next != nil {
			newPass = once(next)
		}
		after, err := store.Reencrypt(k, once(old), newPass)
		msg := keyReencryptedMsg{key: after, err: err}
		if err == nil && next == nil && len(old) > 0 {
			var weak *passphrase.WeakError
			if errors.As(passphrase.DefaultPolicy().CheckTyped(k.Role, k.GUN, old), &weak) {
				msg.weak = weak
			}
		}
		return msg
	}
}

func (p *hardenPage) View() string {
	st := p.c.styles
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	switch p.step {
	case hardenLoading:
		line(p.c.spinner.View() + " Looking for weakly protected keys…")
	case hardenIntro:
		line(st.SubHeading.Render(truncate(fmt.Sprintf("%s to re-encrypt with PBES2 SHA1 ×%s", plural(len(p.plan), "key", "keys"), thousands(vault.HardenedIterations)), p.width)))
		line(wrap(fmt.Sprintf("Already hardened: %d. docker and notary read the re-encrypted files as before.", p.already), p.width))
		line("")
		for _, k := range p.plan {
			line(truncate(fmt.Sprintf("  %-9s %s  %-30s %s", truncate(k.Role, 9), k.ShortID(), truncate(orDash(k.GUN), 30), k.Encryption.Summary()), p.width))
		}
		p.unusableLines(line)
		line("")
		mode := "Each key keeps its passphrase (n: give each a new one)."
		if p.newPass {
			mode = "Each key gets a new passphrase, chosen with the generator (n: keep them)."
		}
		line(st.Present.Render(wrap(mode, p.width)))
	case hardenAsk, hardenChecking, hardenNew:
		k := p.current()
		line(st.SubHeading.Render(truncate(fmt.Sprintf("Key %d of %d: %s key %s%s", p.i+1, len(p.plan), orDash(k.Role), k.ShortID(), gunSuffix(k.GUN)), p.width)))
		line(progressBar(st, p.i, len(p.plan), min(p.width, 40)) + st.Faint.Render(" "+k.Encryption.Summary()))
		line("")
		switch p.step {
		case hardenAsk:
			p.input.SetWidth(max(p.width-24, 8))
			line(st.Label.Render(pad("Passphrase", 12)) + "▸ " + p.input.View())
			if p.c.demo && p.c.demoPassphrase != "" {
				line(st.Faint.Render(truncate("Demo vault passphrase: "+p.c.demoPassphrase, p.width)))
			}
		case hardenChecking:
			line(p.c.spinner.View() + " Opening and re-encrypting the key…")
		case hardenNew:
			line(p.ch.View(p.width))
		}
	case hardenDone:
		p.summary(line)
	}
	if p.err != "" {
		line(st.Bad.Render(wrap(p.err, p.width)))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func gunSuffix(gun string) string {
	if gun == "" {
		return ""
	}
	return " of " + gun
}

func (p *hardenPage) unusableLines(line func(string)) {
	for _, k := range p.unusable {
		line(p.c.styles.Bad.Render(truncate(fmt.Sprintf("  unreadable  %s: %v", k.Path, k.Err), p.width)))
	}
}

func (p *hardenPage) summary(line func(string)) {
	st := p.c.styles
	if len(p.plan) == 0 {
		line(st.OK.Render(wrap(fmt.Sprintf("Nothing to do: %s already hardened.", plural(p.already, "key is", "keys are")), p.width)))
		p.unusableLines(line)
		return
	}
	count := map[vault.HardenStatus]int{}
	for _, r := range p.results {
		count[r.status]++
	}
	for _, r := range p.results {
		ink := st.OK
		if r.status != vault.Hardened {
			ink = st.Bad
		}
		text := fmt.Sprintf("%-17s %-9s %s  %s", r.status, truncate(orDash(r.key.Role), 9), r.key.ShortID(), orDash(r.key.GUN))
		if r.note != "" {
			text += " · " + r.note
		}
		line(ink.Render(truncate(text, p.width)))
	}
	p.unusableLines(line)
	failed := count[vault.HardenFailed] + len(p.unusable)
	sum := fmt.Sprintf("Hardened %d, already hardened %d, failed %d", count[vault.Hardened], p.already, failed)
	if n := count[vault.HardenCancelled]; n > 0 {
		sum += fmt.Sprintf(", not tried %d", n)
	}
	line("")
	line(st.SubHeading.Render(truncate(sum+".", p.width)))
}

// progressBar is done of total as a bar of width cells.
func progressBar(st Styles, done, total, width int) string {
	if total <= 0 || width < 4 {
		return ""
	}
	filled := done * width / total
	return st.Present.Render(strings.Repeat("█", filled)) + st.Faint.Render(strings.Repeat("░", width-filled))
}
