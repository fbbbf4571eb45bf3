package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// hostileGUN holds what a terminal would act on: OSC 52 (write the
// clipboard), a screen clear, a carriage return, backspaces, a colour and
// a C1 CSI.
const hostileGUN = "evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\rshown\b\bX\x1b[31mred\u009b0m"

// A key file whose header names hostileGUN: the key's facts and the
// health page show it with its control characters as escapes; none of
// them reaches the screen.
func TestHostileNamesShownAsEscapes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "trust")
	info := vaulttest.LiveDemo(t, dir)
	id := info.RootKeys[0]
	vaulttest.SetGUNHeader(t, filepath.Join(dir, "private", id+".key"), hostileGUN)
	s, err := vault.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, s, readSnapshot(s, vaulttest.Now()), 160, 48)
	k := m.c.snap.files[id]
	if k == nil || k.GUN != hostileGUN {
		t.Fatalf("the key's GUN was not read as written: %+v", k)
	}
	facts := strings.Join(keyFacts(m.c, keyRef{id: id, path: k.Path}, k, nil, 160), "\n")
	press(m, "!")
	health := m.render()
	const shown = `evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x0dshown\x08\x08X\x1b[31mred\u009b0m`
	for name, view := range map[string]string{"key facts": facts, "health": health} {
		for _, raw := range []string{"\x1b]52", "\r", "\b", "\x1b[2J", "\u009b"} {
			if strings.Contains(view, raw) {
				t.Errorf("%s: %q reaches the screen", name, raw)
			}
		}
		if !strings.Contains(view, shown[:len(`evil\x1b]52;c;`)]) {
			t.Errorf("%s does not show the GUN with its escapes:\n%s", name, view)
		}
	}
}
