package ui

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"

	"charm.land/bubbles/v2/cursor"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/passphrase"
	"github.com/trustvault/trustvault/vault/tuf"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

func seeded(seed byte) *mathrand.ChaCha8 {
	return mathrand.NewChaCha8([32]byte{'u', 'i', 'p', seed})
}

// testChooser is a chooser with seeded randomness, drawn again.
func testChooser(role string, standalone bool) *passphraseChooser {
	c := &common{styles: PlainStyles()}
	ch := newPassphraseChooser(c, role, standalone)
	ch.rand = seeded(1)
	ch.clip = clipUnknown
	for _, m := range runAll(ch.init()) {
		ch.Update(m)
	}
	return ch
}

// send delivers key presses to a chooser and returns the last result and
// the messages its commands produced.
func chooserPress(ch *passphraseChooser, keys ...string) (chooserResult, []tea.Msg) {
	var res chooserResult
	var msgs []tea.Msg
	for _, k := range keys {
		var cmd tea.Cmd
		res, cmd = ch.Update(keyPress(k))
		for _, m := range runAll(cmd) {
			msgs = append(msgs, m)
			if r, c := ch.Update(m); c != nil || r != chooserWorking {
				res = r
			}
		}
	}
	return res, msgs
}

// runAll runs a command and the commands in a batch, but no timers.
func runAll(cmd tea.Cmd) []tea.Msg {
	if cmd == nil || isTimer(cmd) {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runAll(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// clipboardText returns what a tea.SetClipboard message carries, if msg is
// one.
func clipboardText(msg tea.Msg) (string, bool) {
	if fmt.Sprintf("%T", msg) != "tea.setClipboardMsg" {
		return "", false
	}
	return fmt.Sprint(msg), true
}

// plainView is the chooser's view without styles.
func plainView(ch *passphraseChooser, width int) string { return ansi.Strip(ch.View(width)) }

func TestChooserGenerated(t *testing.T) {
	ch := testChooser("root", false)
	first := string(ch.generated)
	if ch.mode != chooseWords || strings.Count(first, "-") != 6 {
		t.Fatalf("first draw %q in mode %v", first, ch.mode)
	}
	view := plainView(ch, 100)
	if strings.Contains(view, first) || !strings.Contains(view, "7 words, hidden") {
		t.Errorf("hidden passphrase shown:\n%s", view)
	}
	if !strings.Contains(view, "90.5 bits · meets the root minimum 80") {
		t.Errorf("strength line:\n%s", view)
	}

	chooserPress(ch, "v")
	if !strings.Contains(plainView(ch, 100), first) {
		t.Errorf("v does not reveal:\n%s", plainView(ch, 100))
	}
	chooserPress(ch, "v")
	if strings.Contains(plainView(ch, 100), first) {
		t.Error("v does not hide again")
	}

	// Longer, shorter: new draws with the exact entropy.
	chooserPress(ch, "+")
	if ch.words.Words != 8 || string(ch.generated) == first || !strings.Contains(plainView(ch, 100), "103.4 bits") {
		t.Errorf("+: %d words:\n%s", ch.words.Words, plainView(ch, 100))
	}
	chooserPress(ch, "-", "-", "-")
	if ch.words.Words != 5 || !strings.Contains(plainView(ch, 100), "64.6 bits · too weak (root minimum 80)") {
		t.Errorf("5 words:\n%s", plainView(ch, 100))
	}
	// Too weak for a root key: refused, saying how many words would do.
	if res, _ := chooserPress(ch, "enter"); res != chooserWorking || ch.step != stepChoose ||
		!strings.Contains(ch.note, "Passphrase too weak for a root key: 64 bits, the minimum is 80: make it longer, or use 7 generated words.") {
		t.Fatalf("weak accepted: %v, note %q", ch.step, ch.note)
	}
	// Separator, capitals, digit.
	chooserPress(ch, "+", "+", ".", "c", "d")
	if ch.words.Separator != " " || !ch.words.Capitalize || !ch.words.Digit {
		t.Errorf("word options: %+v", ch.words)
	}
	chooserPress(ch, ".", ".", ".") // " " → "." → "_" → "" (allowed: capitals on)
	if ch.words.Separator != "" {
		t.Errorf("separator %q, want empty", ch.words.Separator)
	}
	chooserPress(ch, "c") // capitals off: an empty separator is not allowed any more
	if ch.words.Separator != "-" || ch.words.Validate() != nil {
		t.Errorf("capitals off with an empty separator: %+v", ch.words)
	}

	// Characters.
	chooserPress(ch, "tab")
	if ch.mode != chooseChars || len(ch.generated) != 20 || !strings.Contains(plainView(ch, 100), "114.1 bits") {
		t.Fatalf("characters: %q\n%s", ch.generated, plainView(ch, 100))
	}
	chooserPress(ch, "s", "+", "+", "+", "+")
	if !ch.chars.Symbols || len(ch.generated) != 24 || !strings.Contains(plainView(ch, 100), "148.2 bits") {
		t.Errorf("24 with symbols: %q\n%s", ch.generated, plainView(ch, 100))
	}
}

func TestChooserClipboard(t *testing.T) {
	ch := testChooser("targets", false)
	pass := string(ch.generated)
	_, msgs := chooserPress(ch, "y")
	var set []string
	for _, m := range msgs {
		if s, ok := clipboardText(m); ok {
			set = append(set, s)
		}
	}
	if len(set) != 1 || set[0] != pass || !ch.copied {
		t.Fatalf("y did not copy the passphrase: %d clipboard writes", len(set))
	}
	// The timer fires: the clipboard is cleared. An older timer does nothing.
	if _, cmd := ch.Update(clipboardExpiredMsg{seq: ch.clipSeq - 1}); cmd != nil || !ch.copied {
		t.Error("a stale timer cleared the clipboard")
	}
	_, cmd := ch.Update(clipboardExpiredMsg{seq: ch.clipSeq})
	if s, ok := clipboardText(runAll(cmd)[0]); !ok || s != "" || ch.copied {
		t.Errorf("the clipboard was not cleared after the timeout")
	}
	if !strings.Contains(ch.note, "cleared") {
		t.Errorf("note %q", ch.note)
	}

	// Copied, then the flow ends: cleared at once.
	ch = testChooser("targets", false)
	res, cmd := ch.Update(keyPress("y"))
	_ = res
	if cmd == nil || !ch.copied {
		t.Fatal("y did nothing")
	}
	_, clear := ch.take()
	if s, ok := clipboardText(clear()); !ok || s != "" {
		t.Errorf("take did not clear the clipboard")
	}

	// A terminal without OSC 52: says so, copies nothing.
	ch = testChooser("targets", false)
	ch.clip = clipboardSupport(func(k string) string { return map[string]string{"TERM": "linux"}[k] })
	if _, msgs := chooserPress(ch, "y"); len(msgs) != 0 || !strings.Contains(ch.note, "cannot take text for the clipboard") {
		t.Errorf("no clipboard: %d messages, note %q", len(msgs), ch.note)
	}
	for _, tc := range []struct {
		env  map[string]string
		want clipSupport
	}{
		{map[string]string{"TERM": "xterm-256color"}, clipUnknown},
		{map[string]string{"TERM": "tmux-256color"}, clipUnknown},
		{map[string]string{"TERM": "dumb"}, clipNone},
		{map[string]string{"TERM": "vt100"}, clipNone},
		{map[string]string{}, clipNone},
		{map[string]string{"TERM": "xterm", "TRUSTVAULT_CLIPBOARD": "off"}, clipNone},
	} {
		if got := clipboardSupport(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("clipboardSupport(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}

// confirmAnswer works out what the confirmation asks for from its prompt.
func confirmAnswer(t *testing.T, ch *passphraseChooser, pass string) string {
	t.Helper()
	if m := regexp.MustCompile(`^Type words (\d+) and (\d+)`).FindStringSubmatch(ch.confirmAsk); m != nil {
		words := strings.Split(pass, ch.words.Separator)
		var i, j int
		fmt.Sscan(m[1], &i)
		fmt.Sscan(m[2], &j)
		return words[i-1] + " " + words[j-1]
	}
	if m := regexp.MustCompile(`^Type characters (\d+) to (\d+)`).FindStringSubmatch(ch.confirmAsk); m != nil {
		var i, j int
		fmt.Sscan(m[1], &i)
		fmt.Sscan(m[2], &j)
		return pass[i-1 : j]
	}
	return pass
}

func TestChooserConfirm(t *testing.T) {
	for _, mode := range []string{"words", "chars"} {
		t.Run(mode, func(t *testing.T) {
			ch := testChooser("targets", false)
			if mode == "chars" {
				chooserPress(ch, "tab")
			}
			pass := string(ch.generated)
			// Never shown nor copied: the confirmation would ask for
			// parts of a passphrase the person never saw.
			chooserPress(ch, "enter")
			if ch.step != stepChoose || !strings.Contains(ch.note, "press v to show it") {
				t.Fatalf("enter before v or y: step %v, note %q", ch.step, ch.note)
			}
			chooserPress(ch, "v", "v") // shown, then hidden again
			chooserPress(ch, "enter")
			if ch.step != stepConfirm || !ch.capturing() {
				t.Fatalf("enter: step %v, note %q", ch.step, ch.note)
			}
			if !strings.Contains(plainView(ch, 80), "Save it now") || strings.Contains(plainView(ch, 80), pass) {
				t.Errorf("confirm view:\n%s", plainView(ch, 80))
			}
			// Wrong: refused, asked again.
			res, _ := chooserPress(ch, strings.Split("nope", "")...)
			res, _ = chooserPress(ch, "enter")
			if res != chooserWorking || !strings.Contains(ch.note, "does not match") {
				t.Fatalf("wrong confirmation: %v, %q", res, ch.note)
			}
			// esc goes back to the choice, keeping the passphrase.
			chooserPress(ch, "esc")
			if ch.step != stepChoose || string(ch.generated) != pass {
				t.Fatal("esc in the confirmation lost the passphrase")
			}
			chooserPress(ch, "enter")
			answer := confirmAnswer(t, ch, pass)
			for _, r := range answer {
				ch.Update(keyPress(string(r)))
			}
			if res, _ := chooserPress(ch, "enter"); res != chooserDone {
				t.Fatalf("right confirmation (%s): %v, %q", ch.confirmAsk, res, ch.note)
			}
			got, _ := ch.take()
			if string(got) != pass || ch.generated != nil || ch.confirmWant != nil {
				t.Errorf("take: got the passphrase %v, chooser cleared %v", string(got) == pass, ch.generated == nil)
			}
		})
	}
}

func TestChooserTyped(t *testing.T) {
	ch := testChooser("snapshot", false)
	chooserPress(ch, "tab", "tab")
	if ch.mode != chooseTyped || !ch.capturing() || ch.generated != nil {
		t.Fatalf("typed mode: %v", ch.mode)
	}
	// Letters are typed, not taken as keys.
	for _, r := range "Tr0ub4dor&3" {
		chooserPress(ch, string(r))
	}
	if ch.typed.Value() != "Tr0ub4dor&3" || ch.pending {
		t.Fatalf("typed %q, pending %v", ch.typed.Value(), ch.pending)
	}
	if v := plainView(ch, 100); !strings.Contains(v, "about 44 bits · too weak (snapshot minimum 64)") || strings.Contains(v, "Tr0ub4dor") {
		t.Errorf("typed view:\n%s", v)
	}
	chooserPress(ch, "ctrl+t")
	if !strings.Contains(plainView(ch, 100), "Tr0ub4dor&3") {
		t.Error("ctrl+t does not reveal the typed passphrase")
	}
	chooserPress(ch, "ctrl+t")
	chooserPress(ch, "enter")
	if ch.step != stepChoose || !strings.Contains(ch.note, "too weak for a snapshot key: about 44 bits, the minimum is 64") {
		t.Fatalf("weak typed passphrase: %v %q", ch.step, ch.note)
	}
	// Stale estimates are dropped.
	ch.Update(strengthEstimatedMsg{seq: ch.seq - 1, strength: passphrase.Strength{Bits: 500}})
	if ch.estimate.Bits > 100 {
		t.Error("a stale estimate was taken")
	}
	// Esc cancels and forgets.
	if res, _ := chooserPress(ch, "esc"); res != chooserCancelled || ch.typed.Value() != "" {
		t.Errorf("esc: %v, typed %q", res, ch.typed.Value())
	}
}

func TestChooserStandalone(t *testing.T) {
	ch := testChooser("", true)
	chooserPress(ch, "tab", "tab")
	if ch.mode != chooseWords {
		t.Errorf("the generator on its own offers typing: mode %v", ch.mode)
	}
	if res, _ := chooserPress(ch, "enter"); res != chooserWorking || ch.step != stepChoose {
		t.Error("enter does something on the generator on its own")
	}
	if !strings.Contains(plainView(ch, 120), "meets the root minimum 80") {
		t.Errorf("standalone strength line:\n%s", plainView(ch, 120))
	}
}

// newKeys lists the IDs in s that are not in before.
func newKeys(t *testing.T, s *vault.Store, before map[string]bool) []vault.Key {
	t.Helper()
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	var out []vault.Key
	for _, k := range keys {
		if !before[k.ID] {
			out = append(out, k)
		}
	}
	return out
}

func keyIDs(t *testing.T, s *vault.Store) map[string]bool {
	t.Helper()
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, k := range keys {
		m[k.ID] = true
	}
	return m
}

// TestGenerateKeyFlow: n on a repository page, a targets key, seven
// generated words, confirmed; the key is stored and opens with them.
func TestGenerateKeyFlow(t *testing.T) {
	_, s := demoStore(t)
	const gun = "registry.example.com/acme/web"
	before := keyIDs(t, s)
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 100, 30)
	deliver(m, repoSelectedMsg{gun: gun})
	press(m, "n")
	gp, ok := m.active().(*generatePage)
	if !ok || activeTitle(m) != "new key" || !strings.Contains(screen(m), "targets key of "+gun) {
		t.Fatalf("n did not open the generate flow: %T\n%s", m.active(), screen(m))
	}
	press(m, "enter")
	if gp.step != genPassphrase || gp.role != "targets" {
		t.Fatalf("targets: step %v role %q", gp.step, gp.role)
	}
	gp.ch.rand = seeded(2)
	press(m, "n") // a draw from the seeded source
	pass := string(gp.ch.generated)
	if strings.Contains(screen(m), pass) {
		t.Error("the passphrase is shown before it is revealed")
	}
	press(m, "v", "v", "enter")
	for _, r := range confirmAnswer(t, gp.ch, pass) {
		press(m, string(r))
	}
	press(m, "enter")
	if _, still := m.active().(*generatePage); still {
		t.Fatalf("the flow did not finish:\n%s", screen(m))
	}
	if !strings.Contains(m.status, "Generated targets key") || m.statusErr {
		t.Errorf("status %q", m.status)
	}
	added := newKeys(t, s, before)
	if len(added) != 1 || added[0].Role != "targets" || added[0].GUN != gun {
		t.Fatalf("new keys: %+v", added)
	}
	if _, err := s.Unlock(added[0].ID, once([]byte(pass))); err != nil {
		t.Errorf("the new key does not open with the generated passphrase: %v", err)
	}
	// The repository page lists it as a key file metadata does not name.
	if !strings.Contains(screen(m), added[0].ShortID()) {
		t.Errorf("the repository page does not show the new key:\n%s", screen(m))
	}
	if strings.Contains(screen(m), pass) {
		t.Error("the passphrase is on the screen after the flow")
	}
}

// A cancelled generate flow writes nothing; a bad delegation name is
// refused.
func TestGenerateKeyCancelled(t *testing.T) {
	_, s := demoStore(t)
	before := keyIDs(t, s)
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 100, 30)
	deliver(m, repoSelectedMsg{orphan: true})
	press(m, "n")
	gp := m.active().(*generatePage)
	if len(gp.choices) != 2 {
		t.Fatalf("without a repository: %+v", gp.choices)
	}
	press(m, "enter") // a delegation: its name
	typeText(m, "Bad Name")
	press(m, "enter")
	if gp.step != genName || !strings.Contains(gp.name.msg, "not a valid delegation") {
		t.Fatalf("bad name: %v %q", gp.step, gp.name.msg)
	}
	// The reason stays on screen through cursor blinks (issue 10 §2: it
	// used to vanish with the first blink), until the name is edited.
	deliver(m, cursor.BlinkMsg{})
	deliver(m, cursor.BlinkMsg{})
	if !strings.Contains(screen(m), "not a valid delegation") {
		t.Fatalf("a blink erased the error:\n%s", screen(m))
	}
	for range len("Bad Name") {
		press(m, "backspace")
	}
	typeText(m, "qa")
	press(m, "enter")
	if gp.step != genPassphrase || gp.role != "targets/qa" {
		t.Fatalf("name: %v %q", gp.step, gp.role)
	}
	press(m, "v", "v", "enter") // seven words, seen, on to the confirmation
	press(m, "esc")             // back to the choice
	press(m, "esc")             // cancel the passphrase: back to the kinds of key
	press(m, "esc")             // leave
	if _, still := m.active().(*generatePage); still {
		t.Fatalf("esc did not leave: %T", m.active())
	}
	if added := newKeys(t, s, before); len(added) != 0 {
		t.Errorf("a cancelled flow wrote %d keys", len(added))
	}
}

// hardenStore is a demo vault whose store writes the hardened setting, as
// the engine's Harden requires.
func hardenStore(t *testing.T) (*demo.Info, *vault.Store) {
	t.Helper()
	return vaulttest.Demo(t)
}

// TestHardenFlow re-encrypts the demo vault's ten weak keys from the
// repositories page: a wrong passphrase is asked again, keys sharing one are
// asked for once, and the summary lists every key.
func TestHardenFlow(t *testing.T) {
	t.Parallel() // each hardens at the real setting: about 0.8 s a key
	info, s := hardenStore(t)
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 120, 40)
	press(m, "H")
	hp, ok := m.active().(*hardenPage)
	if !ok || hp.step != hardenIntro || len(hp.plan) != 10 {
		t.Fatalf("H: %T %+v", m.active(), hp)
	}
	if !strings.Contains(screen(m), "10 keys to re-encrypt") || !strings.Contains(screen(m), "legacy PEM") {
		t.Errorf("intro:\n%s", screen(m))
	}
	press(m, "enter")
	asks := 0
	for hp.step == hardenAsk && asks < 20 {
		asks++
		if asks == 1 {
			typeText(m, "not-the-passphrase")
			press(m, "enter")
			if hp.step != hardenAsk || !strings.Contains(hp.input.msg, "Wrong passphrase") {
				t.Fatalf("wrong passphrase: %v %q", hp.step, hp.input.msg)
			}
		}
		typeText(m, demo.Passphrase)
		press(m, "enter")
	}
	if hp.step != hardenDone {
		t.Fatalf("not done after %d asks: %v\n%s", asks, hp.step, screen(m))
	}
	// root, targets, snapshot, delegation: one question per kind.
	if asks != 4 {
		t.Errorf("asked %d times, want 4", asks)
	}
	sc := screen(m)
	if !strings.Contains(sc, "Hardened 10, already hardened 0, failed 0.") || strings.Contains(sc, demo.Passphrase) && !strings.Contains(sc, "Demo vault passphrase") {
		t.Errorf("summary:\n%s", sc)
	}
	if !strings.Contains(sc, "kept a weak passphrase") {
		t.Errorf("the weak demo passphrase is not reported:\n%s", sc)
	}
	press(m, "enter")
	if _, still := m.active().(*hardenPage); still {
		t.Fatal("enter did not close the summary")
	}
	keys, _ := s.Keys()
	for _, k := range keys {
		if k.Encryption.Scheme != vault.SchemePBES2 || k.Encryption.Iterations != vault.HardenedIterations {
			t.Errorf("key %s after harden: %+v", k.ShortID(), k.Encryption)
		}
	}
	if _, err := s.Unlock(info.Legacy.ID, once([]byte(demo.Passphrase))); err != nil {
		t.Errorf("the legacy key does not open after harden: %v", err)
	}
	if hp.run != nil || hp.answer != nil || hp.input.text(fieldPass) != "" {
		t.Error("the page still holds the engine's run or a passphrase")
	}
}

// Stopping at a prompt leaves that key and the rest untouched, and says so.
func TestHardenStop(t *testing.T) {
	t.Parallel() // each hardens at the real setting: about 0.8 s a key
	_, s := hardenStore(t)
	snapBefore := map[string][]byte{}
	keys, _ := s.Keys()
	for _, k := range keys {
		b, _ := os.ReadFile(k.Path)
		snapBefore[k.Path] = b
	}
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 120, 40)
	press(m, "H", "enter")
	hp := m.active().(*hardenPage)
	typeText(m, demo.Passphrase)
	press(m, "enter") // both root keys
	typeText(m, "not-the-passphrase")
	press(m, "enter") // wrong, for the first targets key
	if !strings.Contains(screen(m), "Wrong passphrase") {
		t.Errorf("a wrong passphrase is not said:\n%s", screen(m))
	}
	press(m, "ctrl+k")
	if hp.step != hardenAsk || strings.Contains(screen(m), "Wrong passphrase") {
		t.Errorf("the next key's question shows the skipped key's error:\n%s", screen(m))
	}
	press(m, "esc")
	if hp.step != hardenDone {
		t.Fatalf("esc: %v", hp.step)
	}
	sc := screen(m)
	if !strings.Contains(sc, "Hardened 2, already hardened 0, skipped 1, failed 0, not tried 7.") || !strings.Contains(sc, "skipped: no passphrase given") {
		t.Errorf("summary:\n%s", sc)
	}
	// The kept-weak note is wrapped, not cut off.
	if !strings.Contains(strings.Join(strings.Fields(sc), " "), "change it on the key page") {
		t.Errorf("the kept-weak note is cut off:\n%s", sc)
	}
	changed := 0
	keys, _ = s.Keys()
	for _, k := range keys {
		if b, _ := os.ReadFile(k.Path); !bytes.Equal(b, snapBefore[k.Path]) {
			changed++
			if k.Role != "root" {
				t.Errorf("%s key %s changed", k.Role, k.ShortID())
			}
		}
	}
	if changed != 2 {
		t.Errorf("%d files changed, want the two root keys", changed)
	}
}

// TestPassphraseGolden renders the passphrase pages at 80x24 and 160x48.
func TestPassphraseGolden(t *testing.T) {
	info, s := sharedDemo(t)
	snap := relocated(t, s)
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, tc := range []struct {
			name  string
			setup func(t *testing.T, m *Model)
		}{
			{"generator", func(t *testing.T, m *Model) { press(m, "p") }},
			{"generator-revealed", func(t *testing.T, m *Model) {
				press(m, "p")
				m.active().(*generatorPage).ch.rand = seeded(3)
				press(m, "n", "v")
			}},
			{"generator-chars", func(t *testing.T, m *Model) {
				press(m, "p", "tab", "s")
				m.active().(*generatorPage).ch.rand = seeded(3)
				press(m, "n", "v")
			}},
			{"generate-kind", func(t *testing.T, m *Model) { press(m, "enter", "n") }},
			{"generate-passphrase", func(t *testing.T, m *Model) { press(m, "enter", "n", "enter") }},
			{"generate-typed", func(t *testing.T, m *Model) {
				press(m, "enter", "n", "enter", "tab", "tab")
				typeText(m, "Tr0ub4dor&3")
			}},
			{"generate-confirm", func(t *testing.T, m *Model) {
				press(m, "enter", "n", "enter")
				m.active().(*generatePage).ch.rand = seeded(4)
				press(m, "n", "v", "v", "enter")
			}},
			{"harden-intro", func(t *testing.T, m *Model) { press(m, "H") }},
			{"harden-ask", func(t *testing.T, m *Model) { press(m, "H", "enter") }},
		} {
			name := fmt.Sprintf("%s-%dx%d", tc.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(t, s, snap, size[0], size[1])
				tc.setup(t, m)
				golden(t, name, screen(m))
			})
		}
	}
	_ = info
}

// With n, every key gets a new passphrase from the chooser; an unencrypted
// key gets one in any case.
func TestHardenNewPassphrases(t *testing.T) {
	t.Parallel() // each hardens at the real setting: about 0.8 s a key
	dir := t.TempDir() + "/trust"
	compat, err := vault.Open(dir, vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	old := once([]byte("Old-Kq7Zr2Vm9Tx4Lp"))
	root, err := compat.Generate("root", "", "", old)
	if err != nil {
		t.Fatal(err)
	}
	plainPEM, err := os.ReadFile("../vault/testdata/keys/openssl/ec-plain.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(plainPEM)
	priv, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	plainID, _ := tuf.CanonicalID(priv.Public())
	if err := os.WriteFile(dir+"/private/"+plainID+".key", plainPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := vault.Open(dir) // the hardened setting, as Harden requires
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 120, 40)
	press(m, "H")
	hp := m.active().(*hardenPage)
	press(m, "n")
	if !strings.Contains(screen(m), "Each key gets a new passphrase") {
		t.Fatalf("n:\n%s", screen(m))
	}
	press(m, "enter")
	var chosen []string
	for step := 0; hp.step != hardenDone && step < 10; step++ {
		switch hp.step {
		case hardenAsk:
			typeText(m, "Old-Kq7Zr2Vm9Tx4Lp")
			press(m, "enter")
		case hardenNew:
			hp.ch.rand = seeded(byte(10 + step))
			press(m, "n")
			pass := string(hp.ch.generated)
			press(m, "v", "v", "enter")
			typeText(m, confirmAnswer(t, hp.ch, pass))
			press(m, "enter")
			chosen = append(chosen, pass)
		default:
			t.Fatalf("step %v:\n%s", hp.step, screen(m))
		}
	}
	if !strings.Contains(screen(m), "Hardened 2, already hardened 0, failed 0.") || len(chosen) != 2 {
		t.Fatalf("summary (%d chosen):\n%s", len(chosen), screen(m))
	}
	// The plan is root first, then the delegation (the unencrypted key's
	// role defaults to none: a delegation).
	if _, err := s.Unlock(root.ID, once([]byte(chosen[0]))); err != nil {
		t.Errorf("root key with its new passphrase: %v", err)
	}
	k, err := s.Key(plainID)
	if err != nil || k.Encryption.Scheme != vault.SchemePBES2 {
		t.Fatalf("the unencrypted key after harden: %+v, %v", k.Encryption, err)
	}
	if _, err := s.Unlock(plainID, once([]byte(chosen[1]))); err != nil {
		t.Errorf("the formerly unencrypted key with its new passphrase: %v", err)
	}
}
