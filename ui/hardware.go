package ui

// The Yubikeys: what each token plugged in tells without a PIN (the
// hardware page, Y), where keys on a token show up on the other pages, and
// the flows that set a token up, generate a root key on it, unblock its PIN
// and move a root key file onto it, with a touch prompt while the token
// waits.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/passphrase"
	"github.com/trustvault/trustvault/vault/token"
)

// TokenLister reads the tokens plugged in and the keys on them; the
// program passes vault.ListTokens.
type TokenLister func() ([]token.Info, []token.Key, error)

// tokenReading is what the tokens said at one reading of the trust
// directory.
type tokenReading struct {
	// read is set when there was a lister to ask.
	read  bool
	infos []token.Info
	keys  []token.Key
	// err says why the tokens could not be read (no pcscd, no cgo, ...).
	err error
}

// readTokensAsync asks the lister in the background; nil gives an empty
// reading at once.
func readTokensAsync(list TokenLister) <-chan tokenReading {
	out := make(chan tokenReading, 1)
	if list == nil {
		out <- tokenReading{}
		return out
	}
	go func() {
		infos, keys, err := list()
		out <- tokenReading{read: true, infos: infos, keys: keys, err: err}
	}()
	return out
}

// keyOn returns the key with the ID on a token, or nil.
func (t *tokenReading) keyOn(id string) *token.Key {
	for i := range t.keys {
		if t.keys[i].ID == id {
			return &t.keys[i]
		}
	}
	return nil
}

// headerText names the tokens for the header: "Yubikey 12345678", or a
// count when there are several.
func (t *tokenReading) headerText(short bool) []string {
	switch n := len(t.infos); {
	case n == 0:
		return nil
	case n == 1 && short:
		return []string{"YK " + strconv.FormatUint(uint64(t.infos[0].Serial), 10)}
	case n == 1:
		return []string{t.infos[0].Name()}
	default:
		return []string{plural(n, "Yubikey", "Yubikeys")}
	}
}

// inCounts puts the header's token text after the repository and key
// counts: a token plugged in matters more than the finer figures.
func (t *tokenReading) inCounts(counts []string, short bool) []string {
	text := t.headerText(short)
	if len(text) == 0 {
		return counts
	}
	n := min(2, len(counts))
	out := append(append(make([]string, 0, len(counts)+len(text)), counts[:n]...), text...)
	return append(out, counts[n:]...)
}

// tokenPlace is a key line's note: "on Yubikey 12345678, slot 9c".
func tokenPlace(ref *vault.TokenRef, backup bool) string {
	s := "on " + ref.String()
	if backup {
		s += " (file here: its backup)"
	}
	return s
}

// tokenLocationText is the key page's location of a key on a token.
func tokenLocationText(ref *vault.TokenRef, backup bool) string {
	if ref == nil {
		return "token"
	}
	s := "on " + ref.String() + ": the token is used for it"
	if backup {
		s += "; the key file here is its backup"
	}
	return s
}

// canMoveToToken reports whether a key file can go onto a token: a
// readable root key file, not on a token yet, with a token plugged in.
func canMoveToToken(s *snapshot, f *vault.Key) bool {
	return f != nil && f.Err == nil && f.Kind() == keyrole.Root &&
		len(s.tokens.infos) > 0 && s.tokens.keyOn(f.ID) == nil
}

// hardwareKeys are the hardware page's keys.
type hardwareKeys struct {
	navKeys
	Setup    key.Binding
	Generate key.Binding
	Unblock  key.Binding
	Reveal   key.Binding
	Cached   key.Binding
}

func defaultHardwareKeys() hardwareKeys {
	k := hardwareKeys{
		navKeys:  defaultNavKeys(),
		Setup:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "set up")),
		Generate: key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "generate root key")),
		Unblock:  key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unblock PIN")),
		Reveal:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal")),
		Cached:   key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "touch always/cached")),
	}
	k.Open.SetEnabled(false)
	return k
}

// flowKind is what a token flow does.
type flowKind int

const (
	flowSetup flowKind = iota
	flowGenerate
	flowUnblock
	flowMove
)

// tokenFlow is one operation on a token: a form, the engine call (with a
// touch prompt when the token waits), and its outcome.
type tokenFlow struct {
	kind   flowKind
	serial uint32
	// keyID is the root key being moved (flowMove).
	keyID  string
	form   *form
	cached bool // touch policy cached instead of always

	touch    *touchSignal
	touching bool

	// done holds the outcome lines; secrets the new PIN and PUK, shown
	// only after v, zeroed when the flow closes.
	done     []string
	secrets  []secretLine
	revealed bool
}

type secretLine struct {
	label string
	value []byte
}

func (f *tokenFlow) title() string {
	switch f.kind {
	case flowSetup:
		return fmt.Sprintf("Set up Yubikey %d", f.serial)
	case flowGenerate:
		return fmt.Sprintf("Generate a root key on Yubikey %d", f.serial)
	case flowUnblock:
		return fmt.Sprintf("Unblock the PIN of Yubikey %d", f.serial)
	}
	return "Move root key " + vault.ShortID(f.keyID) + " to a Yubikey"
}

// clear zeroes what the flow holds.
func (f *tokenFlow) clear() {
	f.form.reset()
	for _, s := range f.secrets {
		clear(s.value)
	}
	f.secrets = nil
}

// busy reports whether the token works on what was submitted.
func (f *tokenFlow) busy() bool { return f.form.busy }

// touchSignal carries "the token waits for a touch" from the engine's
// goroutine to the event loop.
type touchSignal struct {
	mu     sync.Mutex
	ch     chan struct{}
	closed bool
}

func newTouchSignal() *touchSignal { return &touchSignal{ch: make(chan struct{}, 1)} }

// notify is the engine's Touch callback; it never blocks.
func (t *touchSignal) notify() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	select {
	case t.ch <- struct{}{}:
	default:
	}
}

func (t *touchSignal) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.closed = true
		close(t.ch)
	}
}

// touchRequestedMsg means the token waits for a touch.
type touchRequestedMsg struct{ sig *touchSignal }

// waitTouchCmd waits for the next touch request of one operation.
func waitTouchCmd(sig *touchSignal) tea.Cmd {
	return func() tea.Msg {
		if _, ok := <-sig.ch; ok {
			return touchRequestedMsg{sig: sig}
		}
		return nil
	}
}

// Outcomes of the token flows.
type (
	tokenSetUpMsg     struct{ res token.SetupResult }
	rootGeneratedMsg  struct{ key token.Key }
	rootMovedMsg      struct{ key token.Key }
	tokenUnblockedMsg struct{ pin []byte }
)

func setupTokenCmd(serial uint32, pin, puk []byte) tea.Cmd {
	return func() tea.Msg {
		defer clear(pin)
		defer clear(puk)
		res, err := token.SetUp(serial, token.Setup{PIN: pin, PUK: puk})
		if err != nil {
			clear(res.NewPIN)
			clear(res.NewPUK)
			return errorMsg{err: err}
		}
		return tokenSetUpMsg{res: res}
	}
}

func generateRootCmd(o token.RootOptions, sig *touchSignal) tea.Cmd {
	return func() tea.Msg {
		defer sig.close()
		defer clear(o.PIN)
		o.Touch = sig.notify
		tk, err := token.GenerateRoot(o)
		if err != nil {
			return errorMsg{err: err}
		}
		return rootGeneratedMsg{key: tk}
	}
}

func moveRootCmd(store *vault.Store, id string, pass []byte, o token.RootOptions, sig *touchSignal) tea.Cmd {
	return func() tea.Msg {
		defer sig.close()
		defer clear(o.PIN)
		defer clear(pass)
		o.Touch = sig.notify
		tk, err := token.ImportRoot(store, id, func(req vault.PassphraseRequest) ([]byte, error) {
			if req.Attempt > 1 {
				return nil, vault.ErrWrongPassphrase
			}
			return append([]byte(nil), pass...), nil
		}, o)
		if err != nil {
			return errorMsg{err: err}
		}
		return rootMovedMsg{key: tk}
	}
}

func unblockTokenCmd(serial uint32, puk []byte) tea.Cmd {
	return func() tea.Msg {
		defer clear(puk)
		pin, err := passphrase.GeneratePIN(nil)
		if err != nil {
			return errorMsg{err: err}
		}
		if err := token.UnblockPIN(serial, puk, pin); err != nil {
			clear(pin)
			return errorMsg{err: err}
		}
		return tokenUnblockedMsg{pin: pin}
	}
}

// hardwarePage shows the tokens plugged in and runs the token flows. It
// opens on the list (Y), or straight into moving a root key (y on a key
// page).
type hardwarePage struct {
	c             *common
	keys          hardwareKeys
	width, height int
	// tokens is the cursor over the tokens plugged in; list scrolls the
	// lines that describe them.
	tokens listView
	lines  []string
	list   listView
	flow   *tokenFlow
	// moveOnly closes the page when the move flow ends.
	moveOnly bool
}

var _ page = (*hardwarePage)(nil)

func newHardwarePage(c *common) *hardwarePage {
	p := &hardwarePage{c: c, keys: defaultHardwareKeys()}
	p.Refresh(c.snap)
	return p
}

// newMoveToTokenPage opens the flow that moves the root key file f onto a
// token.
func newMoveToTokenPage(c *common, f *vault.Key) (page, tea.Cmd) {
	p := newHardwarePage(c)
	p.moveOnly = true
	if f == nil || len(c.snap.tokens.infos) == 0 {
		return p, nil
	}
	return p, p.startFlow(flowMove, f.ID)
}

func (p *hardwarePage) Title() string {
	if p.flow != nil {
		return p.flow.title()
	}
	return "Yubikeys"
}

func (p *hardwarePage) Capturing() bool { return p.flow != nil }
func (p *hardwarePage) Busy() bool      { return p.flow != nil && p.flow.busy() }

func (p *hardwarePage) SetSize(w, h int) {
	p.width, p.height = w, h
	p.layout()
}

func (p *hardwarePage) Refresh(s *snapshot) bool {
	p.tokens.setLen(len(s.tokens.infos))
	p.tokens.setHeight(len(s.tokens.infos))
	p.layout()
	return true
}

// selected is the token the actions apply to.
func (p *hardwarePage) selected() (token.Info, bool) {
	infos := p.c.snap.tokens.infos
	if p.tokens.selected() && infos[p.tokens.cursor].Err == nil {
		return infos[p.tokens.cursor], true
	}
	return token.Info{}, false
}

func (p *hardwarePage) layout() {
	p.lines = hardwareLines(p.c, p.tokens.cursor, p.width)
	p.list.setLen(len(p.lines))
	p.list.setHeight(p.height)
	p.list.enableMoves(&p.keys.navKeys)
	if p.tokens.n > 1 { // up and down also move between tokens
		p.keys.Up.SetEnabled(true)
		p.keys.Down.SetEnabled(true)
	}
	info, ok := p.selected()
	p.keys.Setup.SetEnabled(ok && !info.PIN.Blocked())
	p.keys.Generate.SetEnabled(ok && info.SetUp() && !info.PIN.Blocked())
	p.keys.Unblock.SetEnabled(ok && info.PIN.Blocked())
}

// startFlow opens a flow's form for the selected token (or, for a move,
// the first token).
func (p *hardwarePage) startFlow(kind flowKind, keyID string) tea.Cmd {
	info, ok := p.selected()
	if !ok && len(p.c.snap.tokens.infos) > 0 {
		info = p.c.snap.tokens.infos[0]
	}
	p.flow = &tokenFlow{kind: kind, serial: info.Serial, keyID: keyID, form: newForm(p.flowFields(kind, info)...)}
	return p.flow.form.focusOn(0)
}

// flowFields are the fields a flow asks for; every one must be filled.
func (p *hardwarePage) flowFields(kind flowKind, info token.Info) []formField {
	st := p.c.styles
	var fields []formField
	switch kind {
	case flowSetup:
		pin := newField(st, fieldPIN, "Current PIN", "PIN", true)
		puk := newField(st, fieldPUK, "Current PUK", "PUK", true)
		if info.PIN.State != token.StateChanged {
			pin.input.Placeholder = "a new token's is 123456: type it (it is never tried for you)"
		}
		if info.PUK.State != token.StateChanged {
			puk.input.Placeholder = "a new token's is 12345678"
		}
		fields = []formField{pin, puk}
	case flowGenerate:
		fields = []formField{newField(st, fieldPIN, "PIN", "PIN", true)}
	case flowUnblock:
		fields = []formField{newField(st, fieldPUK, "PUK", "PUK", true)}
	case flowMove:
		pass := newField(st, fieldPass, "Passphrase of the key", "Passphrase", true)
		if p.c.demoPassphrase != "" {
			pass.input.Placeholder = "demo: " + p.c.demoPassphrase
		}
		fields = []formField{pass}
		if len(p.c.snap.tokens.infos) > 1 {
			serial := newField(st, fieldSerial, "Yubikey serial", "Serial", false)
			serial.input.SetValue(strconv.FormatUint(uint64(info.Serial), 10))
			serial.check = checkSerial
			fields = append(fields, serial)
		}
		fields = append(fields, newField(st, fieldPIN, "PIN of the Yubikey", "PIN", true))
	}
	for i := range fields {
		label, prev := fields[i].label, fields[i].check
		fields[i].check = func(s string) error {
			if s == "" {
				return errors.New(label + " is empty")
			}
			if prev != nil {
				return prev(s)
			}
			return nil
		}
	}
	return fields
}

// checkSerial vets a typed token serial.
func checkSerial(s string) error {
	if _, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32); err != nil {
		return errors.New("the serial is a number (see the Yubikeys page, Y)")
	}
	return nil
}

// closeFlow ends a flow and forgets its secrets.
func (p *hardwarePage) closeFlow() tea.Cmd {
	if p.flow != nil {
		p.flow.clear()
	}
	p.flow = nil
	if p.moveOnly {
		return send(backRequestedMsg{})
	}
	return nil
}

func (p *hardwarePage) Update(msg tea.Msg) (page, tea.Cmd) {
	switch msg := msg.(type) {
	case touchRequestedMsg:
		if p.flow != nil && p.flow.busy() && p.flow.touch == msg.sig {
			p.flow.touching = true
			return p, waitTouchCmd(msg.sig)
		}
		return p, nil
	case errorMsg:
		if p.flow == nil {
			return p, nil
		}
		p.flow.touching = false
		p.flow.form.resetExcept(fieldSerial)
		return p, tea.Batch(p.flow.form.fail("", tokenErrorText(msg.err)), send(reloadRequestedMsg{}))
	case tokenSetUpMsg:
		return p, p.finished(
			[]string{fmt.Sprintf("%s is set up: a random management key is stored on it under the new PIN.", msg.res.Info.Name()),
				"Write the new PIN and PUK down now; they are not shown again. Keep the PUK apart from the token: it unblocks the PIN after 3 wrong tries."},
			[]secretLine{{"New PIN", msg.res.NewPIN}, {"New PUK", msg.res.NewPUK}})
	case tokenUnblockedMsg:
		return p, p.finished(
			[]string{fmt.Sprintf("The PIN of Yubikey %d is unblocked.", p.flowSerial()), "Write the new PIN down now; it is not shown again."},
			[]secretLine{{"New PIN", msg.pin}})
	case rootGeneratedMsg:
		return p, p.finished([]string{
			fmt.Sprintf("Root key %s is on %s.", msg.key.ID, msg.key.Token),
			"It was generated there and never leaves it: it has no backup. Keep the Yubikey safe.",
		}, nil)
	case rootMovedMsg:
		return p, p.finished([]string{
			fmt.Sprintf("Root key %s is on %s; the Yubikey is used for it from now on.", msg.key.ID, msg.key.Token),
			"The key file stays as its backup: keep it (and its backups) offline.",
		}, nil)
	case tea.MouseWheelMsg:
		if p.flow == nil {
			p.list.scrollWheel(msg)
		}
		return p, nil
	}
	if p.flow != nil {
		return p, p.updateFlow(msg)
	}
	if km, ok := msg.(tea.KeyPressMsg); ok {
		return p, p.updateList(km)
	}
	return p, nil
}

func (p *hardwarePage) flowSerial() uint32 {
	if p.flow == nil {
		return 0
	}
	return p.flow.serial
}

// finished shows a flow's outcome and reads the trust directory and the
// tokens again.
func (p *hardwarePage) finished(lines []string, secrets []secretLine) tea.Cmd {
	if p.flow == nil {
		for _, s := range secrets {
			clear(s.value)
		}
		return nil
	}
	p.flow.form.busy, p.flow.touching = false, false
	p.flow.clear()
	p.flow.done, p.flow.secrets = lines, secrets
	return send(reloadRequestedMsg{})
}

func (p *hardwarePage) updateList(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, p.keys.Back):
		return send(backRequestedMsg{})
	case key.Matches(msg, p.keys.Setup):
		return p.startFlow(flowSetup, "")
	case key.Matches(msg, p.keys.Generate):
		return p.startFlow(flowGenerate, "")
	case key.Matches(msg, p.keys.Unblock):
		return p.startFlow(flowUnblock, "")
	case key.Matches(msg, p.keys.Up):
		if p.tokens.cursor > 0 {
			p.tokens.move(-1)
			p.layout()
		} else {
			p.list.scroll(-1)
		}
	case key.Matches(msg, p.keys.Down):
		if p.tokens.cursor < p.tokens.n-1 {
			p.tokens.move(1)
			p.layout()
		} else {
			p.list.scroll(1)
		}
	default:
		p.list.scrollKeys(p.keys.navKeys, msg, p.height)
	}
	return nil
}

// updateFlow runs an open flow: its form, then its outcome.
func (p *hardwarePage) updateFlow(msg tea.Msg) tea.Cmd {
	f := p.flow
	km, isKey := msg.(tea.KeyPressMsg)
	switch {
	case f.done != nil:
		switch {
		case !isKey:
		case key.Matches(km, p.keys.Reveal) && len(f.secrets) > 0:
			f.revealed = !f.revealed
		case key.Matches(km, f.form.keys.Submit, f.form.keys.Cancel):
			return p.closeFlow()
		}
		return nil
	case isKey && !f.busy() && key.Matches(km, p.keys.Cached) && (f.kind == flowGenerate || f.kind == flowMove):
		f.cached = !f.cached
		return nil
	}
	res, cmd := f.form.Update(msg)
	switch res {
	case formCancelled:
		return p.closeFlow()
	case formSubmitted:
		return p.submit()
	}
	return cmd
}

// submit starts the engine call with what the form holds.
func (p *hardwarePage) submit() tea.Cmd {
	f := p.flow
	if fl := f.form.field(fieldSerial); fl != nil {
		n, _ := strconv.ParseUint(strings.TrimSpace(fl.input.Value()), 10, 32) // checked by the form
		f.serial = uint32(n)
	}
	f.form.busy = true
	o := token.RootOptions{Serial: f.serial, TouchCached: f.cached}
	var cmd tea.Cmd
	switch f.kind {
	case flowSetup:
		cmd = setupTokenCmd(f.serial, f.form.value(fieldPIN), f.form.value(fieldPUK))
	case flowUnblock:
		cmd = unblockTokenCmd(f.serial, f.form.value(fieldPUK))
	case flowGenerate:
		f.touch = newTouchSignal()
		o.PIN = f.form.value(fieldPIN)
		cmd = tea.Batch(generateRootCmd(o, f.touch), waitTouchCmd(f.touch))
	case flowMove:
		f.touch = newTouchSignal()
		o.PIN = f.form.value(fieldPIN)
		cmd = tea.Batch(moveRootCmd(p.c.store, f.keyID, f.form.value(fieldPass), o, f.touch), waitTouchCmd(f.touch))
	}
	f.form.resetExcept(fieldSerial) // the secrets went to the command
	return tea.Batch(cmd, p.c.spinner.Tick)
}

// tokenErrorText is an engine error with what to do, for a form.
func tokenErrorText(err error) string {
	msg := err.Error()
	if advice := health.Advice(err); advice != "" {
		msg += "; " + advice
	}
	return msg
}

func (p *hardwarePage) ShortHelp() []key.Binding {
	if p.flow != nil {
		return p.flowHelp()
	}
	return []key.Binding{p.keys.Setup, p.keys.Generate, p.keys.Unblock, p.keys.Down, p.keys.Back}
}

func (p *hardwarePage) FullHelp() [][]key.Binding {
	if p.flow != nil {
		return [][]key.Binding{p.flowHelp()}
	}
	return [][]key.Binding{
		{p.keys.Up, p.keys.Down, p.keys.PageUp, p.keys.PageDown},
		{p.keys.Setup, p.keys.Generate, p.keys.Unblock, p.keys.Back},
	}
}

func (p *hardwarePage) flowHelp() []key.Binding {
	f := p.flow
	k := f.form.keys
	switch {
	case f.busy():
		return nil
	case f.done != nil && len(f.secrets) > 0:
		return []key.Binding{p.keys.Reveal, withHelp(k.Submit, "enter", "done")}
	case f.done != nil:
		return []key.Binding{withHelp(k.Submit, "enter", "done")}
	case f.kind == flowGenerate || f.kind == flowMove:
		return []key.Binding{k.Submit, k.Next, p.keys.Cached, k.Cancel}
	}
	return []key.Binding{k.Submit, k.Next, k.Cancel}
}

func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

func (p *hardwarePage) View() string {
	if p.flow != nil {
		return p.flowView()
	}
	start, end := p.list.visible()
	return strings.Join(p.lines[start:end], "\n")
}

// scrollInfo says which lines are on screen, for the title line.
func (p *hardwarePage) scrollInfo() (first, last, total int) {
	if p.flow != nil {
		return 0, 0, 0
	}
	first, last = p.list.visible()
	return first, last, p.list.n
}

// flowIntro says what a flow does, before its form.
func flowIntro(f *tokenFlow) []string {
	var out []string
	switch f.kind {
	case flowSetup:
		out = append(out, "Replaces the PUK, sets a random management key stored on the token under the PIN, and replaces the PIN. The new PIN and PUK are random 8-digit numbers, shown once at the end.")
	case flowGenerate:
		out = append(out, "Generates an ECDSA P-256 root key in the first free of the slots notary uses (9c, 9e, 9d, 9a), with the certificate notary keeps beside it. It never leaves the token: there is no backup.")
	case flowUnblock:
		out = append(out, "Sets a new PIN with the PUK. A wrong PUK costs one of its tries.")
	case flowMove:
		out = append(out, "Puts the root key onto the Yubikey, into the first free of the slots notary uses (9c, 9e, 9d, 9a); the key file stays as its backup. The token signs once to prove the key works.")
	}
	if f.kind == flowGenerate || f.kind == flowMove {
		policy := "touch for every signature"
		if f.cached {
			policy = "touch once per 15 seconds"
		}
		out = append(out, "Policy: PIN once per session, "+policy+" (ctrl+t changes it).")
	}
	return out
}

func (p *hardwarePage) flowView() string {
	st := p.c.styles
	f := p.flow
	w := max(p.width, 20)
	var b []string
	add := func(s string) {
		for _, l := range strings.Split(wrap(s, w-2), "\n") {
			b = append(b, "  "+l)
		}
	}
	b = append(b, st.Heading.Render(truncate(f.title(), w)), "")
	switch {
	case f.done != nil:
		for _, l := range f.done {
			add(l)
		}
		b = append(b, p.secretLines(w)...)
		return strings.Join(b, "\n")
	case f.busy() && f.touching:
		b = append(b, "  "+st.Warn.Render(truncate(p.c.spinner.View()+" Touch the Yubikey when it blinks.", w-2)))
		add("It waits about 15 seconds for the touch.")
		return strings.Join(b, "\n")
	case f.busy():
		b = append(b, "  "+truncate(p.c.spinner.View()+" Working with the Yubikey… do not pull it out.", w-2))
		return strings.Join(b, "\n")
	}
	for _, l := range flowIntro(f) {
		add(l)
	}
	b = append(b, "", f.form.View(st, w))
	return strings.Join(b, "\n")
}

// secretLines shows the new PIN and PUK of a finished flow, hidden until
// v.
func (p *hardwarePage) secretLines(w int) []string {
	st := p.c.styles
	f := p.flow
	if len(f.secrets) == 0 {
		return nil
	}
	b := []string{""}
	for _, s := range f.secrets {
		v := strings.Repeat("•", len(s.value))
		if f.revealed {
			v = string(s.value)
		}
		b = append(b, "  "+st.Label.Render(pad(s.label, labelWidth))+st.Present.Render(v))
	}
	if !f.revealed {
		b = append(b, "", "  "+st.Faint.Render(truncate("v reveals them; enter when you have written them down", w-2)))
	}
	return b
}

// hardwareLines lays out the tokens plugged in, the selected one marked.
func hardwareLines(c *common, sel, width int) []string {
	st := c.styles
	tr := c.snap.tokens
	w := max(width, 20)
	var lines []string
	say := func(style Ink, s string) {
		for _, l := range strings.Split(wrap(s, w-2), "\n") {
			lines = append(lines, "  "+style.Render(l))
		}
	}
	switch {
	case !tr.read:
		say(st.Faint, "Tokens are not read in this view.")
		return lines
	case tr.err != nil:
		if token.Unavailable(tr.err) {
			say(st.Warn, "No Yubikey can be reached: "+tokenErrorText(tr.err))
		} else {
			say(st.Bad, tokenErrorText(tr.err))
		}
		return lines
	case len(tr.infos) == 0:
		say(st.Faint, "No Yubikey is plugged in. Plug one in and press r.")
		return lines
	}
	labelW := 16
	add := func(label, value string, style Ink) {
		for i, l := range strings.Split(wrap(value, max(w-labelW-4, 16)), "\n") {
			lab := ""
			if i == 0 {
				lab = label
			}
			lines = append(lines, "    "+st.Label.Render(pad(lab, labelW))+style.Render(l))
		}
	}
	stateStyle := func(s token.State) Ink {
		switch s {
		case token.StateFactory:
			return st.Bad
		case token.StateChanged:
			return st.OK
		}
		return st.Warn
	}
	for i, info := range tr.infos {
		if i > 0 {
			lines = append(lines, "")
		}
		mark := "  "
		if i == sel {
			mark = "▸ "
		}
		if info.Err != nil {
			lines = append(lines, mark+st.Heading.Render(truncate(info.Name(), w-2)))
			say(st.Bad, tokenErrorText(info.Err))
			continue
		}
		lines = append(lines, mark+st.Heading.Render(truncate(fmt.Sprintf("%s · %s · firmware %s", info.Name(), info.Model, info.Version), w-2)))
		add("PIN", credentialText(info.PIN), stateStyle(info.PIN.State))
		if info.PIN.Blocked() {
			add("", "blocked: press u to unblock it with the PUK", st.Bad)
		}
		add("PUK", credentialText(info.PUK), stateStyle(info.PUK.State))
		mk := info.ManagementKey
		mkText := stateWord(mk.State) + " · " + mk.Algorithm
		if mk.Stored {
			mkText += " · stored on the token under the PIN"
		}
		add("Management key", mkText, stateStyle(mk.State))
		add("", "how it is known: "+mk.Source, st.Faint)
		switch {
		case info.SetUp():
			add("Set up", "yes: PIN, PUK and management key replaced", st.OK)
		default:
			add("Set up", "no: press s to replace the factory PIN, PUK and management key", st.Warn)
		}
		keys := map[string]token.Key{}
		for _, k := range token.KeysOf([]token.Info{info}) {
			keys[k.Token.Slot] = k
		}
		if len(info.Slots) == 0 {
			add("Slots", "none hold a key or certificate", st.Faint)
		}
		for _, s := range info.Slots {
			text := slotText(s)
			if k, ok := keys[s.Slot.String()]; ok {
				text += " · " + k.Role + " key " + vault.ShortID(k.ID)
			}
			add("Slot "+s.Slot.String(), text, st.Present)
		}
	}
	lines = append(lines, "", st.Heading.Render("ACTIONS"))
	for _, a := range []struct{ k, text string }{
		{"s", "set up the selected token: new PIN, PUK and management key"},
		{"g", "generate a root key on it (no backup is possible)"},
		{"u", "unblock its PIN with the PUK"},
		{"y", "on a root key's page: move the key file onto the token"},
	} {
		lines = append(lines, "  "+st.Present.Render(pad(a.k, 4))+truncate(a.text, w-6))
	}
	for i, l := range lines {
		lines[i] = truncate(l, w)
	}
	return lines
}

func stateWord(s token.State) string {
	switch s {
	case token.StateFactory:
		return "factory default"
	case token.StateChanged:
		return "changed"
	}
	return "unknown"
}

func credentialText(c token.Credential) string {
	s := stateWord(c.State)
	switch {
	case c.Retries < 0:
	case c.Retries == 0:
		s += " · no tries left"
	case c.Total > 0:
		s += fmt.Sprintf(" · %d of %d tries left", c.Retries, c.Total)
	default:
		s += fmt.Sprintf(" · %s left", plural(c.Retries, "try", "tries"))
	}
	if c.State == token.StateUnknown {
		s += " (a YubiKey 4 cannot say without a try; none is made for you)"
	}
	return s
}

func slotText(s token.Slot) string {
	var parts []string
	switch s.Origin.String() {
	case "generated on the token":
		parts = append(parts, "key generated on the token")
	case "imported":
		parts = append(parts, "key imported")
	case "none":
		parts = append(parts, "no key")
	default:
		parts = append(parts, "key imported, or none")
	}
	if s.Algorithm != "" {
		parts = append(parts, s.Algorithm)
	}
	if p := s.PINPolicy.String(); p != "unknown" {
		parts = append(parts, "PIN "+p)
	}
	if p := s.TouchPolicy.String(); p != "unknown" {
		parts = append(parts, "touch "+p)
	}
	if s.Certificate != nil {
		parts = append(parts, "certificate CN="+s.Certificate.Subject.CommonName)
	}
	return strings.Join(parts, " · ")
}
