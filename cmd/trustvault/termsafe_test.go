package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest"
)

func TestTermSafe(t *testing.T) {
	for _, tc := range []struct {
		writes []string
		want   string
	}{
		{[]string{"plain text\n\twith a tab"}, "plain text\n\twith a tab"},
		{[]string{"evil\x1b]0;title\x07\x1b[31mred"}, `evil\x1b]0;title\x07\x1b[31mred`},
		{[]string{"a\rb\bc\x7fd\x00"}, `a\x0db\x08c\x7fd\x00`},
		{[]string{"csi \u009b31m, nbsp \u00a0, copyright \u00a9"}, `csi \u009b31m, nbsp ` + "\u00a0" + `, copyright ` + "\u00a9"},
		// A C1 control's two bytes in two writes, and a 0xc2 held back
		// that turns out to start a printable character.
		{[]string{"x\xc2", "\x9by"}, `x\u009by`},
		{[]string{"x\xc2", "\xa9y"}, "x\u00a9y"},
		{[]string{"end\xc2"}, "end\xc2"},
		{[]string{"日本語 ünïcode"}, "日本語 ünïcode"},
	} {
		var b bytes.Buffer
		s := &termSafe{w: &b}
		for _, w := range tc.writes {
			if n, err := s.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("%q: Write returned %d, %v", tc.writes, n, err)
			}
		}
		s.flush()
		if b.String() != tc.want {
			t.Errorf("%q: wrote %q, want %q", tc.writes, b.String(), tc.want)
		}
	}
}

// A key file whose header names a GUN with escape sequences, a carriage
// return and a tab: list and doctor show them as escapes in their columns,
// list --json keeps the GUN exactly, and export writes the file's bytes.
func TestHostileNamesReachNoTerminal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trust")
	info := vaulttest.LiveDemo(t, dir)
	id := info.RootKeys[0]
	const gun = "evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\rshown\tTAB\u009b0m"
	vaulttest.SetGUNHeader(t, filepath.Join(dir, "private", id+".key"), gun)
	env := []string{"HOME=" + t.TempDir()}

	for _, args := range [][]string{{"list"}, {"doctor"}, {"repos"}} {
		var out, errb bytes.Buffer
		run(append([]string{"--trust-dir", dir}, args...), strings.NewReader(""), &out, &errb, env)
		for _, b := range [][]byte{out.Bytes(), errb.Bytes()} {
			if i := bytes.IndexFunc(b, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 }); i >= 0 {
				t.Errorf("%v printed control character %q: %q", args, b[i], b[max(i-20, 0):min(i+20, len(b))])
			}
		}
		if args[0] != "repos" && !strings.Contains(out.String(), `evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x0dshown`) {
			t.Errorf("%v does not show the GUN with its escapes:\n%s", args, out.String())
		}
		if args[0] == "list" {
			lines := strings.Split(out.String(), "\n")
			col := strings.Index(lines[0], "KEY ID")
			for _, l := range lines[1:] {
				if i := strings.Index(l, id); i >= 0 && len([]rune(l[:i])) != col {
					t.Errorf("list: the GUN moved the key ID from column %d to %d:\n%s", col, len([]rune(l[:i])), out.String())
				}
			}
		}
	}

	var out, errb bytes.Buffer
	if code := run([]string{"--trust-dir", dir, "list", "--json"}, strings.NewReader(""), &out, &errb, env); code != 0 {
		t.Fatalf("list --json: exit %d: %s", code, errb.String())
	}
	var keys []struct{ ID, GUN string }
	if err := json.Unmarshal(out.Bytes(), &keys); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range keys {
		if k.ID == id {
			found = k.GUN == gun
		}
	}
	if !found {
		t.Errorf("list --json does not give key %s the GUN %q:\n%s", id, gun, out.String())
	}

	out.Reset()
	errb.Reset()
	if code := run([]string{"--trust-dir", dir, "export", "--private", id}, strings.NewReader(""), &out, &errb, env); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errb.String())
	}
	if !bytes.Contains(out.Bytes(), []byte("gun: "+gun+"\n")) {
		t.Errorf("export changed the key file's header:\n%q", out.String())
	}
}

// BenchmarkTermSafe writes 1 MiB of list --json's output through it.
func BenchmarkTermSafe(b *testing.B) {
	line := `{"id":"0002fc02649a81cbb154428a1fb3e65fab3e5faf93ba0dfd39701ea00cc4edf7","role":"targets","gun":"registry.example.com:5000/team-002/service-024","kind":"targets","location":"file"},` + "\n"
	data := bytes.Repeat([]byte(line), (1<<20)/len(line))
	b.SetBytes(int64(len(data)))
	s := &termSafe{w: io.Discard}
	for b.Loop() {
		s.Write(data)
	}
}

// FuzzTermSafe holds termSafe, written to in two pieces split anywhere,
// to a plain rune-by-rune escaping of the whole text.
func FuzzTermSafe(f *testing.F) {
	f.Add([]byte("evil\x1b]0;t\x07 \u009b31m \u00a9 \xc2"), 5)
	f.Add([]byte("0123456789abcdef\x7f0123456789\n\t\r"), 9)
	f.Fuzz(func(t *testing.T, p []byte, split int) {
		var want strings.Builder
		for i := 0; i < len(p); i++ {
			c := p[i]
			switch {
			case c == 0xc2 && i+1 < len(p) && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
				fmt.Fprintf(&want, `\u%04x`, p[i+1])
				i++
			case c < 0x20 && c != '\n' && c != '\t', c == 0x7f:
				fmt.Fprintf(&want, `\x%02x`, c)
			default:
				want.WriteByte(c)
			}
		}
		split = min(max(split, 0), len(p))
		var b bytes.Buffer
		s := &termSafe{w: &b}
		s.Write(p[:split])
		s.Write(p[split:])
		s.flush()
		if b.String() != want.String() {
			t.Fatalf("%q split at %d: wrote %q, want %q", p, split, b.String(), want.String())
		}
	})
}
