package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// demoPublishModel is the demo vault's first repository page, with rs as
// the view's server set-up.
func demoPublishModel(t *testing.T, rs *remote.Setup, w, h int) (*Model, string) {
	t.Helper()
	info, s := sharedDemo(t)
	m := newModel(context.Background(), Options{Store: s, Now: vaulttest.Now, Remote: rs})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(vaultLoadedMsg{store: s, snap: relocated(t, s)})
	gun := info.Repositories[0].GUN
	deliver(m, repoSelectedMsg{gun: gun})
	return m, gun
}

// namedServer is a set-up whose server is named (DOCKER_CONTENT_TRUST_SERVER)
// but answers nothing: the form checks come before any request.
func namedServer(t *testing.T) *remote.Setup {
	t.Helper()
	env := map[string]string{remote.EnvTrustServer: "https://127.0.0.1:9", "HOME": t.TempDir()}
	rs, err := remote.NewSetup(remote.SetupInput{TrustDir: t.TempDir(), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// Publishing needs a server the person named: without one, S, X, a and o
// say so and how to name it, and open nothing.
func TestPublishNeedsANamedServer(t *testing.T) {
	unnamed, err := remote.NewSetup(remote.SetupInput{TrustDir: t.TempDir(), Getenv: func(k string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		rs   *remote.Setup
		want string
	}{
		{"no set-up", nil, "no notary server is set up for this view"},
		{"docker's guess only", unnamed, "no notary server is named"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"S", "X", "a", "o"} {
				m, _ := demoPublishModel(t, c.rs, 100, 30)
				press(m, k)
				out := flatScreen(m)
				if !strings.Contains(out, c.want) || !strings.Contains(out, "DOCKER_CONTENT_TRUST_SERVER") {
					t.Errorf("%s: the footer does not say why:\n%s", k, screen(m))
				}
				if _, ok := m.active().(*publishPage); ok {
					t.Errorf("%s opened the publish page without a server", k)
				}
			}
		})
	}
}

// The sign form checks what it is given as the command line does (the
// engine's CheckTag and Target), at the field, before asking the server.
func TestSignFormChecks(t *testing.T) {
	for _, c := range []struct {
		name   string
		fields []string
		want   string
	}{
		{"tag with a colon", []string{"v1:x"}, "is not a tag name"},
		{"short digest", []string{"v1", "sha256:abcd"}, "is not a sha256 digest"},
		{"size zero", []string{"v1", strings.Repeat("ab", 32), "0"}, "give the manifest's length in bytes"},
		{"size not a number", []string{"v1", strings.Repeat("ab", 32), "12kB"}, "is not a number of bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _ := demoPublishModel(t, namedServer(t), 100, 30)
			press(m, "S")
			for _, f := range c.fields {
				typeText(m, f)
				press(m, "enter")
			}
			p, ok := m.active().(*publishPage)
			if !ok {
				t.Fatalf("S opened no form:\n%s", screen(m))
			}
			for p.form.focus < len(p.form.fields)-1 && p.form.msg == "" {
				press(m, "enter")
			}
			press(m, "enter") // submit from the last field
			if p.step != pubAsk || p.req.what != "" {
				t.Fatalf("the form went on to the server: %+v", p)
			}
			if out := flatScreen(m); !strings.Contains(out, c.want) {
				t.Errorf("the form does not say %q:\n%s", c.want, screen(m))
			}
		})
	}
}

// A rotation opened from a lost-key guide carries the guide's context:
// which key was lost and why rotating is the fix, with its role chosen.
func TestRotateFromGuide(t *testing.T) {
	m, gun := demoPublishModel(t, namedServer(t), 100, 30)
	deliver(m, fillGuideCmd(m.c.snap, "targets", gun)()) // the guide L opens for the targets key
	if _, ok := m.active().(*guidePage); !ok {
		t.Fatalf("no guide:\n%s", screen(m))
	}
	press(m, "o")
	p, ok := m.active().(*publishPage)
	if !ok {
		t.Fatalf("o on the guide opened no rotation:\n%s", screen(m))
	}
	out := flatScreen(m)
	for _, want := range []string{"Rotate a key · " + gun, "The targets key", "is lost. Rotation is the fix: the root key signs a new targets key", "▸ targets"} {
		if !strings.Contains(out, want) {
			t.Errorf("the rotation does not say %q:\n%s", want, screen(m))
		}
	}
	if ch := p.choices[p.pick]; ch.role != "targets" || ch.serverManaged {
		t.Errorf("chosen: %+v", ch)
	}
	press(m, "j", "j")
	if ch := p.choices[p.pick]; ch.role != "snapshot" || !ch.serverManaged {
		t.Errorf("after j j: %+v", ch)
	}
	press(m, "esc")
	if _, ok := m.active().(*guidePage); !ok {
		t.Errorf("esc does not go back to the guide:\n%s", screen(m))
	}
}

// Revoke offers the tags the verified cache holds: ↓ puts one in the field.
func TestRevokePicksASignedTag(t *testing.T) {
	m, _ := demoPublishModel(t, namedServer(t), 100, 30)
	press(m, "X")
	deliver(m, pubTagsMsg{tags: []remote.SignedTag{{SignedTag: "v1", Digest: strings.Repeat("ab", 32), Signers: []string{"alice"}}, {SignedTag: "v2", Digest: strings.Repeat("cd", 32)}}})
	press(m, "down", "down")
	p := m.active().(*publishPage)
	if got := p.form.text(fieldTag); got != "v2" {
		t.Errorf("after ↓ ↓ the tag is %q", got)
	}
	press(m, "up")
	if got := p.form.text(fieldTag); got != "v1" {
		t.Errorf("after ↑ the tag is %q", got)
	}
	if out := flatScreen(m); !strings.Contains(out, "v1 sha256:abababababab… · alice") {
		t.Errorf("the signed tags are not listed:\n%s", screen(m))
	}
}

// The PIN and touch bridge: the engine's callbacks, on its goroutine,
// show the PIN prompt and the touch prompt in the view and take the answer
// back; esc answers ErrAborted, so the engine stops and publishes nothing.
func TestPublishPINAndTouchBridge(t *testing.T) {
	m, _ := demoPublishModel(t, namedServer(t), 100, 30)
	press(m, "S")
	p := m.active().(*publishPage)
	p.step, p.req.what = pubRunning, "sign x"
	r := &publishRun{hardenRun: &hardenRun{events: make(chan tea.Msg), done: make(chan struct{})},
		touch: newTouchSignal(), given: map[string][]byte{}}
	p.run = r
	defer r.stop()
	ref := vault.TokenRef{Serial: 30000009, Slot: "9c"}
	type answer struct {
		pin []byte
		err error
	}
	got := make(chan answer, 1)
	engine := func() {
		pin, err := r.askPIN(ref)
		got <- answer{pin, err}
	}

	go engine()
	deliver(m, r.next()())
	if out := flatScreen(m); !strings.Contains(out, "The key on Yubikey 30000009, slot 9c signs") || !strings.Contains(out, "PIN of Yubikey 30000009") {
		t.Fatalf("no PIN prompt:\n%s", screen(m))
	}
	typeText(m, "654321")
	if strings.Contains(screen(m), "654321") {
		t.Errorf("the PIN is shown as it is typed")
	}
	// The commands that wait for the engine's next event are not run:
	// this engine has none.
	m.Update(keyPress("enter"))
	if a := <-got; string(a.pin) != "654321" || a.err != nil {
		t.Errorf("the engine got %q, %v", a.pin, a.err)
	}

	r.touch.notify() // the engine's Touch callback: it must not block
	m.Update(r.next()())
	if out := flatScreen(m); !strings.Contains(out, "Touch the Yubikey now") {
		t.Errorf("no touch prompt:\n%s", screen(m))
	}

	go engine()
	deliver(m, r.next()())
	m.Update(keyPress("esc"))
	if a := <-got; !errors.Is(a.err, vault.ErrAborted) || a.pin != nil {
		t.Errorf("esc at the PIN: the engine got %q, %v", a.pin, a.err)
	}
}

// The confirmation's SIGNED BY names each role in full when the page has
// room for it (targets/releases was cut to "targets/releas…").
func TestPublishConfirmRoleNamesInFull(t *testing.T) {
	m, gun := demoPublishModel(t, namedServer(t), 80, 24)
	press(m, "S")
	p, ok := m.active().(*publishPage)
	if !ok {
		t.Fatalf("S opened no form:\n%s", screen(m))
	}
	p.req.what = "sign " + gun + ":v1"
	deliver(m, pubPlannedMsg{plan: &publish.Plan{GUN: gun, ServerSigned: []string{"timestamp"}, Signers: []publish.PlannedSigner{
		{Role: "targets/releases", KeyID: strings.Repeat("ab", 32), Path: "/trust/private/" + strings.Repeat("ab", 32) + ".key"},
		{Role: "targets/a-rather-long-signer-name", KeyID: strings.Repeat("cd", 32), Path: "/trust/private/" + strings.Repeat("cd", 32) + ".key"},
		{Role: "snapshot", KeyID: strings.Repeat("ef", 32), Path: "/trust/private/" + strings.Repeat("ef", 32) + ".key"},
	}}})
	out := screen(m)
	col := -1
	for _, want := range []string{"  targets/releases ", "  targets/a-rather-long-sig… ", "  snapshot "} {
		i := strings.Index(out, want)
		if i < 0 {
			t.Fatalf("the confirmation does not show %q:\n%s", want, out)
		}
		line := out[i:]
		line = line[:strings.IndexByte(line, '\n')]
		k := textWidth(line[:strings.Index(line, "key ")])
		if col >= 0 && k != col {
			t.Errorf("the key column is not aligned (%d, %d):\n%s", col, k, out)
		}
		col = k
	}
}

// S, X, a and o work on the signed tags tab as on the keys tab; its help
// lists them.
func TestPublishKeysOnTagsTab(t *testing.T) {
	m, _ := demoPublishModel(t, namedServer(t), 100, 40)
	press(m, "t", "?")
	help := flatScreen(m)
	for _, want := range []string{"S sign a tag", "X revoke a tag", "a add a signer", "o rotate a key"} {
		if !strings.Contains(help, want) {
			t.Errorf("the signed tags tab's help does not list %q:\n%s", want, screen(m))
		}
	}
	press(m, "q") // closes the help
	press(m, "X")
	if _, ok := m.active().(*publishPage); !ok {
		t.Errorf("X on the signed tags tab opened no revoke form:\n%s", screen(m))
	}
}

// While a field takes text the footer does not offer ! and ?, which type
// into it; the confirmation, with no field, offers them.
func TestFooterNoGlobalsWhileTyping(t *testing.T) {
	m, _ := demoPublishModel(t, namedServer(t), 250, 30)
	press(m, "S")
	lines := strings.Split(screen(m), "\n")
	if footer := lines[len(lines)-1]; strings.Contains(footer, "! health") || strings.Contains(footer, "? help") {
		t.Errorf("the footer offers keys that type into the field: %q", footer)
	}
	typeText(m, "!")
	if p := m.active().(*publishPage); p.form.text(fieldTag) != "!" {
		t.Errorf("! did not type into the field: %q", p.form.text(fieldTag))
	}
	press(m, "esc")
	lines = strings.Split(screen(m), "\n")
	if footer := lines[len(lines)-1]; !strings.Contains(footer, "! health") {
		t.Errorf("back on the repository page the footer does not offer ! health: %q", footer)
	}
}

// An engine error about the form (a key ID that is not here) leaves the
// focus on the field where enter was pressed, not on the first one.
func TestPublishEngineErrorKeepsFocus(t *testing.T) {
	m, _ := demoPublishModel(t, namedServer(t), 100, 30)
	press(m, "a")
	typeText(m, "carol")
	press(m, "enter")
	typeText(m, "deadbeef")
	p := m.active().(*publishPage)
	last := p.form.focus
	press(m, "enter")
	deliver(m, pubPlannedMsg{err: errors.New(`key "deadbeef": key not found (see trustvault list)`)})
	if p.form.focus != last || last == 0 {
		t.Errorf("after the engine's error the focus is on field %d, want %d (the key)", p.form.focus, last)
	}
	if out := flatScreen(m); !strings.Contains(out, "key not found") {
		t.Errorf("the error is not said:\n%s", screen(m))
	}
}

// On the signed tags tab the keys tab's cursor is hidden: L and n, which
// act on it, say so instead of opening a guide for a key not on screen.
func TestKeyActionsOnTagsTab(t *testing.T) {
	m, _ := demoPublishModel(t, namedServer(t), 100, 40)
	press(m, "t")
	for _, k := range []string{"L", "n"} {
		press(m, k)
		if _, ok := m.active().(*repoPage); !ok {
			t.Errorf("%s on the signed tags tab opened another page:\n%s", k, screen(m))
			press(m, "esc")
			continue
		}
		if !strings.Contains(flatScreen(m), "press t to go back to the keys") {
			t.Errorf("%s on the signed tags tab did not say why nothing opened:\n%s", k, screen(m))
		}
	}
}
