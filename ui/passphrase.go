package ui

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/passphrase"
)

// The passphrase chooser: the guided way to a new passphrase, embedded in
// every flow that sets one (generate a key, change a passphrase, harden)
// and shown on its own as the generator page.
//
// It generates words or characters with vault.GeneratePassphrase, or takes
// one the person types, and shows the strength live against the policy's
// minimum for the key's role. A generated passphrase is hidden until the
// person reveals it, and copied to the clipboard (OSC 52) only on request;
// the clipboard is cleared again after clipboardClear or when the flow ends.
// Before the passphrase is handed on, the person proves they saved it: a
// typed one is typed again, a generated one by typing two of its words or
// six of its characters.

// clipboardClear is how long a copied passphrase stays on the clipboard.
const clipboardClear = 30 * time.Second

// chooserMode is where the passphrase comes from.
type chooserMode int

const (
	chooseWords chooserMode = iota
	chooseChars
	chooseTyped
)

func (m chooserMode) String() string {
	switch m {
	case chooseChars:
		return "Characters"
	case chooseTyped:
		return "Type your own"
	default:
		return "Words"
	}
}

// chooserStep is where the person is.
type chooserStep int

const (
	stepChoose chooserStep = iota
	stepConfirm
)

// separators are what the separator key cycles through.
var separators = []string{"-", " ", ".", "_", ""}

// passphraseKeys are the chooser's keys. Letter keys are disabled while the
// person types (their own passphrase, or the confirmation).
type passphraseKeys struct {
	Mode       key.Binding
	More       key.Binding
	Less       key.Binding
	Separator  key.Binding
	Capitals   key.Binding
	Digit      key.Binding
	Symbols    key.Binding
	LookAlikes key.Binding
	Again      key.Binding
	Reveal     key.Binding
	RevealText key.Binding // while typing
	Copy       key.Binding
	Accept     key.Binding
	Back       key.Binding
}

func defaultPassphraseKeys() passphraseKeys {
	return passphraseKeys{
		Mode:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "words / characters / your own")),
		More:       key.NewBinding(key.WithKeys("+", "=", "right"), key.WithHelp("+/→", "longer")),
		Less:       key.NewBinding(key.WithKeys("-", "left"), key.WithHelp("-/←", "shorter")),
		Separator:  key.NewBinding(key.WithKeys("."), key.WithHelp(".", "separator")),
		Capitals:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "capitals")),
		Digit:      key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "digits")),
		Symbols:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "symbols")),
		LookAlikes: key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "look-alikes")),
		Again:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new draw")),
		Reveal:     key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal / hide")),
		RevealText: key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "reveal / hide")),
		Copy:       key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy")),
		Accept:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use it")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// clipSupport is what is known of the terminal's clipboard.
type clipSupport int

const (
	clipUnknown clipSupport = iota // OSC 52 is sent; most terminals take it
	clipNone                       // the terminal cannot take it
)

// clipboardSupport guesses from the environment whether the terminal takes
// OSC 52: the Linux console, dumb and serial terminals do not, and
// TRUSTVAULT_CLIPBOARD=off says the person does not want it.
func clipboardSupport(getenv func(string) string) clipSupport {
	if strings.EqualFold(getenv("TRUSTVAULT_CLIPBOARD"), "off") {
		return clipNone
	}
	switch t := getenv("TERM"); {
	case t == "", t == "dumb", t == "linux", t == "cons25", strings.HasPrefix(t, "vt"):
		return clipNone
	}
	return clipUnknown
}

// passphraseChooser is the component. Its host forwards messages to Update
// and, when it reports done, takes the passphrase with take.
type passphraseChooser struct {
	c    *common
	keys passphraseKeys
	rand io.Reader
	clip clipSupport

	// role is the key's role header: the policy's minimum comes from it.
	// "" shows the minimums of every kind (the generator on its own).
	role string
	// standalone has no confirmation: the generator on its own only
	// shows and copies.
	standalone bool

	mode  chooserMode
	step  chooserStep
	words passphrase.Spec
	chars passphrase.Spec

	generated []byte // the current draw (words or characters)
	drawSeq   int    // the draw being waited for
	typed     lineInput
	revealed  bool
	// seen is the draw the person last revealed or copied: a generated
	// passphrase is confirmed only once it was shown or copied, as the
	// confirmation asks for parts of it.
	seen int
	// estimate is zxcvbn's estimate of the typed passphrase, computed in a
	// command; seq discards stale ones.
	estimate passphrase.Strength
	seq      int
	pending  bool

	// copied is set while the clipboard holds a passphrase of ours;
	// clipSeq tells the clearing timer whether it is still the one.
	copied  bool
	clipSeq int

	// confirm: what the person must type again, and where it is.
	confirm     lineInput
	confirmWant []byte
	confirmAsk  string

	note string // a line under the passphrase: copied, errors
	bad  bool   // note is an error
}

// newPassphraseChooser starts with seven generated words (or, for
// standalone, the same).
func newPassphraseChooser(c *common, role string, standalone bool) *passphraseChooser {
	ch := &passphraseChooser{
		c: c, keys: defaultPassphraseKeys(), rand: rand.Reader,
		clip: clipboardSupport(os.Getenv), role: role, standalone: standalone,
		words: passphrase.DefaultWordSpec(), chars: passphrase.DefaultCharSpec(),
	}
	ch.typed = newSecretInput(c.styles, "type or paste a passphrase")
	ch.confirm = newSecretInput(c.styles, "")
	return ch
}

// newSecretInput is a bare input that echoes dots, as a secret form
// field's.
func newSecretInput(st Styles, placeholder string) lineInput {
	in := newField(st, "", "", "", true).input
	in.Placeholder = placeholder
	return in
}

// init draws the first passphrase.
func (ch *passphraseChooser) init() tea.Cmd {
	ch.setKeys()
	return ch.draw()
}

// capturing reports whether the person is typing: the root then passes
// every key on.
func (ch *passphraseChooser) capturing() bool {
	return ch.mode == chooseTyped || ch.step == stepConfirm
}

// spec is the generator's current parameters.
func (ch *passphraseChooser) spec() passphrase.Spec {
	if ch.mode == chooseChars {
		return ch.chars
	}
	return ch.words
}

// strength is the current passphrase's strength.
func (ch *passphraseChooser) strength() passphrase.Strength {
	if ch.mode == chooseTyped {
		return ch.estimate
	}
	return ch.spec().Strength()
}

// minimum is the policy's minimum for the role (the root minimum, the
// strictest, when there is no role).
func (ch *passphraseChooser) minimum() int {
	return passphrase.DefaultPolicy().Min(keyrole.KindOf(ch.roleOrRoot()))
}

func (ch *passphraseChooser) roleOrRoot() string { return roleOrRoot(ch.role) }

// roleOrRoot is role, or root (the strictest) when there is none.
func roleOrRoot(role string) string {
	if role == "" {
		return "root"
	}
	return role
}

// draw forgets the current passphrase and generates a new one with the
// current parameters, in a command like every call to the engine.
func (ch *passphraseChooser) draw() tea.Cmd {
	zero(ch.generated)
	ch.generated = nil
	ch.drawSeq++
	if ch.mode == chooseTyped {
		return nil
	}
	return drawPassphraseCmd(ch.drawSeq, ch.spec(), ch.rand)
}

// passphraseDrawnMsg is a generated passphrase; seq discards stale ones.
type passphraseDrawnMsg struct {
	seq  int
	pass []byte
}

func drawPassphraseCmd(seq int, spec passphrase.Spec, r io.Reader) tea.Cmd {
	return func() tea.Msg {
		p, err := passphrase.Generate(spec, r)
		if err != nil {
			return errorMsg{err: err}
		}
		return passphraseDrawnMsg{seq: seq, pass: p}
	}
}

// setKeys enables the keys that apply in the current mode and step.
func (ch *passphraseChooser) setKeys() {
	k := &ch.keys
	choosing := ch.step == stepChoose
	gen := choosing && ch.mode != chooseTyped
	words := gen && ch.mode == chooseWords
	chars := gen && ch.mode == chooseChars
	k.Mode.SetEnabled(choosing)
	k.More.SetEnabled(gen)
	k.Less.SetEnabled(gen)
	k.Again.SetEnabled(gen)
	k.Reveal.SetEnabled(gen)
	k.Copy.SetEnabled(gen)
	k.Separator.SetEnabled(words)
	k.Capitals.SetEnabled(words)
	k.Digit.SetEnabled(gen)
	k.Symbols.SetEnabled(chars)
	k.LookAlikes.SetEnabled(chars)
	k.RevealText.SetEnabled(!gen)
	k.Accept.SetEnabled(!(ch.standalone && gen))
	switch {
	case ch.step == stepConfirm:
		k.Accept.SetHelp("enter", "confirm")
		k.Back.SetHelp("esc", "back")
	default:
		k.Accept.SetHelp("enter", "use it")
		k.Back.SetHelp("esc", "cancel")
		if ch.standalone {
			k.Back.SetHelp("esc", "close")
		}
	}
}

// chooserResult is what an Update means for the host.
type chooserResult int

const (
	chooserWorking   chooserResult = iota
	chooserDone                    // a confirmed passphrase is ready: take it
	chooserCancelled               // the person gave up; the chooser is cleared
)

// Messages of the chooser's own commands.
type (
	// strengthEstimatedMsg is zxcvbn's estimate of the typed passphrase.
	strengthEstimatedMsg struct {
		seq      int
		strength passphrase.Strength
	}
	// clipboardExpiredMsg ends a copy's time on the clipboard.
	clipboardExpiredMsg struct{ seq int }
)

// estimateCmd estimates a typed passphrase's strength off the event loop:
// zxcvbn takes milliseconds on a long one.
func estimateCmd(seq int, pass []byte, role string) tea.Cmd {
	return func() tea.Msg {
		defer zero(pass)
		return strengthEstimatedMsg{seq: seq, strength: passphrase.Estimate(pass, role)}
	}
}

// Update handles a message for the chooser.
func (ch *passphraseChooser) Update(msg tea.Msg) (chooserResult, tea.Cmd) {
	switch msg := msg.(type) {
	case passphraseDrawnMsg:
		if msg.seq != ch.drawSeq {
			zero(msg.pass)
		} else {
			ch.generated = msg.pass
		}
		return chooserWorking, nil
	case strengthEstimatedMsg:
		if msg.seq == ch.seq {
			ch.estimate, ch.pending = msg.strength, false
		}
		return chooserWorking, nil
	case clipboardExpiredMsg:
		if ch.copied && msg.seq == ch.clipSeq {
			ch.copied = false
			ch.note, ch.bad = "The clipboard was cleared.", false
			return chooserWorking, tea.SetClipboard("")
		}
		return chooserWorking, nil
	case tea.KeyPressMsg:
		if ch.step == stepConfirm {
			return ch.updateConfirm(msg)
		}
		return ch.updateChoose(msg)
	case tea.PasteMsg:
		if ch.step == stepConfirm {
			var cmd tea.Cmd
			ch.confirm, cmd = ch.confirm.Update(msg)
			return chooserWorking, cmd
		}
		if ch.mode == chooseTyped {
			return chooserWorking, ch.updateTyped(msg)
		}
		return chooserWorking, nil
	}
	// Cursor blinks and the like go to the input that has the focus.
	var cmd tea.Cmd
	switch {
	case ch.step == stepConfirm:
		ch.confirm, cmd = ch.confirm.Update(msg)
	case ch.mode == chooseTyped:
		ch.typed, cmd = ch.typed.Update(msg)
	}
	return chooserWorking, cmd
}

func (ch *passphraseChooser) updateChoose(msg tea.KeyPressMsg) (chooserResult, tea.Cmd) {
	k := ch.keys
	ch.note, ch.bad = "", false
	switch {
	case key.Matches(msg, k.Back):
		return chooserCancelled, ch.clear()
	case key.Matches(msg, k.Mode):
		ch.mode = (ch.mode + 1) % 3
		if ch.standalone && ch.mode == chooseTyped {
			ch.mode = chooseWords
		}
		ch.revealed = false
		draw := ch.draw()
		ch.setKeys()
		if ch.mode == chooseTyped {
			return chooserWorking, ch.typed.Focus()
		}
		ch.typed.Blur()
		return chooserWorking, draw
	case key.Matches(msg, k.Accept):
		return ch.accept()
	case key.Matches(msg, k.RevealText):
		ch.revealed = !ch.revealed
		if ch.revealed {
			ch.typed.SetEchoMode(echoNormal)
		} else {
			ch.typed.SetEchoMode(echoPassword)
		}
		return chooserWorking, nil
	}
	if ch.mode == chooseTyped {
		return chooserWorking, ch.updateTyped(msg)
	}
	switch {
	case key.Matches(msg, k.More):
		return chooserWorking, ch.adjust(1)
	case key.Matches(msg, k.Less):
		return chooserWorking, ch.adjust(-1)
	case key.Matches(msg, k.Again):
		ch.note = "A new draw."
		if !ch.revealed {
			ch.note += " It is hidden: v shows it."
		}
		return chooserWorking, ch.draw()
	case key.Matches(msg, k.Reveal):
		ch.revealed = !ch.revealed
		if ch.revealed {
			ch.seen = ch.drawSeq
		}
	case key.Matches(msg, k.Copy):
		return chooserWorking, ch.copy()
	case key.Matches(msg, k.Separator):
		return chooserWorking, ch.cycleSeparator()
	case key.Matches(msg, k.Capitals):
		ch.words.Capitalize = !ch.words.Capitalize
		if ch.words.Validate() != nil { // an empty separator needs capitals
			ch.words.Separator = separators[0]
		}
		return chooserWorking, ch.draw()
	case key.Matches(msg, k.Digit):
		if ch.mode == chooseWords {
			ch.words.Digit = !ch.words.Digit
		} else {
			ch.chars.Digits = !ch.chars.Digits
		}
		return chooserWorking, ch.draw()
	case key.Matches(msg, k.Symbols):
		ch.chars.Symbols = !ch.chars.Symbols
		return chooserWorking, ch.draw()
	case key.Matches(msg, k.LookAlikes):
		ch.chars.LookAlikes = !ch.chars.LookAlikes
		return chooserWorking, ch.draw()
	}
	return chooserWorking, nil
}

// adjust makes the generated passphrase longer or shorter.
func (ch *passphraseChooser) adjust(d int) tea.Cmd {
	if ch.mode == chooseWords {
		ch.words.Words = min(max(ch.words.Words+d, passphrase.MinWords), passphrase.MaxWords)
	} else {
		ch.chars.Length = min(max(ch.chars.Length+d, passphrase.MinLength), passphrase.MaxLength)
	}
	return ch.draw()
}

func (ch *passphraseChooser) cycleSeparator() tea.Cmd {
	i := 0
	for j, s := range separators {
		if s == ch.words.Separator {
			i = j
		}
	}
	for {
		i = (i + 1) % len(separators)
		next := ch.words
		next.Separator = separators[i]
		if next.Validate() == nil {
			ch.words = next
			break
		}
	}
	return ch.draw()
}

// updateTyped edits the typed passphrase and asks for a new estimate.
func (ch *passphraseChooser) updateTyped(msg tea.Msg) tea.Cmd {
	before := ch.typed.Value()
	var cmd tea.Cmd
	ch.typed, cmd = ch.typed.Update(msg)
	if ch.typed.Value() == before {
		return cmd
	}
	ch.seq++
	if ch.typed.Value() == "" {
		ch.estimate, ch.pending = passphrase.Strength{Estimated: true}, false
		return cmd
	}
	ch.pending = true
	return tea.Batch(cmd, estimateCmd(ch.seq, []byte(ch.typed.Value()), ch.roleOrRoot()))
}

// copy puts the generated passphrase on the clipboard and starts the timer
// that clears it.
func (ch *passphraseChooser) copy() tea.Cmd {
	if ch.clip == clipNone {
		ch.note, ch.bad = "This terminal cannot take text for the clipboard (no OSC 52): press v to reveal the passphrase and copy it by hand.", true
		return nil
	}
	if len(ch.generated) == 0 {
		return nil
	}
	ch.copied = true
	ch.seen = ch.drawSeq
	ch.clipSeq++
	ch.note, ch.bad = fmt.Sprintf("Copied to the clipboard (OSC 52; if your terminal allows it). It is cleared in %d s or when you leave.", int(clipboardClear/time.Second)), false
	seq := ch.clipSeq
	return tea.Batch(
		tea.SetClipboard(string(ch.generated)),
		tea.Tick(clipboardClear, func(time.Time) tea.Msg { return clipboardExpiredMsg{seq: seq} }),
	)
}

// accept checks the passphrase against the policy and moves to the
// confirmation.
func (ch *passphraseChooser) accept() (chooserResult, tea.Cmd) {
	var pass []byte
	var s passphrase.Strength
	if ch.mode == chooseTyped {
		if ch.typed.Value() == "" {
			return chooserWorking, nil
		}
		if ch.pending {
			ch.note, ch.bad = "Still estimating the strength; press enter again in a moment.", false
			return chooserWorking, nil
		}
		pass, s = []byte(ch.typed.Value()), ch.estimate
	} else {
		if ch.generated == nil {
			return chooserWorking, nil // the draw is not back yet
		}
		pass = bytes.Clone(ch.generated)
		s = ch.spec().Strength()
	}
	if err := passphrase.DefaultPolicy().Check(ch.roleOrRoot(), s); err != nil {
		zero(pass)
		words := passphrase.WordsFor(float64(ch.minimum()))
		var weak *passphrase.WeakError
		if errors.As(err, &weak) {
			words = weak.Words()
		}
		msg := err.Error()
		ch.note, ch.bad = strings.ToUpper(msg[:1])+msg[1:]+fmt.Sprintf(": make it longer, or use %d generated words.", words), true
		return chooserWorking, nil
	}
	if ch.mode != chooseTyped && !ch.standalone && !ch.revealed && ch.seen != ch.drawSeq {
		zero(pass)
		ch.note, ch.bad = "Save the passphrase first: press v to show it (or y to copy it) and write it down; the next step asks for parts of it.", true
		return chooserWorking, nil
	}
	zero(ch.confirmWant)
	ch.confirmWant, ch.confirmAsk = ch.challenge(pass)
	zero(pass)
	ch.step = stepConfirm
	ch.typed.Blur()
	ch.confirm.Reset()
	ch.setKeys()
	return chooserWorking, ch.confirm.Focus()
}

// challenge picks what the person must type to show they saved the
// passphrase: all of a typed one; two words, or six characters, of a
// generated one, at random places.
func (ch *passphraseChooser) challenge(pass []byte) (want []byte, ask string) {
	switch ch.mode {
	case chooseWords:
		words := splitWords(pass, ch.words)
		i := randIndex(ch.rand, len(words))
		j := randIndex(ch.rand, len(words)-1)
		if j >= i {
			j++
		}
		i, j = min(i, j), max(i, j)
		want = append(append(bytes.Clone(words[i]), ' '), words[j]...)
		return want, fmt.Sprintf("Type words %d and %d of it, as written, with a space between", i+1, j+1)
	case chooseChars:
		const n = 6
		start := randIndex(ch.rand, len(pass)-n+1)
		return bytes.Clone(pass[start : start+n]), fmt.Sprintf("Type characters %d to %d of it", start+1, start+n)
	default:
		return bytes.Clone(pass), "Type it again"
	}
}

// splitWords splits a generated word passphrase into its words (the digit
// stays with its word).
func splitWords(pass []byte, spec passphrase.Spec) [][]byte {
	if spec.Separator != "" {
		return bytes.Split(pass, []byte(spec.Separator))
	}
	var words [][]byte
	start := 0
	for i := 1; i < len(pass); i++ {
		if pass[i] >= 'A' && pass[i] <= 'Z' {
			words = append(words, pass[start:i])
			start = i
		}
	}
	return append(words, pass[start:])
}

// randIndex is an unbiased index below n, 0 when randomness fails.
func randIndex(r io.Reader, n int) int {
	if n <= 1 {
		return 0
	}
	v, err := rand.Int(r, big.NewInt(int64(n)))
	if err != nil {
		return 0
	}
	return int(v.Int64())
}

func (ch *passphraseChooser) updateConfirm(msg tea.KeyPressMsg) (chooserResult, tea.Cmd) {
	switch {
	case key.Matches(msg, ch.keys.Back):
		ch.step = stepChoose
		ch.confirm.Reset()
		ch.confirm.Blur()
		ch.note, ch.bad = "", false
		ch.setKeys()
		if ch.mode == chooseTyped {
			return chooserWorking, ch.typed.Focus()
		}
		return chooserWorking, nil
	case key.Matches(msg, ch.keys.Accept):
		got := []byte(ch.confirm.Value())
		defer zero(got)
		if ch.mode == chooseWords {
			got = []byte(strings.Join(strings.Fields(string(got)), " "))
		}
		if !bytes.Equal(got, ch.confirmWant) {
			ch.confirm.Reset()
			ch.note, ch.bad = "That does not match. Look at the copy you saved and try again (esc goes back).", true
			return chooserWorking, nil
		}
		ch.note, ch.bad = "", false
		return chooserDone, nil
	case key.Matches(msg, ch.keys.RevealText):
		if ch.confirm.EchoMode == echoPassword {
			ch.confirm.SetEchoMode(echoNormal)
		} else {
			ch.confirm.SetEchoMode(echoPassword)
		}
		return chooserWorking, nil
	}
	var cmd tea.Cmd
	ch.confirm, cmd = ch.confirm.Update(msg)
	return chooserWorking, cmd
}

// take hands the confirmed passphrase to the host, which zeroes it, and
// clears the chooser; the command clears the clipboard if it holds a copy.
func (ch *passphraseChooser) take() ([]byte, tea.Cmd) {
	var p []byte
	if ch.mode == chooseTyped {
		p = []byte(ch.typed.Value())
	} else {
		p = bytes.Clone(ch.generated)
	}
	return p, ch.clear()
}

// clear forgets every secret the chooser holds; the command clears the
// clipboard when a copy of ours may still be on it.
func (ch *passphraseChooser) clear() tea.Cmd {
	zero(ch.generated)
	zero(ch.confirmWant)
	ch.generated, ch.confirmWant = nil, nil
	ch.typed.Reset()
	ch.confirm.Reset()
	ch.revealed = false
	if ch.copied {
		ch.copied = false
		ch.clipSeq++
		return tea.SetClipboard("")
	}
	return nil
}

// help lists the keys that apply now.
func (ch *passphraseChooser) help() []key.Binding {
	k := ch.keys
	return []key.Binding{k.Accept, k.Mode, k.Reveal, k.RevealText, k.Copy, k.Again, k.More, k.Less, k.Back}
}

func (ch *passphraseChooser) fullHelp() [][]key.Binding {
	k := ch.keys
	return [][]key.Binding{
		{k.Mode, k.More, k.Less, k.Separator, k.Capitals, k.Digit, k.Symbols, k.LookAlikes},
		{k.Again, k.Reveal, k.RevealText, k.Copy, k.Accept, k.Back},
	}
}

// strengthLine is a bar and its words. The bar is full at one and a half
// times the minimum; it is shorter on narrow terminals.
func strengthLine(st Styles, s passphrase.Strength, minimum int, role string, width int) string {
	barW := 24
	if width < 90 {
		barW = 16
	}
	full := float64(minimum) * 1.5
	filled := int(math.Round(math.Min(s.Bits/full, 1) * float64(barW)))
	what := fmt.Sprintf("%s minimum %d", keyrole.KindOf(roleOrRoot(role)), minimum)
	ink, verdict := st.OK, "meets the "+what
	switch {
	case s.Bits < float64(minimum):
		ink, verdict = st.Bad, "too weak ("+what+")"
	case s.Bits < float64(minimum)+8:
		ink, verdict = st.Warn, "just meets the "+what
	case s.Bits >= full:
		verdict = "strong (" + what + ")"
	}
	bits := fmt.Sprintf("%.1f bits", s.Bits)
	if s.Estimated {
		bits = fmt.Sprintf("about %d bits", int(s.Bits))
	}
	text := bits + " · " + verdict
	if width < barW+24 {
		return ink.Render(truncate(text, width))
	}
	bar := ink.Render(strings.Repeat("█", filled)) + st.Faint.Render(strings.Repeat("░", barW-filled))
	return bar + " " + truncate(text, width-barW-1)
}

// View draws the chooser in width columns.
func (ch *passphraseChooser) View(width int) string {
	st := ch.c.styles
	var b strings.Builder
	line := func(s string) { b.WriteString("\n" + s) }
	const labelW = 12
	label := func(s string) string { return st.Label.Render(pad(s, labelW)) }
	inner := max(width-labelW, 8)

	if ch.step == stepConfirm {
		b.WriteString(st.SubHeading.Render(truncate("Confirm the passphrase", width)))
		line(wrap("Save it now, in your password manager or on paper kept safe: the key cannot be opened without it. "+ch.confirmAsk+".", width))
		ch.confirm.SetWidth(max(inner-2, 4))
		line("")
		line(label("Confirm") + "▸ " + ch.confirm.View())
		if ch.note != "" {
			line(noteInk(st, ch.bad).Render(wrap(ch.note, width)))
		}
		return b.String()
	}

	// The mode tabs.
	var tabs []string
	for _, m := range []chooserMode{chooseWords, chooseChars, chooseTyped} {
		if ch.standalone && m == chooseTyped {
			continue
		}
		if m == ch.mode {
			tabs = append(tabs, st.Present.Render("["+m.String()+"]"))
		} else {
			tabs = append(tabs, st.Faint.Render(" "+m.String()+" "))
		}
	}
	b.WriteString(label("Source") + truncate(strings.Join(tabs, " "), inner))

	switch ch.mode {
	case chooseWords:
		w := ch.words
		sep := fmt.Sprintf("%q", w.Separator)
		line(label("Words") + truncate(fmt.Sprintf("%d of %d  ·  separator %s  ·  capitals %s  ·  digit %s",
			w.Words, passphrase.WordListSize(), sep, onOff(w.Capitalize), onOff(w.Digit)), inner))
	case chooseChars:
		c := ch.chars
		line(label("Characters") + truncate(fmt.Sprintf("%d  ·  digits %s  ·  symbols %s  ·  look-alikes %s",
			c.Length, onOff(c.Digits), onOff(c.Symbols), onOff(c.LookAlikes)), inner))
	}

	line("")
	switch {
	case ch.mode == chooseTyped:
		ch.typed.SetWidth(max(inner-2, 4))
		line(label("Passphrase") + "▸ " + ch.typed.View())
	case ch.revealed:
		line(label("Passphrase") + wrapIndent(string(ch.generated), inner, labelW))
	default:
		line(label("Passphrase") + st.Faint.Render(truncate(hiddenText(ch.spec()), inner)))
	}
	s := ch.strength()
	switch {
	case ch.mode == chooseTyped && ch.typed.Value() == "":
		line(label("Strength") + st.Faint.Render(truncate("type to see the estimate", inner)))
	case ch.mode == chooseTyped && ch.pending:
		line(label("Strength") + st.Faint.Render("estimating…"))
	default:
		line(label("Strength") + strengthLine(st, s, ch.minimum(), ch.role, inner))
	}
	if ch.note != "" {
		line(noteInk(st, ch.bad).Render(wrap(ch.note, width)))
	}
	return b.String()
}

func noteInk(st Styles, bad bool) Ink {
	if bad {
		return st.Bad
	}
	return st.OK
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// hiddenText stands for a hidden generated passphrase.
func hiddenText(s passphrase.Spec) string {
	if s.Mode == passphrase.ModeWords {
		return fmt.Sprintf("•••••••• %d words, hidden · v reveals · y copies", s.Words)
	}
	return fmt.Sprintf("•••••••• %d characters, hidden · v reveals · y copies", s.Length)
}

// wrapIndent wraps s to width and indents the continuation lines.
func wrapIndent(s string, width, indent int) string {
	lines := strings.Split(wrap(s, width), "\n")
	return strings.Join(lines, "\n"+strings.Repeat(" ", indent))
}
