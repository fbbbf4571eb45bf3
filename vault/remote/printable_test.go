package remote

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A server's message is shown without its control characters, C1 ones
// included, and cut to 200 bytes between characters.
func TestPrintable(t *testing.T) {
	if got := printable("denied\x1b[2J\r\u009b31m: no"); got != "denied[2J31m: no" {
		t.Errorf("printable kept control characters: %q", got)
	}
	long := strings.Repeat("é", 150) // 300 bytes, 2 each
	got := printable("x" + long)     // byte 200 falls inside an é
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > 200+len("…") {
		t.Errorf("printable cut %q", got)
	}
}
