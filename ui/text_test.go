package ui

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

func TestMiddleTruncate(t *testing.T) {
	gun := "notary.internal.example.com:4443/platform-team/observability/collector"
	tests := []struct {
		name  string
		in    string
		width int
		want  string
	}{
		{"fits", "docker.io/acme/web", 30, "docker.io/acme/web"},
		{"exact", "docker.io/acme/web", 18, "docker.io/acme/web"},
		{"cut in the middle", gun, 21, "notary.int…/collector"},
		{"even", "abcdefgh", 6, "abc…gh"},
		{"one cell", "abcdef", 1, "…"},
		{"none", "abcdef", 0, ""},
		{"wide runes", "鍵鍵鍵鍵鍵鍵", 7, "鍵…鍵鍵"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := middleTruncate(tt.in, tt.width)
			if got != tt.want {
				t.Errorf("middleTruncate(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
			if w := ansi.StringWidth(got); w > tt.width {
				t.Errorf("%q is %d wide, more than %d", got, w, tt.width)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	now := vaulttest.Now()
	day := 24 * time.Hour
	tests := []struct {
		name string
		exp  time.Time
		want string
		u    urgency
	}{
		{"unknown", time.Time{}, "", urgencyNone},
		{"years", now.Add(3*365*day + day), "in 3y", urgencyOK},
		{"months", now.Add(200 * day), "in 6mo", urgencyOK},
		{"a month", now.Add(31 * day), "in 31d", urgencyOK},
		{"close", now.Add(12 * day), "in 12d", urgencyWarn},
		{"hours", now.Add(5 * time.Hour), "in 5h", urgencyWarn},
		{"now", now, "expired 0m ago", urgencyBad},
		{"past", now.Add(-3 * day), "expired 3d ago", urgencyBad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, u := expiryIn(tt.exp, now)
			if got != tt.want || u != tt.u {
				t.Errorf("expiryIn = %q, %v; want %q, %v", got, u, tt.want, tt.u)
			}
		})
	}
	if got, _ := expiryLong(now.Add(12*day), now); got != "2026-12-03, in 12d" {
		t.Errorf("expiryLong = %q", got)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 2048: "2,048", 1_300_000: "1,300,000", -2048: "-2,048"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestTextWidth(t *testing.T) {
	for _, s := range []string{"", "plain", "▸ key", "鍵", "\x1b[1mbold\x1b[m", "a · b"} {
		if got, want := textWidth(s), ansi.StringWidth(s); got != want {
			t.Errorf("textWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestListView(t *testing.T) {
	// Rows 0, 3 and 4 are headings; the cursor rests on the others.
	heading := map[int]bool{0: true, 3: true, 4: true}
	newList := func() *listView {
		l := &listView{selectable: func(i int) bool { return !heading[i] }}
		l.setHeight(3)
		l.setLen(8)
		return l
	}
	tests := []struct {
		name         string
		do           func(l *listView)
		cursor, offs int
	}{
		{"starts on the first selectable row, headings shown", func(l *listView) {}, 1, 0},
		{"skips headings", func(l *listView) { l.move(2) }, 5, 3},
		{"stops at the end", func(l *listView) { l.move(100) }, 7, 5},
		{"stops at the start", func(l *listView) { l.move(-100) }, 1, 0},
		{"bottom", func(l *listView) { l.bottom() }, 7, 5},
		{"top after bottom shows the heading", func(l *listView) { l.bottom(); l.top() }, 1, 0},
		{"back up shows the headings above", func(l *listView) { l.bottom(); l.move(-2) }, 5, 4},
		{"page down", func(l *listView) { l.page(1) }, 5, 3},
		{"wheel scroll keeps the cursor in view", func(l *listView) { l.scroll(4) }, 5, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newList()
			tt.do(l)
			if l.cursor != tt.cursor || l.offset != tt.offs {
				t.Errorf("cursor %d offset %d, want %d %d", l.cursor, l.offset, tt.cursor, tt.offs)
			}
			if start, end := l.visible(); l.cursor < start || l.cursor >= end {
				t.Errorf("cursor %d outside the view %d-%d", l.cursor, start, end)
			}
		})
	}
	empty := &listView{}
	empty.setHeight(5)
	empty.setLen(0)
	empty.move(1)
	if empty.selected() {
		t.Error("an empty list has a selection")
	}
}

func TestSnapshotRows(t *testing.T) {
	id := func(c byte) string {
		b := make([]byte, 64)
		for i := range b {
			b[i] = c
		}
		return string(b)
	}
	now := vaulttest.Now()
	enc := vault.Encryption{Scheme: vault.SchemePBES2, Iterations: vault.HardenedIterations}
	weak := vault.Encryption{Scheme: vault.SchemePBES2, Iterations: vault.CompatIterations}
	keys := []vault.Key{
		{ID: id('1'), Role: "root", Location: vault.LocationFile, Encryption: enc},
		{ID: id('2'), Role: "targets", GUN: "example.com/app", Location: vault.LocationFile, Encryption: weak},
		{ID: id('3'), Role: "targets", GUN: "example.com/app", Location: vault.LocationFile, Encryption: enc},  // rotated out
		{ID: id('4'), Role: "targets", GUN: "example.com/gone", Location: vault.LocationFile, Encryption: enc}, // no metadata
		{ID: id('5'), Role: "alice", Location: vault.LocationFile, Encryption: enc},                            // unused signer
		{ID: id('6'), Role: "root", Location: vault.LocationFile, Encryption: enc},                             // unused root
		{ID: "bad", Path: "/t/private/bad.key", Err: errors.New("not a key")},
	}
	rk := func(c byte, loc vault.Location) []vault.RoleKey {
		return []vault.RoleKey{{ID: id(c), TUFID: id(c), Location: loc}}
	}
	repos := []vault.Repository{{GUN: "example.com/app", Roles: []vault.RoleInfo{
		{Name: "root", Kind: keyrole.Root, Expires: now.Add(3650 * 24 * time.Hour), HasMetadata: true, Keys: rk('1', vault.LocationFile)},
		{Name: "targets", Kind: keyrole.Targets, Expires: now.Add(-time.Hour), HasMetadata: true, Keys: rk('2', vault.LocationFile)},
		{Name: "snapshot", Kind: keyrole.Snapshot, Expires: now.Add(-time.Hour), HasMetadata: true, Keys: rk('7', vault.LocationServer)},
		{Name: "timestamp", Kind: keyrole.Timestamp, Expires: now.Add(-time.Hour), HasMetadata: true, Keys: rk('8', vault.LocationServer)},
		{Name: "targets/releases", Kind: keyrole.Delegation, Keys: rk('9', vault.LocationMissing)},
		{Name: "targets/qa", Kind: keyrole.Delegation, Keys: rk('9', vault.LocationMissing)},
	}}}
	s := newSnapshot("/t", now, false, keys, repos, nil, nil)

	if len(s.rows) != 2 || s.rows[0].gun != "example.com/app" || !s.rows[1].orphan {
		t.Fatalf("rows: %+v", s.rows)
	}
	app, orphan := s.rows[0], s.rows[1]
	checks := []struct {
		name      string
		got, want int
	}{
		{"app: keys here (root, targets, the rotated-out targets key)", app.here, 3},
		{"app: missing, counted once for two roles", app.missing, 1},
		{"app: on the server", app.server, 2},
		{"app: weak", app.weak, 1},
		{"app: problems (expired targets, the missing key; server roles renew)", app.problems, 2},
		{"app: delegations", app.delegations, 2},
		{"app: extra key files", len(app.extra), 1},
		{"orphans: the gone repository's key, the signer, the root, the unreadable file", len(orphan.extra), 4},
		{"orphans: problems", orphan.problems, 1},
		{"header: repositories", s.counts.repos, 1},
		{"header: key files", s.counts.keys, 7},
		{"header: problems", s.counts.problems, 3},
		{"header: weak", s.counts.weak, 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	if app.expiresRole != "targets" || app.expUrgency != urgencyBad {
		t.Errorf("nearest expiry: %s %v (the server's snapshot and timestamp do not count)", app.expiresRole, app.expUrgency)
	}
	for _, q := range []struct {
		query string
		want  bool
	}{{"", true}, {"app", true}, {"example.com/a", true}, {"1111", true}, {"111", true}, {"1", true}, {"9999", true}, {"12x", false}, {"nothing", false}} {
		if got := matches(app, q.query); got != q.want {
			t.Errorf("matches(app, %q) = %v", q.query, got)
		}
	}
}

// TestWrapKeepsHyphenatedWords: wrapping breaks at spaces and after a
// path's slashes, never at a hyphen inside a date or a name, and a word
// longer than the line is still cut to fit.
func TestWrapKeepsHyphenatedWords(t *testing.T) {
	got := wrap("the targets key expires on 2029-12-01 and docker-credential-pass keeps it", 30)
	for _, l := range strings.Split(got, "\n") {
		if textWidth(l) > 30 {
			t.Errorf("line %q is wider than 30", l)
		}
	}
	for _, whole := range []string{"2029-12-01", "docker-credential-pass"} {
		if !strings.Contains(got, whole) {
			t.Errorf("%q was broken:\n%s", whole, got)
		}
	}
	long := strings.Repeat("x-", 30)
	for _, l := range strings.Split(wrap(long, 20), "\n") {
		if textWidth(l) > 20 {
			t.Errorf("an over-long word was not cut: %q", l)
		}
	}
	if got := wrap("/tmp/qa-home/trust/private/abc.key", 16); strings.Contains(got, "qa-\n") {
		t.Errorf("a path broke at its hyphen:\n%s", got)
	}
}

// A cut through a wide character on the tail's side must not make the
// text wider than asked (a home directory in Japanese, say).
func TestMiddleTruncateWide(t *testing.T) {
	for _, tc := range []struct {
		s     string
		width int
		want  string
	}{
		{"00000と00", 8, "0000…00"},
		{"/home/ユーザー/.docker/trust", 16, "/home/ユ…r/trust"},
	} {
		got := middleTruncate(tc.s, tc.width)
		if got != tc.want || textWidth(got) > tc.width {
			t.Errorf("middleTruncate(%q, %d) = %q (%d cells), want %q", tc.s, tc.width, got, textWidth(got), tc.want)
		}
	}
}

// FuzzTextLayout holds the view's text helpers to their promises for any
// text and width: nothing panics, what is shortened fits its cells, and
// what is wrapped fits its width (a single character wider than the
// width aside) and keeps every character but the spaces it breaks at.
func FuzzTextLayout(f *testing.F) {
	for _, s := range []string{"", "docker.io/acme/web-frontend", "2026-12-08 key-file-name.key --flag",
		"日本語のテキストと English words", "a\u2011b-c", "e\u0301tude naïve", "x\ty\r\nz", strings.Repeat("long/path/", 30)} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		width %= 200
		// The helpers take text as it will be shown: what reaches them is
		// printable (escape sequences in names are made visible before).
		s = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
				return -1
			}
			return r
		}, s)
		if got := truncate(s, width); textWidth(got) > max(width, 0) || (textWidth(s) <= width && got != s) {
			t.Fatalf("truncate(%q, %d) = %q, %d cells", s, width, got, textWidth(got))
		}
		if got := middleTruncate(s, width); textWidth(got) > max(width, 0) {
			t.Fatalf("middleTruncate(%q, %d) = %q, %d cells", s, width, got, textWidth(got))
		}
		if got := fit(s, width); width >= 0 && textWidth(got) != width && textWidth(got) > width {
			t.Fatalf("fit(%q, %d) = %q, %d cells", s, width, got, textWidth(got))
		}
		unspaced := func(x string) string { return strings.Join(strings.Fields(x), "") }
		widest := 0
		for _, r := range s {
			widest = max(widest, textWidth(string(r)))
		}
		if width > 4 && width-4 >= widest {
			for _, l := range wrapCommand(s, width) {
				if textWidth(l) > width {
					t.Fatalf("wrapCommand(%q, %d): line %q is %d cells", s, width, l, textWidth(l))
				}
			}
		}
		for name, out := range map[string]string{"wrap": wrap(s, width), "wrapIndent": wrapIndent(s, width, 2), "wrapHanging": wrapHanging(s, width, 4)} {
			if unspaced(out) != unspaced(s) {
				t.Fatalf("%s(%q, %d) lost or changed characters: %q", name, s, width, out)
			}
			if width <= 0 || width < widest || name == "wrapIndent" {
				continue // wrapIndent's continuation lines are wider by the indent
			}
			for _, l := range strings.Split(out, "\n") {
				if textWidth(l) > width {
					t.Fatalf("%s(%q, %d): line %q is %d cells", name, s, width, l, textWidth(l))
				}
			}
		}
	})
}
