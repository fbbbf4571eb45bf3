//go:build cgo && linux

package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// The publishing commands as the built binary, with the root key on an
// emulated Yubikey behind the PIV rig's real pcscd, against the real
// notary-server rig; two Yubikeys are plugged in, so the commands must be
// told which (--serial) where the choice matters. A fresh stock notary CLI
// reads what they published. The wrong PIN publishes nothing and leaves
// the trust directory byte for byte as it was.
func TestPublishWithRootOnYubikey(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	prig := pivtest.Start(t)
	const other, chosen = 21000011, 21000012
	prig.Insert(t, 0, pivtest.NewYubiKey5(other))
	card := pivtest.NewYubiKey5(chosen)
	prig.Insert(t, 1, card)
	setup, err := token.SetUp(chosen, token.Setup{PIN: []byte(pivtest.FactoryPIN), PUK: []byte(pivtest.FactoryPUK)})
	if err != nil {
		t.Fatal(err)
	}
	c := newPubCLI(t, rig)
	c.env = slices.DeleteFunc(c.env, func(kv string) bool { return strings.HasPrefix(kv, "PCSCLITE_CSOCK_NAME=") })
	c.env = append(append(c.env, prig.Env()...), envPIVPIN+"="+string(setup.NewPIN))
	gun := "registry.test/team/onkey"
	srv := []string{"--server", rig.URL, "--tlscacert", rig.CAFile}

	// Two Yubikeys, none chosen: which one takes the new root key is the
	// person's choice.
	if err := os.MkdirAll(c.trust, 0o700); err != nil {
		t.Fatal(err)
	}
	before := treeSums(t, c.trust)
	code, out, errs := c.run(append([]string{"init", gun}, srv...)...)
	if code != 1 || !strings.Contains(errs, "21000011, 21000012") || !strings.Contains(errs, "--serial") || strings.Contains(out, "published") {
		t.Errorf("init with two Yubikeys and no --serial: status %d\nstdout %s\nstderr %s", code, out, errs)
	}
	t.Logf("two Yubikeys: %s", errs)
	if after := treeSums(t, c.trust); len(after) != len(before) {
		t.Errorf("the refused init wrote %d files", len(after)-len(before))
	}
	code, _, errs = c.run(append([]string{"init", gun, "--serial", "21000099"}, srv...)...)
	if code != 1 || !strings.Contains(errs, "Yubikey 21000099 is not plugged in (plugged in: 21000011, 21000012)") {
		t.Errorf("init --serial of a Yubikey not plugged in: status %d, %s", code, errs)
	}

	out = c.ok([]string{gun + ": published root, targets", "(Yubikey 21000012, slot 9c)", "on Yubikey 21000012"},
		append([]string{"init", gun, "--serial", "21000012"}, srv...)...)
	if !strings.Contains(out, "signed by root: key") {
		t.Errorf("init: root.json not signed by the root key:\n%s", out)
	}
	d1, s1 := manifest("on-key manifest v1")
	c.ok([]string{"published targets"}, append([]string{"sign", gun + ":v1", "--digest", d1, "--size", s1}, srv...)...)

	// The wrong PIN: the card says so and how many tries are left, and no
	// one is told to touch a token that will not sign; nothing is published
	// and no byte of the trust directory changes.
	before = treeSums(t, c.trust)
	served := serverRoot(t, rig, gun)
	retries := card.State().PINRetries
	wrong := append(slices.Clone(c.env), envPIVPIN+"=99999999")
	good := c.env
	c.env = wrong
	code, out, errs = c.run(append([]string{"rotate", gun, "targets", "--serial", "21000012"}, srv...)...)
	c.env = good
	left := card.State().PINRetries
	if code != 1 || left != retries-1 || !strings.Contains(errs, "wrong PIN") || !strings.Contains(errs, "tries left") ||
		!strings.Contains(errs, "nothing was published") || strings.Contains(out, "published") || strings.Contains(errs, "Touch the") {
		t.Errorf("rotate with a wrong PIN: status %d, PIN retries %d -> %d\nstdout %s\nstderr %s", code, retries, left, out, errs)
	}
	t.Logf("wrong PIN: %s", errs)
	sameTree(t, "the wrong PIN", before, treeSums(t, c.trust))
	if serverRoot(t, rig, gun) != served {
		t.Error("the server's root.json changed after the rotation with a wrong PIN")
	}

	// The root key is on one of the two Yubikeys only: no choice to make.
	// The PIN is typed at the prompt in a real terminal this time.
	rotatePINPrompt(t, c, setup.NewPIN, append([]string{"rotate", gun, "targets"}, srv...)...)
	d2, s2 := manifest("on-key manifest v2")
	c.ok([]string{"published targets"}, append([]string{"sign", gun + ":v2", "--digest", d2, "--size", s2, "--serial", "21000012"}, srv...)...)

	got := map[string]string{}
	for _, tg := range rig.NewNotary(t).List(gun, "") {
		got[tg.Name] = tg.SHA256
	}
	if len(got) != 2 || got["v1"] != d1 || got["v2"] != d2 {
		t.Errorf("fresh notary list %s: %v, want v1 %s and v2 %s", gun, got, d1, d2)
	}
}

// rotatePINPrompt runs trustvault with args in a terminal (tmux) without
// TRUSTVAULT_PIV_PIN, types pin at its prompt, and wants the rotation
// published, the PIN never shown.
func rotatePINPrompt(t *testing.T, c *pubCLI, pin []byte, args ...string) {
	t.Helper()
	argv := []string{"env", "-i", "TERM=xterm-256color", "LANG=C.UTF-8"}
	for _, kv := range c.env {
		if !strings.HasPrefix(kv, envPIVPIN+"=") && !strings.HasPrefix(kv, "TERM=") {
			argv = append(argv, kv)
		}
	}
	argv = append(append(argv, c.bin, "--trust-dir", c.trust), args...)
	tm := tools.StartTmux(t, 200, 40, argv...)
	tm.WaitFor("PIN prompt", "Enter the PIN of Yubikey 21000012")
	tm.Type(string(pin))
	tm.Send("Enter")
	if status := tm.Exited(); status != "0" {
		t.Fatalf("rotate with the PIN typed: status %s\n%s", status, tm.Scrollback())
	}
	screen := tm.Scrollback()
	for _, want := range []string{"published root, targets", "signed by root: key", "(Yubikey 21000012, slot 9c)", "new targets key"} {
		if !strings.Contains(screen, want) {
			t.Errorf("rotate with the PIN typed: the terminal lacks %q:\n%s", want, screen)
		}
	}
	if p, tch := strings.Index(screen, "Enter the PIN"), strings.Index(screen, "Touch the Yubikey"); tch < p {
		t.Errorf("the touch prompt is not after the PIN prompt:\n%s", screen)
	}
	if strings.Contains(screen, string(pin)) {
		t.Error("the PIN typed at the prompt is shown on the terminal")
	}
}

// serverRoot is the root.json the server serves for gun now.
func serverRoot(t *testing.T, rig *remotetest.Rig, gun string) string {
	t.Helper()
	resp, err := rig.HTTPClient().Get(rig.URL + "/v2/" + gun + "/_trust/tuf/root.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET root.json of %s: %s, %v", gun, resp.Status, err)
	}
	return string(b)
}

// sameTree fails the test for every file of the trust directory that a
// failed command added, removed or changed.
func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, s := range before {
		if after[p] != s {
			t.Errorf("%s changed or removed %s", what, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s added %s", what, p)
		}
	}
}
