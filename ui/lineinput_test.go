package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func typeInto(in lineInput, keys ...string) lineInput {
	for _, k := range keys {
		in, _ = in.Update(editKey(k))
	}
	return in
}

// editKey is the message an editing key sends: a named key, or text.
func editKey(k string) tea.KeyPressMsg {
	named := map[string]tea.Key{
		"left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight},
		"home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
		"backspace": {Code: tea.KeyBackspace}, "delete": {Code: tea.KeyDelete},
		"ctrl+w": {Code: 'w', Mod: tea.ModCtrl}, "ctrl+u": {Code: 'u', Mod: tea.ModCtrl},
		"ctrl+k": {Code: 'k', Mod: tea.ModCtrl}, "alt+b": {Code: 'b', Mod: tea.ModAlt},
		"alt+f": {Code: 'f', Mod: tea.ModAlt}, "alt+d": {Code: 'd', Mod: tea.ModAlt},
	}
	if key, ok := named[k]; ok {
		return tea.KeyPressMsg(key)
	}
	return keyPress(k)
}

func TestLineInputEditing(t *testing.T) {
	in := newLineInput()
	in.Focus()
	for _, tc := range []struct {
		keys      []string
		want      string
		wantPos   int
		charLimit int
	}{
		{keys: []string{"a", "b", "c"}, want: "abc", wantPos: 3},
		{keys: []string{"a", "b", "c", "left", "left", "x"}, want: "axbc", wantPos: 2},
		{keys: []string{"a", "b", "c", "home", "delete"}, want: "bc", wantPos: 0},
		{keys: []string{"a", "b", "c", "left", "backspace"}, want: "ac", wantPos: 1},
		{keys: []string{"o", "n", "e", " ", "t", "w", "o", "ctrl+w"}, want: "one ", wantPos: 4},
		{keys: []string{"o", "n", "e", " ", "t", "w", "o", "alt+b", "alt+b", "alt+d"}, want: " two", wantPos: 0},
		{keys: []string{"o", "n", "e", " ", "t", "w", "o", "alt+b", "ctrl+k"}, want: "one ", wantPos: 4},
		{keys: []string{"o", "n", "e", " ", "t", "w", "o", "alt+b", "ctrl+u"}, want: "two", wantPos: 0},
		{keys: []string{"a", "b", "home", "alt+f", "end", "right", "x"}, want: "abx", wantPos: 3},
		{keys: []string{"a", "b", "c", "d"}, want: "abc", wantPos: 3, charLimit: 3},
		{keys: []string{"é", "日", "本"}, want: "é日本", wantPos: 3},
	} {
		in := in
		in.CharLimit = tc.charLimit
		in = typeInto(in, tc.keys...)
		if in.Value() != tc.want || in.pos != tc.wantPos {
			t.Errorf("%q: %q at %d, want %q at %d", tc.keys, in.Value(), in.pos, tc.want, tc.wantPos)
		}
	}
	// Nothing happens to an input without focus.
	blurred := newLineInput()
	if blurred = typeInto(blurred, "a"); blurred.Value() != "" {
		t.Errorf("a blurred input took %q", blurred.Value())
	}
}

// A paste is cleaned as text typed on one line: tabs and line breaks are
// spaces, other control characters are dropped, the limit holds.
func TestLineInputPaste(t *testing.T) {
	in := newLineInput()
	in.Focus()
	in, _ = in.Update(tea.PasteMsg{Content: "one\ttwo\r\nthree\x1b[31m\x07four\n"})
	if got, want := in.Value(), "one two three[31mfour "; got != want {
		t.Errorf("pasted %q, want %q", got, want)
	}
	in.Reset()
	in.CharLimit = 5
	in, _ = in.Update(tea.PasteMsg{Content: "abcdefgh"})
	if in.Value() != "abcde" || in.pos != 5 {
		t.Errorf("pasted over the limit: %q at %d", in.Value(), in.pos)
	}
}

// A secret shows only its echo character, moves by words as by the whole
// line, and its runes are zeroed when it is reset or replaced.
func TestLineInputSecret(t *testing.T) {
	in := newLineInput()
	in.EchoMode, in.EchoCharacter = echoPassword, '•'
	in.SetStyles(plainInputStyles())
	in.Focus()
	in = typeInto(in, strings.Split("correct horse", "")...)
	view := ansi.Strip(in.View())
	if strings.ContainsAny(view, "correcthors") || strings.Count(view, "•") != len("correct horse") {
		t.Errorf("secret view %q", view)
	}
	if in = typeInto(in, "alt+b"); in.pos != 0 {
		t.Errorf("alt+b in a secret went to %d, want the start", in.pos)
	}
	if in = typeInto(in, "end", "ctrl+w"); in.Value() != "" {
		t.Errorf("ctrl+w in a secret left %q, want nothing", in.Value())
	}
	in = typeInto(in, "s", "e", "c", "r", "e", "t")
	backing := in.value
	in.Reset()
	if string(backing) != strings.Repeat("\x00", 6) {
		t.Errorf("after Reset the old runes are %q, want zeros", string(backing))
	}
	in.SetValue("first")
	backing = in.value
	in.SetValue("second")
	if strings.Trim(string(backing[:5]), "\x00") != "" {
		t.Errorf("after SetValue the old runes are %q, want zeros", string(backing))
	}
}

// With a width, the view is the prompt and width+1 cells (the cursor may
// stand after the text), and the cursor stays in view.
func TestLineInputWidth(t *testing.T) {
	in := newLineInput()
	in.Prompt = "> "
	in.SetStyles(plainInputStyles())
	in.Focus()
	in.SetWidth(10)
	check := func(what string) {
		t.Helper()
		if w := ansi.StringWidth(in.View()); w != 2+11 {
			t.Errorf("%s: view %q is %d cells, want 13", what, ansi.Strip(in.View()), w)
		}
	}
	check("empty")
	in = typeInto(in, strings.Split("abcdefghijklmnopqrstuvwxyz", "")...)
	check("long")
	if v := ansi.Strip(in.View()); !strings.Contains(v, "qrstuvwxyz") {
		t.Errorf("the end of the text is not in view: %q", v)
	}
	in = typeInto(in, "home")
	check("home")
	if v := ansi.Strip(in.View()); !strings.HasPrefix(v, "> abcdefghij") {
		t.Errorf("the start of the text is not in view: %q", v)
	}
	in.Reset()
	in.Placeholder = "type part of a check, GUN, key ID or message"
	check("placeholder")
	if v := ansi.Strip(in.View()); v != "> type part o" {
		t.Errorf("placeholder view %q", v)
	}
	in.SetWidth(0)
	if v := ansi.Strip(in.View()); v != "> "+in.Placeholder {
		t.Errorf("placeholder without a width %q", v)
	}
}

// A long text scrolls with the cursor: after a pasted 8,192-character
// error the end is in view, after home the start, and the view keeps its
// width.
func TestLineInputLongPaste(t *testing.T) {
	in := newLineInput()
	in.CharLimit = 8192
	in.SetStyles(plainInputStyles())
	in.Focus()
	in.SetWidth(60)
	text := strings.Repeat("x509: certificate signed by unknown authority ", 200)
	in, _ = in.Update(tea.PasteMsg{Content: text})
	if len(in.value) != 8192 {
		t.Fatalf("%d characters taken, want the limit", len(in.value))
	}
	end := ansi.Strip(in.View())
	if w := ansi.StringWidth(end); w != 2+61 || !strings.HasSuffix(strings.TrimRight(end, " "), text[8192-40:8192]) {
		t.Errorf("after the paste (%d cells): %q", w, end)
	}
	in = typeInto(in, "home")
	if v := ansi.Strip(in.View()); !strings.HasPrefix(v, "> "+text[:61]) {
		t.Errorf("after home: %q", v)
	}
	in = typeInto(in, "right", "right")
	if v := ansi.Strip(in.View()); !strings.HasPrefix(v, "> "+text[:61]) {
		t.Errorf("moving right within the view scrolled it: %q", v)
	}
}

// BenchmarkLineInputPaste: pasting an 8,192-character error and going
// home. Each scroll walked the text once per character skipped before
// (9.4 s for this paste); it walks it once now.
func BenchmarkLineInputPaste(b *testing.B) {
	text := strings.Repeat("x509: certificate signed by unknown authority ", 200)
	for b.Loop() {
		in := newLineInput()
		in.CharLimit = 8192
		in.Focus()
		in.SetWidth(60)
		in, _ = in.Update(tea.PasteMsg{Content: text})
		_ = in.View()
		in = typeInto(in, "home")
		_ = in.View()
	}
}

// FuzzLineInput drives an input with edits, pastes, replaced values, width
// and echo changes, and holds it to what every caller relies on after
// each step: no panic; the cursor within the text and on screen; the
// view exactly as wide as the prompt and width+1 cells; no control
// character kept; and, echoing a secret, nothing of it shown.
func FuzzLineInput(f *testing.F) {
	f.Add([]byte("\x00hello world\x01\x05\x02\x03"))
	f.Add([]byte("\x07\x28\x00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x06\x00"))
	f.Add([]byte("\x07\x05\x00日本語のテキスト\x08\x0a\x0b\x0a"))
	f.Add([]byte("\x09\x00a\tb\r\nc\x1b[31md\x7f\x0c"))
	// A scrolled text replaced by nothing: the view sliced from the old
	// offset (a panic) before SetValue reset it.
	f.Add([]byte("\x07\x05\x02xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xff\x02\xff"))
	keys := []string{"left", "right", "home", "end", "backspace", "delete", "ctrl+w", "ctrl+u", "ctrl+k", "alt+b", "alt+f", "alt+d"}
	f.Fuzz(func(t *testing.T, ops []byte) {
		in := newLineInput()
		in.SetStyles(plainInputStyles())
		in.EchoCharacter = '•'
		in.Focus()
		// text takes the bytes up to the next 0xff (or all) as a string.
		text := func(i *int) string {
			start := *i
			for *i < len(ops) && ops[*i] != 0xff {
				*i++
			}
			return string(ops[start:*i])
		}
		for i := 0; i < len(ops); i++ {
			op := ops[i]
			i++
			switch op % 13 {
			case 0:
				in, _ = in.Update(tea.KeyPressMsg{Text: text(&i)})
			case 1:
				in, _ = in.Update(tea.PasteMsg{Content: text(&i)})
			case 2:
				in.SetValue(text(&i))
			case 3, 4, 5:
				if i < len(ops) {
					in, _ = in.Update(editKey(keys[int(ops[i])%len(keys)]))
				}
			case 6:
				in.Reset()
			case 7:
				if i < len(ops) {
					in.SetWidth(int(ops[i]) % 50)
				}
			case 8:
				in.SetEchoMode(echoPassword)
			case 9:
				in.SetEchoMode(echoNormal)
			case 10:
				in.Placeholder = map[bool]string{true: "type here", false: ""}[in.Placeholder == ""]
			case 11:
				in.CursorStart()
			case 12:
				in.CursorEnd()
			}
			if !(0 <= in.offset && in.offset <= in.pos && in.pos <= len(in.value)) {
				t.Fatalf("offset %d, cursor %d, length %d", in.offset, in.pos, len(in.value))
			}
			for _, r := range in.value {
				if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("control character %U kept in %q", r, in.Value())
				}
			}
			view := ansi.Strip(in.View())
			if in.width > 0 {
				cells := 1
				for _, r := range in.value[in.offset:in.pos] {
					cells += in.cellWidth(r)
				}
				if in.pos < len(in.value) {
					cells += in.cellWidth(in.value[in.pos]) - 1
				}
				if cells > in.width+1 {
					t.Fatalf("cursor off screen: %d cells to it and its own, width %d", cells, in.width)
				}
				// Measured per character, as the input lays text out: a
				// combining mark or a joined emoji counts as its own cell
				// here (terminals differ on how they draw them).
				got := 0
				for _, r := range view {
					got += max(ansi.StringWidth(string(r)), 1)
				}
				if want := ansi.StringWidth(in.Prompt) + in.width + 1; got != want && (len(in.value) > 0 || in.Placeholder != "") {
					t.Fatalf("view %q is %d cells, want %d", view, got, want)
				}
			}
			if in.EchoMode == echoPassword && len(in.value) > 0 {
				for _, r := range strings.TrimPrefix(view, in.Prompt) {
					if r != '•' && r != ' ' {
						t.Fatalf("secret shows %q in %q", r, view)
					}
				}
			}
		}
	})
}
