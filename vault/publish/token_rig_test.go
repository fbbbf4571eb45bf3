//go:build cgo && linux

package publish_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trustvault/trustvault/hardware/pivtest"
	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/keyrole"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

func TestMain(m *testing.M) { pivtest.Main(m) }

// The demonstration: a repository whose root key is on the
// emulated Yubikey (behind real pcscd), made, signed and delegated by
// trustvault, read by a fresh stock notary CLI and by docker; the faults of
// a token (wrong PIN, no touch, pulled out) change nothing; the recovery
// drill (targets key lost, rotated with the root on the token) and a root
// rotation are accepted by a notary client that pinned the first root.
func TestTokenRootRepository(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	prig := pivtest.Start(t)
	const serial = 21000001
	card := pivtest.NewYubiKey5(serial)
	prig.Insert(t, 0, card)
	setup, err := token.SetUp(serial, token.Setup{PIN: []byte("123456"), PUK: []byte("12345678")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	gun := "registry.test/team/tokenapp"
	var touches atomic.Int32
	pin := setup.NewPIN
	var onPIN func()
	p := &publish.Publisher{
		Store:  vaulttest.NewStore(t),
		Remote: remote.Options{Server: rig.URL, CAFile: rig.CAFile},
		Pass:   vaulttest.PassFunc(testPass),
		Auth: token.Auth{
			PIN: func(vault.TokenRef) ([]byte, error) {
				if onPIN != nil {
					onPIN()
				}
				return bytes.Clone(pin), nil
			},
			Touch: func(vault.TokenRef) { touches.Add(1) },
		},
	}
	res := must[*publish.Result](t)(p.Init(ctx, gun, publish.InitOptions{}))
	if res.TokenKey == nil || res.TokenKey.Token.Serial != serial || res.TokenKey.Generated {
		t.Fatalf("init: root key on token %+v", res.TokenKey)
	}
	rootID := res.TokenKey.ID
	if k, err := p.Store.Key(rootID); err != nil || k.Kind() != keyrole.Root {
		t.Errorf("the root key's backup file: %+v %v", k, err)
	}
	if !slices.ContainsFunc(res.SignedBy, func(s string) bool { return strings.HasPrefix(s, "root: ") && strings.Contains(s, "Yubikey 21000001") }) {
		t.Errorf("root.json not signed on the token: %v", res.SignedBy)
	}
	if touches.Load() < 2 {
		t.Errorf("%d touch prompts for the certificate and root.json", touches.Load())
	}
	pinned := rig.NewNotary(t)
	wantList(t, pinned.List(gun, ""), map[string]image{})

	v1, v2 := newImage("token v1"), newImage("token v2")
	must[*publish.Result](t)(p.Sign(ctx, gun, "v1", v1.digest, v1.size, ""))
	alice := addStoreKey(t, p.Store, "alice")
	must[*publish.Result](t)(p.AddSigner(ctx, gun, "alice", []publish.KeySource{{ID: alice}}))
	must[*publish.Result](t)(p.Sign(ctx, gun, "v2", v2.digest, v2.size, ""))
	fresh := rig.NewNotary(t)
	wantList(t, fresh.List(gun, ""), map[string]image{"v1": v1, "v2": v2})
	wantList(t, fresh.List(gun, "targets/releases"), map[string]image{"v2": v2})
	inspect := rig.NewDocker(t).TrustInspect(gun)
	if len(inspect) != 1 || len(inspect[0].Signers) != 1 || inspect[0].Signers[0].Name != "alice" {
		t.Fatalf("docker trust inspect: %+v", inspect)
	}
	for _, ak := range inspect[0].AdministrativeKeys {
		if ak.Name == "Root" && (len(ak.Keys) != 1 || ak.Keys[0].ID == "") {
			t.Errorf("docker: root keys %+v", ak)
		}
	}

	tokenFaults(t, p, gun, card, prig, &pin, &onPIN)

	// Recovery drill: the targets key file is lost; the root key on the
	// token rotates it; a new tag is signed with the new key.
	keys, err := p.Store.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Kind() == keyrole.Targets && k.GUN == gun {
			if err := os.Remove(k.Path); err != nil {
				t.Fatal(err)
			}
		}
	}
	v3 := newImage("token v3")
	if _, err := p.Sign(ctx, gun, "v3", v3.digest, v3.size, "targets"); !errors.Is(err, publish.ErrNoKey) {
		t.Fatalf("sign into targets without its key: %v", err)
	}
	res = must[*publish.Result](t)(p.Rotate(ctx, gun, "targets", publish.RotateOptions{}))
	if !slices.ContainsFunc(res.SignedBy, func(s string) bool { return strings.HasPrefix(s, "root: ") && strings.Contains(s, "Yubikey") }) {
		t.Errorf("targets rotation not signed by the root key on the token: %v", res.SignedBy)
	}
	must[*publish.Result](t)(p.Sign(ctx, gun, "v3", v3.digest, v3.size, "targets"))
	wantList(t, pinned.List(gun, ""), map[string]image{"v1": v1, "v2": v2, "v3": v3})

	// Root rotation: old root (token) and new root (file) both sign.
	res = must[*publish.Result](t)(p.Rotate(ctx, gun, "root", publish.RotateOptions{}))
	if len(res.NewKeys) != 1 || res.NewKeys[0].Kind() != keyrole.Root {
		t.Errorf("root rotation new keys: %+v", res.NewKeys)
	}
	wantList(t, pinned.List(gun, ""), map[string]image{"v1": v1, "v2": v2, "v3": v3})
	wantList(t, rig.NewNotary(t).List(gun, "targets/releases"), map[string]image{"v2": v2})
}

// tokenFaults: a wrong PIN, no touch, the token pulled out while it signs:
// a clear error, nothing published, the trust directory unchanged.
func tokenFaults(t *testing.T, p *publish.Publisher, gun string, card *pivtest.Card, prig *pivtest.Rig, pin *[]byte, onPIN *func()) {
	t.Helper()
	ctx := context.Background()
	before := vaulttest.Snapshot(t, p.Store.Dir())
	good := *pin
	check := func(name string, err error, want error) {
		t.Helper()
		var pe *publish.PublishError
		if !errors.As(err, &pe) || !errors.Is(err, want) || !strings.Contains(err.Error(), "nothing was published") {
			t.Errorf("%s: %v, want a PublishError wrapping %v", name, err, want)
		}
		if diff := vaulttest.SnapshotDiff(before, vaulttest.Snapshot(t, p.Store.Dir())); diff != "" {
			t.Errorf("%s changed the trust directory: %s", name, diff)
		}
	}
	*pin = []byte("99999999")
	_, err := p.Rotate(ctx, gun, "targets", publish.RotateOptions{})
	var ae *token.AuthError
	if !errors.As(err, &ae) {
		t.Errorf("wrong PIN: %v is no AuthError", err)
	}
	check("wrong PIN", err, err)
	*pin = good

	card.SetTouch(func(byte) bool { return false })
	_, err = p.Rotate(ctx, gun, "targets", publish.RotateOptions{})
	check("no touch", err, token.ErrTouchTimeout)
	card.SetTouch(nil)

	*onPIN = func() { prig.Reader(0).RemoveAfter(1) }
	_, err = p.Rotate(ctx, gun, "targets", publish.RotateOptions{})
	check("token pulled out", err, token.ErrRemoved)
	*onPIN = nil
	// Plugged in again once pcscd has seen it go.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if infos, _, err := token.List(); err == nil && len(infos) == 0 {
			break
		}
	}
	prig.Insert(t, 0, card)
	// pcscd may take a moment more before the token answers a listing.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, tks, err := token.List()
		if err == nil && len(tks) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the token plugged in again is not listed: %+v, %v", tks, err)
		}
	}
}
