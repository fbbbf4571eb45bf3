package main

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/trustvault/trustvault/vault"
)

// What the command line prints comes in part from files and servers: a
// GUN or role in a key file's PEM header, a file's name, a tag or a
// delegation in a server's metadata, a server's error message. A control
// character in them would reach the terminal as it is: an escape sequence
// can recolour the rest of the screen, set the window's title, write the
// clipboard (OSC 52) or move the cursor back over what was printed, and a
// carriage return or backspace can hide a name behind another.
//
// So every stream of text a command prints goes through termSafe, which
// writes such characters as visible escapes instead (ESC as \x1b, CSI
// written as a C1 character as \u009b). Line feeds and tabs pass: the
// output's own layout uses them. The JSON outputs are unchanged by it
// (their strings escape control characters already). What must stay byte
// for byte (an exported key file, the interactive view's terminal) is
// written to the raw stream.

// termSafe writes to w with control characters made visible. A C1
// control's two bytes may come in two writes: a last byte 0xc2 waits for
// the next write, or for flush at the end of the run.
type termSafe struct {
	w       io.Writer
	pending bool // a 0xc2 held back from the last write
}

// unsafeByte marks the bytes written as escapes: C0 controls but line feed
// and tab, and DEL. 0xc2 starts a C1 control in UTF-8 and is checked with
// the byte after it.
var unsafeByte = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\n' && c != '\t'
	}
	t[0x7f], t[0xc2] = true, true
	return t
}()

// mayBeUnsafe reports whether one of the eight bytes of x is below 0x20,
// 0x7f or 0xc2 (line feeds and tabs included: the bytes are then looked
// at one by one).
func mayBeUnsafe(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) bool { return (v-ones) & ^v & highs != 0 }
	below20 := (x - 0x20*ones) & ^x & highs
	return below20 != 0 || hasZero(x^(0x7f*ones)) || hasZero(x^(0xc2*ones))
}

func (s *termSafe) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if s.pending {
		s.pending = false
		if p[0] >= 0x80 && p[0] <= 0x9f {
			if _, err := fmt.Fprintf(s.w, `\u%04x`, p[0]); err != nil {
				return 0, err
			}
			n, err := s.Write(p[1:])
			return n + 1, err
		}
		if _, err := s.w.Write([]byte{0xc2}); err != nil {
			return 0, err
		}
	}
	start := 0
	var esc [8]byte
	for i := 0; i < len(p); i++ {
		// Eight bytes at a time while none of them can need a look (at
		// list --json's 45 MB for 100,000 keys, byte by byte was 75 ms).
		for i+8 <= len(p) && !mayBeUnsafe(binary.LittleEndian.Uint64(p[i:])) {
			i += 8
		}
		if i == len(p) {
			break
		}
		c := p[i]
		if !unsafeByte[c] {
			continue
		}
		var e []byte
		skip := 0
		switch {
		case c == 0xc2 && i+1 == len(p):
			if _, err := s.w.Write(p[start:i]); err != nil {
				return start, err
			}
			s.pending = true
			return len(p), nil
		case c == 0xc2 && p[i+1] >= 0x80 && p[i+1] <= 0x9f:
			e = fmt.Appendf(esc[:0], `\u%04x`, p[i+1]) // U+0080 to U+009F
			skip = 1
		case c == 0xc2:
			continue // the start of a printable character
		default:
			e = fmt.Appendf(esc[:0], `\x%02x`, c)
		}
		if _, err := s.w.Write(p[start:i]); err != nil {
			return start, err
		}
		if _, err := s.w.Write(e); err != nil {
			return i, err
		}
		i += skip
		start = i + 1
	}
	if _, err := s.w.Write(p[start:]); err != nil {
		return start, err
	}
	return len(p), nil
}

// flush writes a 0xc2 held back at the end of the output.
func (s *termSafe) flush() {
	if s.pending {
		s.pending = false
		s.w.Write([]byte{0xc2})
	}
}

// cell is s as a column of a table (text/tabwriter), its control
// characters written as escapes before the table measures it
// (vault.Visible): a tab in a name would start the next column, and an
// escape measured before it is written out would push the rest of the row
// right.
func cell(s string) string { return vault.Visible(s) }
