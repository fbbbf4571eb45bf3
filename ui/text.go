package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/trustvault/trustvault/vault"
)

// visible is s as the view shows a name or message that came from a file
// or a server (vault.Visible: control characters as escapes, so that none
// reaches the terminal).
func visible(s string) string { return vault.Visible(s) }

// ellipsis marks text that was shortened to fit.
const ellipsis = "…"

// textWidth is the number of cells s takes. Plain ASCII, most of what the
// tables show, is measured by its length; anything else by ansi.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// middleTruncate shortens plain text to width cells by cutting out its
// middle, so that both ends of a GUN or a path stay readable:
// "docker.io/acme/…/web-frontend". Text that fits is returned as it is.
func middleTruncate(s string, width int) string {
	w := textWidth(s)
	if w <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	if width == 1 {
		return ellipsis
	}
	keep := width - 1
	head := (keep + 1) / 2
	tail := keep - head
	start := ansi.Truncate(s, head, "")
	// A cut through a wide character keeps all of it on the tail's side:
	// cut further until the whole fits (TestMiddleTruncateWide). The head
	// may have left a cell over for it.
	room := width - 1 - textWidth(start)
	end := ansi.TruncateLeft(s, w-tail, "")
	for skip := w - tail + 1; textWidth(end) > room && skip <= w; skip++ {
		end = ansi.TruncateLeft(s, skip, "")
	}
	return start + ellipsis + end
}

// truncate shortens text at its end to width cells.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if textWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, ellipsis)
}

// pad returns s, possibly styled, filled with spaces on the right to width
// cells. It does not shorten.
func pad(s string, width int) string {
	if w := textWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// padLeft right-aligns s in width cells.
func padLeft(s string, width int) string {
	if w := textWidth(s); w < width {
		return strings.Repeat(" ", width-w) + s
	}
	return s
}

// fit makes a line exactly width cells: shortened at the end, or padded.
func fit(s string, width int) string {
	return pad(truncate(s, width), width)
}

// urgency ranks how much a fact needs attention; it picks the colour.
type urgency int

const (
	urgencyNone urgency = iota
	urgencyOK
	urgencyWarn
	urgencyBad
)

// expiryWarning is how close to expiry a role is shown as needing attention.
const expiryWarning = 30 * 24 * time.Hour

// expiryIn describes when metadata expires relative to now: "in 12d",
// "in 3y", "expired 2d ago". Zero times are unknown ("").
func expiryIn(exp, now time.Time) (string, urgency) {
	if exp.IsZero() {
		return "", urgencyNone
	}
	d := exp.Sub(now)
	switch {
	case d <= 0:
		return "expired " + humanDuration(-d) + " ago", urgencyBad
	case d < expiryWarning:
		return "in " + humanDuration(d), urgencyWarn
	default:
		return "in " + humanDuration(d), urgencyOK
	}
}

// expiryLong adds the date: "2026-12-08, in 12d".
func expiryLong(exp, now time.Time) (string, urgency) {
	rel, u := expiryIn(exp, now)
	if rel == "" {
		return "", u
	}
	return exp.UTC().Format(time.DateOnly) + ", " + rel, u
}

// humanDuration rounds a duration to one unit: 5h, 12d, 11mo, 3y.
func humanDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 2*day:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 90*day:
		return fmt.Sprintf("%dd", vault.DaysLeft(d))
	case d < 2*365*day:
		return fmt.Sprintf("%dmo", int(d/(30*day)))
	default:
		return fmt.Sprintf("%dy", int(d/(365*day)))
	}
}

// plural writes "1 key", "2 keys".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// thousands writes 1300000 as "1,300,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
