package ui

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/demo"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// activeTitle is the breadcrumb part of the page on top.
func activeTitle(m *Model) string {
	if p := m.active(); p != nil {
		return p.Title()
	}
	return ""
}

// selectedRow is the row under the cursor on the repositories page.
func selectedRow(t *testing.T, m *Model) *repoRow {
	t.Helper()
	p, ok := m.active().(*reposPage)
	if !ok {
		t.Fatalf("active page is %T, want the repositories page", m.active())
	}
	if !p.list.selected() {
		return nil
	}
	return p.rows[p.list.cursor]
}

// quits reports whether a command ends the program.
func quits(cmd tea.Cmd) bool {
	for _, msg := range run(cmd) {
		if _, ok := msg.(quitRequestedMsg); ok {
			return true
		}
	}
	if cmd == nil || isTimer(cmd) {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestNavigation(t *testing.T) {
	info, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 80, 24)

	if got := activeTitle(m); got != "Repositories" {
		t.Fatalf("first page %q, want Repositories", got)
	}
	// Rows are sorted by GUN, and the keys without a repository come last.
	p := m.active().(*reposPage)
	var guns []string
	for _, r := range p.rows {
		guns = append(guns, rowTitle(r))
	}
	want := []string{
		"docker.io/acme/tools",
		"notary.internal.example.com:4443/platform-team/observability/collector",
		"registry.example.com/acme/api",
		"registry.example.com/acme/web",
		orphanTitle,
	}
	if strings.Join(guns, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(guns, "\n"), strings.Join(want, "\n"))
	}

	steps := []struct {
		keys  []string
		title string
		check func(t *testing.T)
	}{
		{keys: []string{"j", "down", "k"}, title: "Repositories", check: func(t *testing.T) {
			if r := selectedRow(t, m); r.gun != want[1] {
				t.Errorf("cursor on %q, want %q", r.gun, want[1])
			}
		}},
		{keys: []string{"j", "enter"}, title: "registry.example.com/acme/api"},
		{keys: []string{"G"}, title: "registry.example.com/acme/api", check: func(t *testing.T) {
			rp := m.active().(*repoPage)
			if l := rp.lines[rp.list.cursor]; l.ref.id != info.Missing.ID {
				t.Errorf("last key %s, want the missing key %s", vault.ShortID(l.ref.id), vault.ShortID(info.Missing.ID))
			}
		}},
		{keys: []string{"enter"}, title: "key " + vault.ShortID(info.Missing.ID), check: func(t *testing.T) {
			kp := m.active().(*keyPage)
			if kp.file != nil || kp.keys.Passphrase.Enabled() || kp.keys.Export.Enabled() {
				t.Error("a missing key offers actions")
			}
			if !strings.Contains(screen(m), "missing: metadata names it") {
				t.Errorf("key page does not say the key is missing:\n%s", screen(m))
			}
		}},
		{keys: []string{"?"}, title: "key " + vault.ShortID(info.Missing.ID), check: func(t *testing.T) {
			if !m.showHelp || !strings.Contains(screen(m), "Help") {
				t.Errorf("? did not open the help:\n%s", screen(m))
			}
		}},
		{keys: []string{"x"}, title: "key " + vault.ShortID(info.Missing.ID), check: func(t *testing.T) {
			if m.showHelp {
				t.Error("a key did not close the help")
			}
		}},
		{keys: []string{"esc"}, title: "registry.example.com/acme/api"},
		{keys: []string{"g", "enter"}, title: "key " + vault.ShortID(info.RootKeys[0]), check: func(t *testing.T) {
			kp := m.active().(*keyPage)
			if kp.file == nil || !kp.keys.Passphrase.Enabled() || !kp.keys.Export.Enabled() {
				t.Error("the root key offers no actions")
			}
		}},
		{keys: []string{"q"}, title: "registry.example.com/acme/api"},
		{keys: []string{"h"}, title: "Repositories", check: func(t *testing.T) {
			if r := selectedRow(t, m); r.gun != want[2] {
				t.Errorf("back on %q, want the cursor kept on %q", r.gun, want[2])
			}
		}},
		{keys: []string{"esc"}, title: "Repositories"}, // nothing to go back to
		{keys: []string{"G", "enter"}, title: "Keys without a repository", check: func(t *testing.T) {
			rp := m.active().(*repoPage)
			if l := rp.lines[rp.list.cursor]; l.ref.id != info.Orphan.ID {
				t.Errorf("keys without a repository: cursor on %s, want the orphan %s", vault.ShortID(l.ref.id), vault.ShortID(info.Orphan.ID))
			}
		}},
	}
	for i, step := range steps {
		press(m, step.keys...)
		if got := activeTitle(m); got != step.title {
			t.Fatalf("step %d (%v): page %q, want %q\n%s", i, step.keys, got, step.title, screen(m))
		}
		if step.check != nil {
			step.check(t)
		}
	}
}

func TestQuit(t *testing.T) {
	_, s := sharedDemo(t)
	tests := []struct {
		name  string
		setup []string
		key   string
		want  bool
	}{
		{"q on the first page", nil, "q", true},
		{"ctrl+c on the first page", nil, "ctrl+c", true},
		{"ctrl+c on a key page", []string{"enter", "enter"}, "ctrl+c", true},
		{"ctrl+c in a form", []string{"enter", "enter", "p"}, "ctrl+c", true},
		{"q on a repository page goes back", []string{"enter"}, "q", false},
		{"q in the filter is text", []string{"/"}, "q", false},
		{"esc on the first page stays", nil, "esc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, s, relocated(t, s), 80, 24)
			press(m, tt.setup...)
			_, cmd := m.Update(keyPress(tt.key))
			if got := quits(cmd); got != tt.want {
				t.Errorf("quits = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	info, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 80, 24)
	p := m.active().(*reposPage)

	press(m, "/", "a", "p", "i")
	if !p.filtering || p.query != "api" || len(p.rows) != 1 || p.rows[0].gun != "registry.example.com/acme/api" {
		t.Fatalf("filter %q: filtering %v, %d rows", p.query, p.filtering, len(p.rows))
	}
	if !strings.Contains(screen(m), "1 of 5") {
		t.Errorf("the filter line does not count the matches:\n%s", screen(m))
	}
	// Keys the root would take are text while typing.
	press(m, "r", "?")
	if p.query != "apir?" || m.showHelp {
		t.Errorf("typed r and ?: query %q, help %v", p.query, m.showHelp)
	}
	if !strings.Contains(screen(m), "Nothing matches") {
		t.Errorf("no match is not explained:\n%s", screen(m))
	}
	press(m, "backspace", "backspace", "enter")
	if p.filtering || p.query != "api" {
		t.Fatalf("enter: filtering %v, query %q", p.filtering, p.query)
	}
	press(m, "enter")
	if activeTitle(m) != "registry.example.com/acme/api" {
		t.Fatalf("enter on the filtered row opened %q", activeTitle(m))
	}
	press(m, "esc", "esc")
	if p.query != "" || len(p.rows) != 5 {
		t.Errorf("esc did not clear the filter: %q, %d rows", p.query, len(p.rows))
	}

	// A key ID prefix finds the repositories that use the key: the shared
	// root key is in three of them.
	press(m, "/")
	press(m, strings.Split(info.RootKeys[0][:7], "")...)
	if len(p.rows) != 3 {
		t.Errorf("filter by root key ID: %d rows, want 3", len(p.rows))
	}
	press(m, "esc")
	if p.filtering || p.query != "" {
		t.Errorf("esc while typing: filtering %v, query %q", p.filtering, p.query)
	}
}

func TestSort(t *testing.T) {
	info, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 80, 24)
	press(m, "s")
	p := m.active().(*reposPage)
	if p.order != sortByExpiry || p.rows[0].gun != info.Expiring.GUN {
		t.Errorf("sorted by %v: first %q, want the expiring %q", p.order, p.rows[0].gun, info.Expiring.GUN)
	}
	if !p.rows[len(p.rows)-1].orphan {
		t.Error("a row without expiry is not last")
	}
	press(m, "s")
	if p.order != sortByName || p.rows[0].gun != "docker.io/acme/tools" {
		t.Errorf("sorted back by %v: first %q", p.order, p.rows[0].gun)
	}
}

func TestRepositoryPage(t *testing.T) {
	info, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 80, 24)
	press(m, "j", "j", "enter")
	p := m.active().(*repoPage)

	// The five key types, in the fixed order, each once.
	var kinds []string
	for _, l := range p.lines {
		if l.kind == lineHeading && l.title == "" {
			kinds = append(kinds, l.heading.String())
		}
	}
	if got := strings.Join(kinds, " "); got != "root targets snapshot timestamp delegation" {
		t.Errorf("headings %q", got)
	}
	out := screen(m)
	for _, want := range []string{"ROOT", "TARGETS", "SNAPSHOT", "TIMESTAMP", "DELEGATIONS",
		"targets/releases", "signing server", "missing", "(weak)", "threshold 1 of 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("repository page lacks %q:\n%s", want, out)
		}
	}
	// The cursor rests on keys only.
	for range 20 {
		if l := p.lines[p.list.cursor]; l.kind != lineKey {
			t.Fatalf("cursor on a %v line", l.kind)
		}
		press(m, "j")
	}
	// The expiring role is flagged.
	m = newTestModel(t, s, relocated(t, s), 160, 48)
	press(m, "enter")
	if !strings.Contains(screen(m), "2026-12-03, in 12d") || info.Expiring.Role != "targets" {
		t.Errorf("the expiring targets role is not shown with its date:\n%s", screen(m))
	}
}

func TestMouseWheel(t *testing.T) {
	_, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 80, 24)
	deliver(m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if r := selectedRow(t, m); r.gun != "registry.example.com/acme/web" {
		t.Errorf("wheel down: cursor on %q", r.gun)
	}
	deliver(m, tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if r := selectedRow(t, m); r.gun != "docker.io/acme/tools" {
		t.Errorf("wheel up: cursor on %q", r.gun)
	}
}

// demoStore opens a fresh demo vault whose writes use notary's iteration
// count, so that changing a passphrase takes milliseconds.
func demoStore(t *testing.T) (*demo.Info, *vault.Store) {
	t.Helper()
	info, _ := vaulttest.Demo(t)
	s, err := vault.Open(info.Dir, vault.WithIterations(vault.CompatIterations+1))
	if err != nil {
		t.Fatal(err)
	}
	return info, s
}

// openKey shows the key page of id.
func openKey(t *testing.T, s *vault.Store, id string) *Model {
	t.Helper()
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 80, 24)
	deliver(m, keySelectedMsg{ref: keyRef{id: id, location: vault.LocationFile}})
	if activeTitle(m) != "key "+vault.ShortID(id) {
		t.Fatalf("key page %q", activeTitle(m))
	}
	return m
}

// typeText presses one key per character.
func typeText(m *Model, s string) {
	for _, r := range s {
		press(m, string(r))
	}
}

// TestChangePassphrase drives p on the key page: the change-passphrase
// flow (passphrase_pages.go) checks the current passphrase at once, then
// takes a new one from the passphrase chooser.
func TestChangePassphrase(t *testing.T) {
	info, s := demoStore(t)
	id := info.RootKeys[0]
	k, err := s.Key(id)
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(k.Path)
	if err != nil {
		t.Fatal(err)
	}
	m := openKey(t, s, id)
	kp := m.active().(*keyPage)

	press(m, "p")
	pp, ok := m.active().(*passwdPage)
	if !ok || !m.active().Capturing() || pp.old.fields[0].input.EchoMode == echoNormal {
		t.Fatalf("p did not open the change-passphrase flow with a hidden input: %T", m.active())
	}

	// A wrong current passphrase: a clear error at once, the file unchanged,
	// and the current passphrase asked for again.
	typeText(m, "wrong-old-passphrase")
	press(m, "enter")
	if pp.step != pwOld || !strings.Contains(pp.old.msg, "Wrong passphrase: nothing was changed") {
		t.Fatalf("wrong passphrase: step %v, error %q", pp.step, pp.old.msg)
	}
	if !strings.Contains(screen(m), "Wrong passphrase") || strings.Contains(screen(m), "wrong-old") {
		t.Errorf("the error is not shown, or the passphrase is:\n%s", screen(m))
	}
	if after, _ := os.ReadFile(k.Path); !bytes.Equal(before, after) {
		t.Fatal("a wrong passphrase changed the key file")
	}

	// The right one: on to the chooser. A typed passphrase below the root
	// minimum is refused; a mismatched confirmation is refused.
	typeText(m, demo.Passphrase)
	press(m, "enter")
	if pp.step != pwNew {
		t.Fatalf("after the right passphrase: step %v, error %q", pp.step, pp.err)
	}
	press(m, "tab", "tab") // words → characters → type your own
	typeText(m, "a-much-better-passphrase")
	press(m, "enter")
	if !strings.Contains(pp.ch.note, "too weak for a root key") {
		t.Fatalf("weak passphrase: note %q", pp.ch.note)
	}
	const good = "Fq9-Zt4m-Lw2x-Rk7p-Hy3c-V"
	for range len("a-much-better-passphrase") {
		press(m, "backspace")
	}
	typeText(m, good)
	press(m, "enter")
	if pp.ch.step != stepConfirm {
		t.Fatalf("strong passphrase: step %v, note %q", pp.ch.step, pp.ch.note)
	}
	typeText(m, good+"x")
	press(m, "enter")
	if !strings.Contains(pp.ch.note, "does not match") {
		t.Fatalf("mismatch: note %q", pp.ch.note)
	}
	if after, _ := os.ReadFile(k.Path); !bytes.Equal(before, after) {
		t.Fatal("the key file changed before the passphrase was confirmed")
	}
	typeText(m, good)
	press(m, "enter")
	if m.active() != kp {
		t.Fatalf("the flow did not close: %T", m.active())
	}
	if !strings.Contains(m.status, "Passphrase changed") || m.statusErr {
		t.Errorf("status %q", m.status)
	}
	if f := kp.file; f == nil || f.Encryption.Iterations != vault.CompatIterations+1 {
		t.Errorf("after the change the page shows %+v", kp.file)
	}
	if _, err := s.Unlock(id, once([]byte(good))); err != nil {
		t.Errorf("the key does not open with its new passphrase: %v", err)
	}
	if strings.Contains(screen(m), good) {
		t.Error("the passphrase is on the screen")
	}
}

func TestExportPublicKey(t *testing.T) {
	info, s := demoStore(t)
	id := info.RootKeys[1]
	out := filepath.Join(t.TempDir(), "root.pub")

	m := openKey(t, s, id)
	kp := m.active().(*keyPage)
	press(m, "e")
	typeText(m, "not-the-passphrase")
	press(m, "enter")
	typeText(m, out)
	press(m, "enter")
	if kp.form == nil || !strings.Contains(kp.form.msg, "Wrong passphrase") {
		t.Fatalf("export with a wrong passphrase: %+v", kp.form)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a wrong passphrase wrote the file")
	}
	// The path typed stays after a wrong passphrase: only the passphrase
	// is asked again.
	if kp.form.text(fieldPath) != out || kp.form.text(fieldPass) != "" {
		t.Fatalf("after a wrong passphrase: path %q, passphrase of %d characters", kp.form.text(fieldPath), len(kp.form.text(fieldPass)))
	}
	typeText(m, demo.Passphrase)
	press(m, "enter")
	press(m, "enter")
	pem, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(pem), "PUBLIC KEY") || !strings.Contains(string(pem), "role: root") {
		t.Fatalf("exported file: %v\n%s", err, pem)
	}
	if !strings.Contains(m.status, "Public key written to "+out) {
		t.Errorf("status %q", m.status)
	}

	// The same file again is refused, not overwritten.
	press(m, "e")
	typeText(m, demo.Passphrase)
	press(m, "enter")
	typeText(m, out)
	press(m, "enter")
	if kp.form == nil || !strings.Contains(kp.form.msg, "already exists") {
		t.Fatalf("export over an existing file: %+v", kp.form)
	}
	press(m, "esc")

	// No file: the key is shown on the page.
	press(m, "e")
	typeText(m, demo.Passphrase)
	press(m, "enter", "enter")
	if kp.form != nil || !strings.Contains(screen(m), "BEGIN PUBLIC KEY") {
		t.Errorf("export to the screen:\n%s", screen(m))
	}
}

func TestSmallTerminal(t *testing.T) {
	info, s := sharedDemo(t)
	snap := relocated(t, s)
	for _, size := range [][2]int{{40, 10}, {20, 5}, {1, 1}, {80, 24}, {250, 70}} {
		w, h := size[0], size[1]
		m := newTestModel(t, s, snap, w, h)
		pages := map[string]func(){
			"repositories": func() {},
			"repository":   func() { press(m, "j", "j", "enter") },
			"key":          func() { press(m, "enter") },
			"form":         func() { press(m, "p") },
			"help":         func() { press(m, "esc", "?") },
		}
		for _, name := range []string{"repositories", "repository", "key", "form", "help"} {
			pages[name]()
			out := screen(m)
			lines := strings.Split(out, "\n")
			if len(lines) != h {
				t.Errorf("%dx%d %s: %d lines", w, h, name, len(lines))
			}
			for i, l := range lines {
				if lw := ansi.StringWidth(l); lw > w {
					t.Errorf("%dx%d %s: line %d is %d wide: %q", w, h, name, i, lw, l)
				}
			}
			if w >= 40 && name == "repositories" && !strings.Contains(out, "docker.io/acme/tools") {
				t.Errorf("%dx%d: no repository shown:\n%s", w, h, out)
			}
			if w >= 40 && name == "key" && !strings.Contains(out, info.RootKeys[0][:20]) {
				t.Errorf("%dx%d: key page without the key's ID:\n%s", w, h, out)
			}
		}
	}
}

func TestEmptyTrustDirectory(t *testing.T) {
	tests := []struct {
		name string
		dir  func(t *testing.T) string
		want string
	}{
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nothing", "trust") }, "does not exist yet"},
		{"empty", func(t *testing.T) string { return t.TempDir() }, "no keys or repositories"},
		{"empty private and tuf", func(t *testing.T) string {
			d := t.TempDir()
			for _, sub := range []string{"private", "tuf"} {
				if err := os.Mkdir(filepath.Join(d, sub), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			return d
		}, "no keys or repositories"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := vault.Open(tt.dir(t))
			if err != nil {
				t.Fatal(err)
			}
			m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 80, 24)
			out := screen(m)
			for _, want := range []string{tt.want, "trustvault --demo", "generate --role root", "0 repositories · 0 keys"} {
				if !strings.Contains(out, want) {
					t.Errorf("empty state lacks %q:\n%s", want, out)
				}
			}
			press(m, "enter", "j", "/", "x", "esc") // nothing to open; nothing breaks
			if activeTitle(m) != "Repositories" {
				t.Errorf("page %q", activeTitle(m))
			}
		})
	}
}

func TestUnreadableFiles(t *testing.T) {
	info, _ := vaulttest.Demo(t)
	priv := filepath.Join(info.Dir, "private")
	bad := map[string]string{
		"0000000000000000000000000000000000000000000000000000000000000000.key": "not a PEM file",
		"notes.key": "-----BEGIN SOMETHING-----\nAAAA\n-----END SOMETHING-----\n",
	}
	for name, data := range bad {
		if err := os.WriteFile(filepath.Join(priv, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A metadata file that is not JSON.
	meta := filepath.Join(info.Dir, "tuf", "registry.example.com", "acme", "web", "metadata", "snapshot.json")
	if err := os.WriteFile(meta, []byte("{truncated"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := vault.Open(info.Dir)
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 160, 48)
	// The header counts health problems: the missing signer key is a
	// warning there (held by its signer, or lost).
	if c := m.c.snap.counts; c.problems != 3 {
		t.Errorf("problems %d, want 2 unreadable files and 1 metadata file", c.problems)
	}
	out := screen(m)
	if !strings.Contains(out, "2 unreadable") || !strings.Contains(out, "1 metadata problem") {
		t.Errorf("repositories page does not show the unreadable files:\n%s", out)
	}
	press(m, "j", "j", "j", "enter")
	if out := screen(m); !strings.Contains(out, "METADATA") || !strings.Contains(out, "snapshot.json") {
		t.Errorf("repository page does not show the metadata problem:\n%s", out)
	}
	press(m, "esc", "G", "enter")
	out = screen(m)
	if !strings.Contains(out, "UNREADABLE") || !strings.Contains(out, "notes.key") || !strings.Contains(out, "unreadable:") {
		t.Errorf("keys without a repository do not list the unreadable files:\n%s", out)
	}
	press(m, "G", "enter")
	if kp, ok := m.active().(*keyPage); !ok || kp.file == nil || kp.file.Err == nil || kp.keys.Passphrase.Enabled() {
		t.Fatalf("unreadable key page: %T", m.active())
	}
	if out := screen(m); !strings.Contains(out, "Error") {
		t.Errorf("key page does not show the error:\n%s", out)
	}
}

func TestRefresh(t *testing.T) {
	info, s := demoStore(t)
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 80, 24)
	press(m, "j", "j", "enter") // registry.example.com/acme/api
	if m.c.snap.counts.keys != 10 {
		t.Fatalf("%d keys", m.c.snap.counts.keys)
	}
	// Another program adds the missing signer's key... as a new key for a
	// new delegation, and removes the orphan.
	if _, err := s.Generate("targets/qa", "", "", once([]byte(demo.Passphrase))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(info.Orphan.Path); err != nil {
		t.Fatal(err)
	}
	press(m, "r")
	if m.loading {
		t.Fatal("still loading")
	}
	if got := m.c.snap.counts.keys; got != 10 {
		t.Errorf("after refresh %d keys, want 10 (one added, one removed)", got)
	}
	if activeTitle(m) != "registry.example.com/acme/api" {
		t.Errorf("refresh left the page: %q", activeTitle(m))
	}
	press(m, "esc")
	rows := m.active().(*reposPage).rows
	if last := rows[len(rows)-1]; !last.orphan || len(last.extra) != 1 || last.extra[0].Role != "targets/qa" {
		t.Errorf("keys without a repository after refresh: %+v", last.extra)
	}
}

func TestRefreshClosesGonePages(t *testing.T) {
	info, s := demoStore(t)
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 80, 24)
	press(m, "G", "enter", "enter")
	if activeTitle(m) != "key "+vault.ShortID(info.Orphan.ID) {
		t.Fatalf("page %q", activeTitle(m))
	}
	if err := os.Remove(info.Orphan.Path); err != nil {
		t.Fatal(err)
	}
	press(m, "r")
	if activeTitle(m) != "Repositories" || !strings.Contains(m.status, "no longer") {
		t.Errorf("after the key went: page %q, status %q", activeTitle(m), m.status)
	}
}

func TestFirstFrame(t *testing.T) {
	_, s := sharedDemo(t)
	m := newModel(context.Background(), Options{Store: s, Now: vaulttest.Now})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if cmd := m.Init(); cmd == nil {
		t.Fatal("Init starts nothing")
	}
	out := screen(m)
	if !strings.Contains(out, "Reading") || !strings.Contains(out, s.Dir()) {
		t.Errorf("first frame:\n%s", out)
	}
	v := m.View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion {
		t.Error("the view is not in the alternate screen with the mouse on")
	}
	deliver(m, m.loadCmd()())
	if m.loading || activeTitle(m) != "Repositories" {
		t.Errorf("after loading: loading %v, page %q", m.loading, activeTitle(m))
	}
}

func TestPrepareFails(t *testing.T) {
	m := newModel(context.Background(), Options{Prepare: func(context.Context) (*vault.Store, error) {
		return nil, errors.New("disk full")
	}})
	start(m)
	if out := screen(m); !strings.Contains(out, "disk full") {
		t.Errorf("failure not shown:\n%s", out)
	}
	_, cmd := m.Update(keyPress("q"))
	if !quits(cmd) {
		t.Error("q does not leave after a failure")
	}
}

func TestStyles(t *testing.T) {
	_, s := sharedDemo(t)
	m := newTestModel(t, s, relocated(t, s), 80, 24)
	dark := m.c.styles.Title
	deliver(m, tea.BackgroundColorMsg{Color: color.White})
	if light := m.c.styles.Title; light == dark {
		t.Error("a light background did not change the styles")
	}

	plain := newModel(context.Background(), Options{Store: s, NoColor: true})
	plain.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	deliver(plain, vaultLoadedMsg{store: s, snap: relocated(t, s)})
	deliver(plain, tea.BackgroundColorMsg{Color: color.White})
	if sgr := colourSGR(plain.render()); sgr != "" {
		t.Errorf("NO_COLOR view has colour: %q", sgr)
	}
	if sgr := colourSGR(m.render()); sgr == "" {
		t.Error("the colour view has no colour")
	}
	if !noColor([]string{"NO_COLOR=yes"}) || noColor([]string{"NO_COLOR="}) || noColor(nil) {
		t.Error("NO_COLOR: any non-empty value disables colour")
	}
}

// colourSGR returns the first escape sequence in s that sets a colour.
func colourSGR(s string) string {
	for _, m := range regexp.MustCompile(`\x1b\[([0-9;:]*)m`).FindAllStringSubmatch(s, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, _ := strconv.Atoi(p)
			if n >= 30 && n <= 49 && n != 39 && n != 49 || n >= 90 && n <= 107 {
				return m[0]
			}
		}
	}
	return ""
}
