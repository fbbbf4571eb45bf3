package publish_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

// changes is a plan's files in words.
func changes(pl *publish.Plan) []string {
	var out []string
	for _, c := range pl.Changes {
		out = append(out, c.String())
	}
	return out
}

// signers is a plan's signers as "role key-ID-or-new".
func signers(pl *publish.Plan) []string {
	var out []string
	for _, s := range pl.Signers {
		who := s.KeyID
		if s.New {
			who = "new"
		}
		out = append(out, s.Role+" "+who)
	}
	return out
}

// A plan says what the change then publishes and which keys sign it, and
// changes nothing itself: no key unlocked (a passphrase callback that
// fails the test), no file written, nothing sent.
func TestPlansMatchWhatIsPublished(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	ctx := context.Background()
	gun := "registry.test/team/plans"
	p := newPublisher(t, rig.URL, rig.CAFile)
	res := must[*publish.Result](t)(p.Init(ctx, gun, publish.InitOptions{NewRoot: publish.NewRootFile}))
	keyOf := map[string]vault.Key{}
	for _, k := range res.NewKeys {
		keyOf[k.Role] = k
	}
	root := rootKeyID(t, p)
	v1 := newImage("plans v1")
	must[*publish.Result](t)(p.Sign(ctx, gun, "v1", v1.digest, v1.size, ""))

	pass := p.Pass
	p.Pass = func(r vault.PassphraseRequest) ([]byte, error) {
		t.Errorf("a plan asked for the passphrase of %s", r.KeyID)
		return nil, vault.ErrAborted
	}
	before := vaulttest.Snapshot(t, p.Store.Dir())
	v2 := newImage("plans v2")
	plan := must[*publish.Plan](t)(p.PlanSign(ctx, gun, "v2", v2.digest, v2.size, ""))
	if got := changes(plan); !slices.Equal(got, []string{"targets.json v2 → v3"}) {
		t.Errorf("sign plan: %v", got)
	}
	if !slices.Equal(plan.ServerSigned, []string{"snapshot", "timestamp"}) || plan.Server != rig.URL {
		t.Errorf("sign plan: server signs %v, server %s", plan.ServerSigned, plan.Server)
	}
	if got := signers(plan); !slices.Equal(got, []string{"targets " + keyOf["targets"].ID}) || plan.Signers[0].Path != keyOf["targets"].Path {
		t.Errorf("sign plan: signers %v at %q", got, plan.Signers[0].Path)
	}
	rot := must[*publish.Plan](t)(p.PlanRotate(ctx, gun, "targets", publish.RotateOptions{}))
	if got := changes(rot); !slices.Equal(got, []string{"targets.json v2 → v3", "root.json v1 → v2"}) {
		t.Errorf("rotate plan: %v", got)
	}
	if got := signers(rot); !slices.Equal(got, []string{"targets new", "root " + root}) || len(rot.Keys) != 1 || !strings.Contains(rot.Keys[0], "new targets key") {
		t.Errorf("rotate plan: signers %v, keys %v", got, rot.Keys)
	}
	rr := must[*publish.Plan](t)(p.PlanRotate(ctx, gun, "root", publish.RotateOptions{}))
	if got := changes(rr); !slices.Equal(got, []string{"root.json v1 → v2"}) || !slices.Equal(signers(rr), []string{"root new", "root (old key) " + root}) {
		t.Errorf("root rotation plan: %v signed by %v", got, signers(rr))
	}
	if diff := vaulttest.SnapshotDiff(before, vaulttest.Snapshot(t, p.Store.Dir())); diff != "" {
		t.Errorf("plans changed the trust directory: %s", diff)
	}
	alice := addStoreKey(t, p.Store, "alice")
	before = vaulttest.Snapshot(t, p.Store.Dir())
	add := must[*publish.Plan](t)(p.PlanAddSigner(ctx, gun, "alice", []publish.KeySource{{ID: alice}}))
	if got := changes(add); !slices.Equal(got, []string{"targets.json v2 → v3"}) || len(add.Keys) != 1 || !strings.Contains(add.Keys[0], vault.ShortID(alice)) {
		t.Errorf("add signer plan: %v, keys %v", got, add.Keys)
	}
	if _, err := p.PlanRevoke(ctx, gun, "nope", ""); !errors.Is(err, publish.ErrNotFound) || !strings.Contains(err.Error(), "trustvault inspect "+gun+" lists") {
		t.Errorf("revoke plan of a tag never signed (the error names the command with the repository): %v", err)
	}
	if _, err := p.PlanRotate(ctx, gun, "timestamp", publish.RotateOptions{ServerManaged: true}); err != nil {
		t.Errorf("timestamp rotation plan: %v", err)
	}
	if diff := vaulttest.SnapshotDiff(before, vaulttest.Snapshot(t, p.Store.Dir())); diff != "" {
		t.Errorf("plans changed the trust directory: %s", diff)
	}

	// What the plans said is what is published and who signs.
	p.Pass = pass
	res = must[*publish.Result](t)(p.Sign(ctx, gun, "v2", v2.digest, v2.size, ""))
	if !slices.Equal(res.Published, []string{"targets"}) || len(res.SignedBy) != 1 || !strings.Contains(res.SignedBy[0], vault.ShortID(keyOf["targets"].ID)) {
		t.Errorf("sign published %v signed by %v", res.Published, res.SignedBy)
	}
	res = must[*publish.Result](t)(p.Rotate(ctx, gun, "targets", publish.RotateOptions{}))
	if !slices.Equal(res.Published, []string{"root", "targets"}) || !slices.ContainsFunc(res.SignedBy, func(s string) bool { return strings.HasPrefix(s, "root: key "+vault.ShortID(root)) }) {
		t.Errorf("rotate published %v signed by %v", res.Published, res.SignedBy)
	}
	wantList(t, rig.NewNotary(t).List(gun, ""), map[string]image{"v1": v1, "v2": v2})
}

// rootKeyID is the one root key in the store.
func rootKeyID(t *testing.T, p *publish.Publisher) string {
	t.Helper()
	keys, err := p.Store.Keys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Role == "root" {
			return k.ID
		}
	}
	t.Fatal("no root key in the store")
	return ""
}
