package ui

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/passphrase"
)

// hardenPage re-encrypts every weakly protected key (notary's 2048
// iterations, legacy PEM encryption, none) with the hardened setting. The
// engine's Store.Harden does the work, one key at a time, and keeps the
// passphrases that worked (tried first on the next key of the same role,
// then kind, so keys sharing a passphrase are asked for once); the page
// only answers its questions: a key's current passphrase from a form, a
// new one from the passphrase chooser. Keys keep their passphrases unless
// the person asks for new ones; an unencrypted key always gets a new one.
// Nothing is skipped silently: the summary lists every key's outcome.
type hardenPage struct {
	c             *common
	keys          hardenKeys
	width, height int

	step     hardenStep
	plan     []vault.Key // the keys that need it, in order
	already  int         // keys already hardened
	unusable []vault.Key // files that cannot be read
	newPass  bool        // give every key a new passphrase

	// run is the engine's run; i of total is the key it works on.
	run      *hardenRun
	i, total int
	current  vault.Key
	// answer is where the engine waits for the passphrase it asked for.
	answer chan<- hardenAnswer
	input  *form
	ch     *passphraseChooser

	results []hardenOutcome
	err     string
}

var _ page = (*hardenPage)(nil)

type hardenStep int

const (
	hardenLoading hardenStep = iota
	hardenIntro
	hardenAsk      // the current passphrase of the key
	hardenChecking // the engine works
	hardenNew      // the chooser, for the key's new passphrase
	hardenDone
)

// hardenOutcome is one key's result.
type hardenOutcome struct {
	key    vault.Key
	status vault.HardenStatus
	note   string
}

type hardenKeys struct {
	Start, NewPass, Skip, Back, Done key.Binding
}

func defaultHardenKeys() hardenKeys {
	return hardenKeys{
		Start:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		NewPass: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "keep / new passphrases")),
		Skip:    key.NewBinding(key.WithKeys("ctrl+k"), key.WithHelp("ctrl+k", "skip this key")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")),
		Done:    key.NewBinding(key.WithKeys("enter", "esc", "q"), key.WithHelp("enter", "done")),
	}
}

// hardenPlannedMsg is the engine's plan: every key file, in order.
type hardenPlannedMsg struct{ keys []vault.Key }

func newHardenPage(c *common) (*hardenPage, tea.Cmd) {
	p := &hardenPage{c: c, keys: defaultHardenKeys()}
	in := newField(c.styles, fieldPass, "Passphrase", "Passphrase", true)
	in.required = true
	p.input = newForm(in)
	p.input.keys.Submit.SetHelp("enter", "re-encrypt")
	p.input.keys.Cancel.SetHelp("esc", "stop")
	return p, tea.Batch(hardenPlanCmd(c.store), c.spinner.Tick)
}

func hardenPlanCmd(store *vault.Store) tea.Cmd {
	return func() tea.Msg {
		keys, err := store.HardenPlan()
		if err != nil {
			return errorMsg{err: err}
		}
		return hardenPlannedMsg{keys: keys}
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
		return []key.Binding{p.input.keys.Submit, p.keys.Skip, p.input.keys.Cancel}
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

func (p *hardenPage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case hardenPlannedMsg:
		p.planned(msg.keys)
		return p, nil
	case hardenKeyStartedMsg:
		p.i, p.total, p.current = msg.i, msg.total, msg.key
		p.step = hardenChecking
		return p, p.run.wait()
	case hardenAskedMsg:
		return p, p.asked(msg)
	case hardenFinishedMsg:
		return p, p.finished(msg.report)
	case errorMsg:
		p.step, p.err = hardenDone, msg.Error()
		return p, p.forget()
	}
	km, isKey := msg.(tea.KeyPressMsg)
	switch p.step {
	case hardenIntro:
		switch {
		case !isKey:
		case key.Matches(km, p.keys.Start) && len(p.plan) > 0:
			p.step = hardenChecking
			p.run = startHarden(p.c.store, p.newPass)
			return p, tea.Batch(p.run.wait(), p.c.spinner.Tick)
		case key.Matches(km, p.keys.NewPass):
			p.newPass = !p.newPass
		case key.Matches(km, p.keys.Back):
			return p, p.leave()
		}
	case hardenAsk:
		if isKey && key.Matches(km, p.keys.Skip) {
			return p, p.reply(nil, errHardenSkipped)
		}
		res, cmd := p.input.Update(msg)
		switch res {
		case formCancelled:
			return p, p.reply(nil, vault.ErrAborted)
		case formSubmitted:
			pass := p.input.value(fieldPass)
			p.input.reset()
			return p, p.reply(pass, nil)
		}
		return p, cmd
	case hardenNew:
		res, cmd := p.ch.Update(msg)
		switch res {
		case chooserCancelled:
			return p, tea.Batch(cmd, p.reply(nil, vault.ErrAborted))
		case chooserDone:
			next, clear := p.ch.take()
			return p, tea.Batch(clear, p.reply(next, nil))
		}
		return p, cmd
	case hardenDone:
		if isKey && key.Matches(km, p.keys.Done) {
			return p, p.leave(send(reloadRequestedMsg{}))
		}
	}
	return p, nil
}

// planned sorts the engine's plan into the keys to harden, those already
// hardened and the files that cannot be read.
func (p *hardenPage) planned(keys []vault.Key) {
	for _, k := range keys {
		switch {
		case k.Err != nil:
			p.unusable = append(p.unusable, k)
		case vault.NeedsHardening(k):
			p.plan = append(p.plan, k)
		default:
			p.already++
		}
	}
	p.step = hardenIntro
	if len(p.plan) == 0 {
		p.step = hardenDone
	}
}

// asked shows the engine's question: the chooser for a new passphrase,
// the form for the current one (with why, when the last one was wrong).
func (p *hardenPage) asked(msg hardenAskedMsg) tea.Cmd {
	p.answer = msg.answer
	if msg.req.New {
		p.step = hardenNew
		p.ch = newPassphraseChooser(p.c, p.current.Role, false)
		return p.ch.init()
	}
	p.step = hardenAsk
	p.input.restart()
	if msg.req.Attempt > 1 {
		return p.input.fail(fieldPass, "Wrong passphrase: this key is unchanged. Try again, ctrl+k skips it, esc stops.")
	}
	return p.input.focusOn(0)
}

// reply gives the engine its answer (the engine zeroes the passphrase)
// and waits for what it does next.
func (p *hardenPage) reply(pass []byte, err error) tea.Cmd {
	if p.answer == nil {
		zero(pass)
		return nil
	}
	p.answer <- hardenAnswer{pass: pass, err: err}
	p.answer = nil
	p.input.blur()
	p.step = hardenChecking
	return tea.Batch(p.run.wait(), p.c.spinner.Tick)
}

// finished takes the engine's report: one outcome per key that needed
// hardening.
func (p *hardenPage) finished(report vault.HardenReport) tea.Cmd {
	for _, r := range report.Results {
		if r.Key.Err != nil || r.Status == vault.AlreadyHardened {
			continue // listed from the plan: unreadable, or already hardened
		}
		p.results = append(p.results, hardenOutcome{key: r.Key, status: r.Status, note: hardenNote(r)})
	}
	p.step = hardenDone
	return p.forget()
}

// errHardenSkipped is the page's answer when the person skips a key.
var errHardenSkipped = errors.New("skipped: no passphrase given")

// hardenNote says why a key was not hardened, or what to do about it.
func hardenNote(r vault.HardenResult) string {
	switch {
	case r.Status == vault.HardenCancelled:
		return "not tried: stopped"
	case errors.Is(r.Err, errHardenSkipped):
		return errHardenSkipped.Error()
	case errors.Is(r.Err, vault.ErrWrongPassphrase):
		return "wrong passphrase: the key is unchanged"
	case r.Err != nil:
		return passphraseError(r.Err)
	case r.Weak != nil:
		return fmt.Sprintf("kept a weak passphrase (%s, the minimum is %d): change it on the key page", r.Weak.Strength, r.Weak.Min)
	}
	return ""
}

// forget ends the engine's run and clears every passphrase the page
// holds.
func (p *hardenPage) forget() tea.Cmd {
	if p.run != nil {
		p.run.stop()
		p.run = nil
	}
	p.answer = nil
	p.input.reset()
	if p.ch != nil {
		return p.ch.clear()
	}
	return nil
}

func (p *hardenPage) leave(cmds ...tea.Cmd) tea.Cmd {
	return tea.Batch(append(cmds, p.forget(), send(backRequestedMsg{}))...)
}

// hardenRun connects one Store.Harden, in a goroutine of its own, to the
// event loop. The engine's callbacks send events; a passphrase request
// waits for the page's answer. One command at a time waits for the next
// event, and none while the engine waits for the person.
type hardenRun struct {
	events chan tea.Msg
	done   chan struct{} // closed when the page lets the run go
	once   sync.Once
}

// Events of a run.
type (
	// hardenKeyStartedMsg: the engine starts on key i of total.
	hardenKeyStartedMsg struct {
		i, total int
		key      vault.Key
	}
	// hardenAskedMsg: the engine asks for a passphrase (New: a new one)
	// and waits for the answer.
	hardenAskedMsg struct {
		req    vault.PassphraseRequest
		answer chan<- hardenAnswer
	}
	// hardenFinishedMsg is the engine's report on every key.
	hardenFinishedMsg struct{ report vault.HardenReport }
)

// hardenAnswer is a passphrase for the engine, or why there is none.
type hardenAnswer struct {
	pass []byte
	err  error
}

// startHarden starts the engine's run; new gives every key a new
// passphrase.
func startHarden(store *vault.Store, new bool) *hardenRun {
	r := &hardenRun{events: make(chan tea.Msg), done: make(chan struct{})}
	policy := passphrase.DefaultPolicy()
	opts := vault.HardenOptions{
		Pass:   r.ask,
		Policy: &policy,
		Start: func(i, total int, k vault.Key) {
			r.send(hardenKeyStartedMsg{i: i, total: total, key: k})
		},
	}
	if new {
		opts.NewPass = r.ask
	}
	go func() {
		report, err := store.Harden(opts)
		if err != nil {
			r.send(errorMsg{err: err})
			return
		}
		r.send(hardenFinishedMsg{report: report})
	}()
	return r
}

// send hands an event to the page; false when the page let the run go.
func (r *hardenRun) send(msg tea.Msg) bool {
	select {
	case r.events <- msg:
		return true
	case <-r.done:
		return false
	}
}

// ask is the engine's passphrase callback.
func (r *hardenRun) ask(req vault.PassphraseRequest) ([]byte, error) {
	return r.question(func(answer chan<- hardenAnswer) tea.Msg { return hardenAskedMsg{req: req, answer: answer} })
}

// question hands the page a question (made with the channel its answer
// comes back on) and waits for the answer.
func (r *hardenRun) question(ask func(chan<- hardenAnswer) tea.Msg) ([]byte, error) {
	answer := make(chan hardenAnswer, 1)
	if !r.send(ask(answer)) {
		return nil, vault.ErrAborted
	}
	select {
	case a := <-answer:
		return a.pass, a.err
	case <-r.done:
		return nil, vault.ErrAborted
	}
}

// wait is the command that waits for the run's next event.
func (r *hardenRun) wait() tea.Cmd {
	return func() tea.Msg {
		select {
		case msg := <-r.events:
			return msg
		case <-r.done:
			return nil
		}
	}
}

// stop lets the run go: a question it still asks is answered with
// ErrAborted.
func (r *hardenRun) stop() { r.once.Do(func() { close(r.done) }) }

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
			line(truncate(fmt.Sprintf("  %-9s %s  %-30s %s", truncate(visible(k.Role), 9), k.ShortID(), truncate(visible(orDash(k.GUN)), 30), k.Encryption.Summary()), p.width))
		}
		p.unusableLines(line)
		line("")
		mode := "Each key keeps its passphrase (n: give each a new one)."
		if p.newPass {
			mode = "Each key gets a new passphrase, chosen with the generator (n: keep them)."
		}
		line(st.Present.Render(wrap(mode, p.width)))
	case hardenChecking, hardenAsk, hardenNew:
		if p.total == 0 { // the engine has not started on a key yet
			line(p.c.spinner.View() + " Opening the first key…")
			break
		}
		k := p.current
		line(st.SubHeading.Render(truncate(fmt.Sprintf("Key %d of %d: %s key %s%s", p.i, p.total, orDash(k.Role), k.ShortID(), gunSuffix(k.GUN)), p.width)))
		line(progressBar(st, p.i-1, p.total, min(p.width, 40)) + st.Faint.Render(" "+k.Encryption.Summary()))
		line("")
		switch p.step {
		case hardenAsk:
			line(p.input.View(st, p.width))
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
	return " of " + visible(gun)
}

func (p *hardenPage) unusableLines(line func(string)) {
	for _, k := range p.unusable {
		line(p.c.styles.Bad.Render(wrapHanging(fmt.Sprintf("  unreadable  %s: %v", k.Path, k.Err), p.width, 4)))
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
	skipped := 0
	for _, r := range p.results {
		if r.skipped() {
			skipped++ // skipped on purpose is not failed
			continue
		}
		count[r.status]++
	}
	for _, r := range p.results {
		word, ink := r.status.String(), st.OK
		switch {
		case r.skipped():
			word, ink = "skipped", st.Warn
		case r.status == vault.HardenCancelled:
			ink = st.Faint
		case r.status != vault.Hardened:
			ink = st.Bad
		}
		text := fmt.Sprintf("%-17s %-9s %s  %s", word, truncate(visible(orDash(r.key.Role)), 9), r.key.ShortID(), visible(orDash(r.key.GUN)))
		if r.note != "" {
			text += " · " + r.note
		}
		line(ink.Render(wrapHanging(text, p.width, 18)))
	}
	p.unusableLines(line)
	failed := count[vault.HardenFailed] + len(p.unusable)
	sum := fmt.Sprintf("Hardened %d, already hardened %d", count[vault.Hardened], p.already)
	if skipped > 0 {
		sum += fmt.Sprintf(", skipped %d", skipped)
	}
	sum += fmt.Sprintf(", failed %d", failed)
	if n := count[vault.HardenCancelled]; n > 0 {
		sum += fmt.Sprintf(", not tried %d", n)
	}
	line("")
	line(st.SubHeading.Render(wrap(sum+".", p.width)))
}

// skipped reports whether the person skipped the key on purpose.
func (o hardenOutcome) skipped() bool { return o.note == errHardenSkipped.Error() }

// wrapHanging wraps text to width, the lines after the first indented by
// indent cells, so that a result's note is never cut off.
func wrapHanging(text string, width, indent int) string {
	if textWidth(text) <= width || width <= indent+10 {
		return wrap(text, width)
	}
	first := strings.Split(wrap(text, width), "\n")[0]
	rest := strings.TrimLeft(text[len(first):], " ")
	out := []string{first}
	for _, l := range strings.Split(wrap(rest, width-indent), "\n") {
		out = append(out, strings.Repeat(" ", indent)+l)
	}
	return strings.Join(out, "\n")
}

// progressBar is done of total as a bar of width cells.
func progressBar(st Styles, done, total, width int) string {
	if total <= 0 || width < 4 {
		return ""
	}
	filled := done * width / total
	return st.Present.Render(strings.Repeat("█", filled)) + st.Faint.Render(strings.Repeat("░", width-filled))
}
