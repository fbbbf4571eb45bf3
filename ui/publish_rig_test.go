package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

const publishPass = "Publish-ui-passphrase-1"

// manifest is a fake pushed manifest's digest and size.
func manifest(content string) (digest string, size int64) {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:]), int64(len(content))
}

// publishRig is a repository on a real notary-server, initialised by the
// engine with its keys in files, and the view opened on its trust
// directory with that server named.
func publishRig(t *testing.T, gun string, w, h int) (*remotetest.Rig, *vault.Store, *Model) {
	t.Helper()
	rig := remotetest.Start(t, remotetest.Options{})
	store := vaulttest.NewStore(t)
	p := &publish.Publisher{Store: store, Remote: remote.Options{Server: rig.URL, CAFile: rig.CAFile},
		Pass: vaulttest.PassFunc(publishPass), Tokens: []token.Key{}}
	if _, err := p.Init(context.Background(), gun, publish.InitOptions{NewRoot: publish.NewRootFile}); err != nil {
		t.Fatal(err)
	}
	rs, err := remote.NewSetup(remote.SetupInput{Server: rig.URL, CAFile: rig.CAFile, TrustDir: store.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(context.Background(), Options{Store: store, Now: time.Now, Remote: rs})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	start(m)
	deliver(m, repoSelectedMsg{gun: gun})
	return rig, store, m
}

// flatScreen is the screen with line breaks and padding folded, so that a
// check does not depend on where a sentence wraps.
func flatScreen(m *Model) string { return strings.Join(strings.Fields(screen(m)), " ") }

// signThroughView fills the sign form and reaches the confirmation.
func signThroughView(m *Model, tag, digest string, size int64) {
	press(m, "S")
	typeText(m, tag)
	press(m, "enter")
	typeText(m, "sha256:"+digest)
	press(m, "enter")
	typeText(m, strconv.FormatInt(size, 10))
	press(m, "enter")
}

// Through the model against a real notary-server: a tag signed on the
// repository's page is what a stock notary CLI lists, with its digest;
// the confirmation said which file changes and which key signs; a wrong
// passphrase, then esc, publishes nothing and leaves the trust directory
// byte for byte as it was.
func TestPublishPageSignsOnNotaryServer(t *testing.T) {
	gun := "registry.test/team/uiapp"
	rig, store, m := publishRig(t, gun, 100, 30)
	targets := keyIDByRole(t, store, "targets")

	digest, size := manifest("ui manifest v1")
	signThroughView(m, "v1", digest, size)
	out := flatScreen(m)
	for _, want := range []string{"WILL PUBLISH", "targets.json v1 → v2", "snapshot, timestamp by the server", "SIGNED BY",
		"targets key " + vault.ShortID(targets) + " file, passphrase", targets[40:] + ".key"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the confirmation does not say %q:\n%s", want, screen(m))
		}
	}
	if got := rig.NewNotary(t).List(gun, ""); len(got) != 0 {
		t.Fatalf("published before the confirmation: %+v", got)
	}
	press(m, "enter")
	if out := flatScreen(m); !strings.Contains(out, "The targets key "+vault.ShortID(targets)+" signs from its file") {
		t.Fatalf("no passphrase prompt:\n%s", screen(m))
	}
	typeText(m, publishPass)
	press(m, "enter")
	out = flatScreen(m)
	if !strings.Contains(out, "Published targets; the server signed snapshot, timestamp.") ||
		!strings.Contains(out, "signed by targets: key "+vault.ShortID(targets)+" (file)") {
		t.Fatalf("after publishing:\n%s", screen(m))
	}
	got := rig.NewNotary(t).List(gun, "")
	if len(got) != 1 || got[0].Name != "v1" || got[0].SHA256 != digest || got[0].Size != size {
		t.Fatalf("notary list %s: %+v, want v1 %s %d", gun, got, digest, size)
	}
	press(m, "enter") // back on the repository's page, read again
	if out := screen(m); !strings.Contains(out, "v2") {
		t.Errorf("the repository's page does not show targets v2:\n%s", out)
	}

	// A wrong passphrase, then esc: nothing published, nothing changed.
	before := vaulttest.Snapshot(t, store.Dir())
	d2, s2 := manifest("ui manifest v2")
	signThroughView(m, "v2", d2, s2)
	press(m, "enter")
	typeText(m, "not the passphrase")
	press(m, "enter")
	if out := flatScreen(m); !strings.Contains(out, "Wrong passphrase") {
		t.Fatalf("a wrong passphrase is not said:\n%s", screen(m))
	}
	press(m, "esc")
	if out := flatScreen(m); !strings.Contains(out, "nothing was published") || strings.Contains(out, "Published") {
		t.Fatalf("after esc:\n%s", screen(m))
	}
	if diff := vaulttest.SnapshotDiff(before, vaulttest.Snapshot(t, store.Dir())); diff != "" {
		t.Errorf("a cancelled publish changed the trust directory: %s", diff)
	}
	if got := rig.NewNotary(t).List(gun, ""); len(got) != 1 {
		t.Errorf("after the cancelled publish notary lists %+v", got)
	}
}

// keyIDByRole is the one key of role in the store.
func keyIDByRole(t *testing.T, s *vault.Store, role string) string {
	t.Helper()
	keys, err := s.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Role == role {
			return k.ID
		}
	}
	t.Fatalf("no %s key in %s", role, s.Dir())
	return ""
}
