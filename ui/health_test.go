package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/health"
	"github.com/trustvault/trustvault/vault/keyrole"
)

// TestHealthGolden renders the health page, a lost-key guide and the error
// translator from the demo vault at 80x24 and 160x48 (see TestGolden).
func TestHealthGolden(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	cases := []goldenCase{
		{"health", func(m *Model) { press(m, "!") }},
		{"health-third", func(m *Model) { press(m, "!", "j", "j") }},
		{"health-key", func(m *Model) { press(m, "!", "enter") }},
		{"guide-delegation", func(m *Model) { press(m, "!", "L") }},
		{"guide-root", func(m *Model) { press(m, "enter", "L") }},
		{"guide-root-scrolled", func(m *Model) { press(m, "enter", "L", "space") }},
		{"explain", func(m *Model) {
			press(m, "x")
			deliver(m, pasteText("Error: remote repository docker.io/acme/tools out-of-date: targets expired at Thu Dec 3 12:00:00 UTC 2026"))
			press(m, "enter")
		}},
		{"help-health", func(m *Model) { press(m, "!", "?") }},
	}
	goldenScreens(t, s, snap, cases)
}

// TestHealthPage: most urgent first, counted in the header, each finding
// goes to its key, the key page shows its findings and the guide opens
// from there.
func TestHealthPage(t *testing.T) {
	info, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 120, 40)
	h := m.c.snap.health
	if h.warnings == 0 || h.notes == 0 {
		t.Fatalf("demo health: %d problems, %d warnings, %d notes", h.problems, h.warnings, h.notes)
	}
	if out := screen(m); !strings.Contains(out, plural(h.warnings, "warning", "warnings")) {
		t.Errorf("header does not count the warnings:\n%s", out)
	}
	// A health badge on every repository with a warning.
	if out := screen(m); !strings.Contains(out, "HEALTH") || !strings.Contains(out, "! ") {
		t.Errorf("repositories page has no health badges:\n%s", out)
	}

	press(m, "!")
	hp, ok := m.active().(*healthPage)
	if !ok {
		t.Fatalf("! opened %T", m.active())
	}
	for i := 1; i < len(h.findings); i++ {
		if h.findings[i].Severity > h.findings[i-1].Severity {
			t.Fatalf("findings not most urgent first at %d", i)
		}
	}
	first := h.findings[0]
	if first.Check != health.CheckMissingKey || first.KeyID != info.Missing.ID {
		t.Fatalf("first finding %s %s, want the missing key", first.Check, vault.ShortID(first.KeyID))
	}
	if out := screen(m); !strings.Contains(out, "Fix: ") {
		t.Errorf("the selected finding's fix is not shown:\n%s", out)
	}
	press(m, "!") // already there: nothing new
	if m.active() != hp {
		t.Error("! on the health page opened another")
	}

	// enter: to its key, whose page lists the finding and its fix.
	press(m, "enter")
	kp, ok := m.active().(*keyPage)
	if !ok || kp.ref.id != info.Missing.ID || kp.ref.location != vault.LocationMissing {
		t.Fatalf("enter opened %T %+v", m.active(), kp)
	}
	out := strings.Join(kp.lines, "\n")
	if !strings.Contains(ansiStrip(out), "HEALTH") || !strings.Contains(ansiStrip(out), "fix: if the signer still has it") {
		t.Errorf("key page lacks its health findings:\n%s", ansiStrip(out))
	}

	// L: the lost-key guide for this key, filled in.
	press(m, "L")
	gp, ok := m.active().(*guidePage)
	if !ok {
		t.Fatalf("L opened %T (status %q)", m.active(), m.status)
	}
	if gp.data.Kind != keyrole.Delegation || gp.data.Signer != "bob" || gp.data.GUN != info.Missing.GUN {
		t.Errorf("guide data %+v", gp.data)
	}
	text := ansiStrip(strings.Join(gp.lines, "\n"))
	for _, want := range []string{"docker trust signer remove bob " + info.Missing.GUN, "REPLACE THE KEY WITH DOCKER"} {
		if !strings.Contains(text, want) {
			t.Errorf("guide lacks %q:\n%s", want, text)
		}
	}
	press(m, "esc", "esc", "esc")
	if activeTitle(m) != "Repositories" {
		t.Errorf("back to %q", activeTitle(m))
	}
}

// TestHealthFindingWithoutKey: a finding about the directory itself says
// so instead of opening a page.
func TestHealthFindingWithoutKey(t *testing.T) {
	_, s := sharedDemo(t)
	snap := relocated(t, s)
	fs := append([]health.Finding{{Check: health.CheckFileMode, Severity: health.SeverityWarning, Message: "the private directory has mode 0755", Fix: "chmod 700 DIR"}}, snap.health.findings...)
	snap.setHealth(fs)
	m := newTestModel(t, s, snap, 100, 30)
	press(m, "!", "enter")
	if activeTitle(m) != "Health" || !strings.Contains(m.status, "chmod 700 DIR") {
		t.Errorf("page %q, status %q", activeTitle(m), m.status)
	}
}

// TestExplainPage: the translator takes pasted text, explains it in a
// command, and leaves with esc; typed letters do not trigger global keys.
func TestExplainPage(t *testing.T) {
	_, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 100, 30)
	press(m, "enter", "x")
	ep, ok := m.active().(*explainPage)
	if !ok {
		t.Fatalf("x opened %T", m.active())
	}
	press(m, "!", "x", "q") // typed, not health or quit
	if m.active() != ep || ep.input.Value() != "!xq" {
		t.Fatalf("typing: page %T, input %q", m.active(), ep.input.Value())
	}
	for range 3 {
		press(m, "backspace")
	}
	deliver(m, pasteText("* fatal: could not retrieve local key for key ID provided: 0000000000000000000000000000000000000000000000000000000000000000"))
	press(m, "enter")
	if len(ep.results) == 0 || ep.results[0].Cause != health.CauseKeyNotFound {
		t.Fatalf("results %+v", ep.results)
	}
	if out := screen(m); !strings.Contains(out, "Notary found no key file with this ID") {
		t.Errorf("screen:\n%s", out)
	}
	press(m, "esc")
	if activeTitle(m) != "docker.io/acme/tools" {
		t.Errorf("esc went to %q", activeTitle(m))
	}
}

// TestRenderGuide: headings, wrapped paragraphs and items, commands
// wrapped with a continuation backslash so that they still paste whole.
func TestRenderGuide(t *testing.T) {
	text := "# Title\n\nA paragraph that is long enough to wrap at twenty cells.\n\n## Section\n\n- an item that wraps onto a second line\n1. a numbered item\n\n```sh\nnotary -s SERVER -d /a/very/long/path key rotate GUN targets\n```\n"
	got := renderGuide(PlainStyles(), text, 30)
	want := []string{
		"Title", "", "A paragraph that is long", "enough to wrap at twenty", "cells.", "",
		"SECTION", "", "- an item that wraps onto a", "  second line", "1. a numbered item", "",
		"    notary -s SERVER -d \\", "      /a/very/long/path key \\", "      rotate GUN targets",
	}
	for i := range got {
		got[i] = ansiStrip(got[i])
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// pasteText is what the terminal sends when text is pasted.
func pasteText(s string) tea.PasteMsg { return tea.PasteMsg{Content: s} }

func ansiStrip(s string) string { return ansi.Strip(s) }
