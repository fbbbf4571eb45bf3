//go:build cgo && linux

package ui

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// The PIN path with the root key on the emulated Yubikey behind real
// pcscd, against a real notary-server, through the model: the
// confirmation names the token's serial and slot, the view asks for the
// PIN, the token is touched; a wrong PIN publishes nothing and leaves the
// trust directory as it was; the right one publishes, and a notary client
// that pinned the first root accepts the new one.
func TestPublishPageTokenPIN(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	prig := pivtest.Start(t)
	const serial = 21000007
	card := pivtest.NewYubiKey5(serial)
	var touches atomic.Int32
	card.SetTouch(func(byte) bool { touches.Add(1); return true })
	prig.Insert(t, 0, card)
	set, err := token.SetUp(serial, token.Setup{PIN: []byte("123456"), PUK: []byte("12345678")})
	if err != nil {
		t.Fatal(err)
	}
	gun := "registry.test/team/uitoken"
	store := vaulttest.NewStore(t)
	p := &publish.Publisher{Store: store, Remote: remote.Options{Server: rig.URL, CAFile: rig.CAFile},
		Pass: vaulttest.PassFunc(publishPass),
		Auth: token.Auth{PIN: func(vault.TokenRef) ([]byte, error) { return bytes.Clone(set.NewPIN), nil }}}
	res, err := p.Init(context.Background(), gun, publish.InitOptions{})
	if err != nil || res.TokenKey == nil {
		t.Fatalf("init with the root on the token: %+v %v", res, err)
	}
	root := res.TokenKey.ID
	pinned := rig.NewNotary(t)
	pinned.List(gun, "") // trusts the first root

	rs, err := remote.NewSetup(remote.SetupInput{Server: rig.URL, CAFile: rig.CAFile, TrustDir: store.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(context.Background(), Options{Store: store, Now: time.Now, Remote: rs, Tokens: token.List})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	start(m)
	deliver(m, repoSelectedMsg{gun: gun})

	rotate := func() {
		press(m, "o", "j", "j", "enter") // snapshot, server-managed: root alone signs
		out := flatScreen(m)
		for _, want := range []string{"root.json v", "root key " + vault.ShortID(root) + " Yubikey 21000007, slot 9c, PIN and touch"} {
			if !strings.Contains(out, want) {
				t.Fatalf("the confirmation does not say %q:\n%s", want, screen(m))
			}
		}
		press(m, "enter")
		if out := flatScreen(m); !strings.Contains(out, "The key on Yubikey 21000007, slot 9c signs: its PIN unlocks it.") {
			t.Fatalf("no PIN prompt:\n%s", screen(m))
		}
	}

	// A wrong PIN: nothing published, nothing changed.
	before := vaulttest.Snapshot(t, store.Dir())
	rotate()
	typeText(m, "999999")
	press(m, "enter")
	if out := flatScreen(m); !strings.Contains(out, "nothing was published") || strings.Contains(out, "Published") {
		t.Fatalf("after a wrong PIN:\n%s", screen(m))
	}
	if diff := vaulttest.SnapshotDiff(before, vaulttest.Snapshot(t, store.Dir())); diff != "" {
		t.Errorf("a wrong PIN changed the trust directory: %s", diff)
	}
	press(m, "enter")

	rotate()
	typeText(m, string(set.NewPIN))
	press(m, "enter")
	out := flatScreen(m)
	if !strings.Contains(out, "Published root") || !strings.Contains(out, "signed by root: key "+vault.ShortID(root)+" (Yubikey 21000007, slot 9c)") {
		t.Fatalf("after the right PIN:\n%s", screen(m))
	}
	if touches.Load() == 0 {
		t.Errorf("the token was never touched")
	}
	if got := pinned.List(gun, ""); len(got) != 0 {
		t.Errorf("the notary client that pinned the first root: %+v", got)
	}
	if _, err := pinned.Try("list", gun); err != nil {
		t.Errorf("the notary client that pinned the first root refuses the new one: %v", err)
	}
}
