package vault

import (
	"fmt"
	"strings"
)

// Visible is s made safe to show on a terminal when it came from a file or
// a server (a GUN or role in a key file's header, a file's name, a tag, a
// server's message): each control character is written as an escape (ESC
// as \x1b, a tab as \x09, a C1 control as \u009b) instead of reaching the
// terminal, where an escape sequence could recolour the screen, set its
// title or write the clipboard, a carriage return or backspace would draw
// one name over another, and a tab would move a table's columns. Line
// feeds stay: layouts split on them. The interactive view and the command
// line's tables both show names through it.
func Visible(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 && r != '\n', r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
