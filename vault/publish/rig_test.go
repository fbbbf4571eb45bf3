package publish_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault"
	"github.com/trustvault/trustvault/vault/publish"
	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/token"
	"github.com/trustvault/trustvault/vault/vaulttest"
)

const testPass = "Publish-test-passphrase-1"

// image is a fake pushed manifest: its digest and size.
type image struct {
	digest string
	size   int64
}

func newImage(content string) image {
	sum := sha256.Sum256([]byte(content))
	return image{hex.EncodeToString(sum[:]), int64(len(content))}
}

// newPublisher is a publisher with a fresh store and no tokens.
func newPublisher(t *testing.T, url, caFile string) *publish.Publisher {
	t.Helper()
	return &publish.Publisher{
		Store:  vaulttest.NewStore(t),
		Remote: remote.Options{Server: url, CAFile: caFile, Timeout: 20 * time.Second},
		Pass:   vaulttest.PassFunc(testPass),
		Tokens: []token.Key{},
	}
}

// addStoreKey puts a new delegation key into the store and returns its ID.
func addStoreKey(t *testing.T, s *vault.Store, role string) string {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.AddKey(priv, role, "", vaulttest.PassFunc(testPass))
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// wantList checks `notary list` output for tags and digests.
func wantList(t *testing.T, got []remotetest.Target, want map[string]image) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("notary list: %d tags %+v, want %d", len(got), got, len(want))
	}
	for _, g := range got {
		w, ok := want[g.Name]
		if !ok || w.digest != g.SHA256 || w.size != g.Size {
			t.Errorf("notary list: %+v, want %+v", g, w)
		}
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// The whole flow with keys in files: init, sign, signer, sign through the
// delegation; a fresh notary CLI and docker see it; rotations of targets
// and root are accepted by a notary client that pinned the old root.
func TestPublishFlowFileKeys(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	ctx := context.Background()
	gun := "registry.test/team/app"
	p := newPublisher(t, rig.URL, rig.CAFile)
	res := must[*publish.Result](t)(p.Init(ctx, gun, publish.InitOptions{NewRoot: publish.NewRootFile}))
	if !slices.Equal(res.Published, []string{"root", "targets"}) || len(res.NewKeys) != 2 {
		t.Errorf("init published %v, new keys %d", res.Published, len(res.NewKeys))
	}
	v1, v2 := newImage("manifest v1"), newImage("manifest v2")
	must[*publish.Result](t)(p.Sign(ctx, gun, "v1", v1.digest, v1.size, ""))
	pinned := rig.NewNotary(t) // lists now: pins (TOFU) the first root
	wantList(t, pinned.List(gun, ""), map[string]image{"v1": v1})

	alice := addStoreKey(t, p.Store, "alice")
	must[*publish.Result](t)(p.AddSigner(ctx, gun, "alice", []publish.KeySource{{ID: alice}}))
	res = must[*publish.Result](t)(p.Sign(ctx, gun, "v2", v2.digest, v2.size, ""))
	if !slices.Equal(res.Published, []string{"targets/alice", "targets/releases"}) {
		t.Errorf("docker's choice of roles: published %v", res.Published)
	}

	fresh := rig.NewNotary(t)
	wantList(t, fresh.List(gun, ""), map[string]image{"v1": v1, "v2": v2})
	wantList(t, fresh.List(gun, "targets/releases"), map[string]image{"v2": v2})
	inspect := rig.NewDocker(t).TrustInspect(gun)
	if len(inspect) != 1 {
		t.Fatalf("docker trust inspect: %+v", inspect)
	}
	tags := map[string]remotetest.SignedTag{}
	for _, st := range inspect[0].SignedTags {
		tags[st.SignedTag] = st
	}
	if st := tags["v2"]; st.Digest != v2.digest || !slices.Equal(st.Signers, []string{"alice"}) {
		t.Errorf("docker: v2 %+v", st)
	}
	if st := tags["v1"]; st.Digest != v1.digest || !slices.Equal(st.Signers, []string{"Repo Admin"}) {
		t.Errorf("docker: v1 %+v", st)
	}
	if len(inspect[0].Signers) != 1 || inspect[0].Signers[0].Name != "alice" || inspect[0].Signers[0].Keys[0].ID != alice {
		t.Errorf("docker: signers %+v, want alice with %s", inspect[0].Signers, alice)
	}

	// Rotations, then the client that pinned the first root updates.
	res = must[*publish.Result](t)(p.Rotate(ctx, gun, "targets", publish.RotateOptions{}))
	if !slices.Equal(res.Published, []string{"root", "targets"}) {
		t.Errorf("targets rotation published %v", res.Published)
	}
	wantList(t, pinned.List(gun, ""), map[string]image{"v1": v1, "v2": v2})
	res = must[*publish.Result](t)(p.Rotate(ctx, gun, "root", publish.RotateOptions{}))
	if !slices.Equal(res.Published, []string{"root"}) {
		t.Errorf("root rotation published %v", res.Published)
	}
	v3 := newImage("manifest v3")
	must[*publish.Result](t)(p.Sign(ctx, gun, "v3", v3.digest, v3.size, "targets"))
	wantList(t, pinned.List(gun, ""), map[string]image{"v1": v1, "v2": v2, "v3": v3})
	must[*publish.Result](t)(p.Revoke(ctx, gun, "v1", ""))
	wantList(t, pinned.List(gun, ""), map[string]image{"v2": v2, "v3": v3})
}

// A repository made by the notary CLI is taken over: trustvault, on the
// same trust directory, signs a tag and rotates the targets key; notary
// still verifies it. The snapshot key is notary's local one.
func TestTakeOverNotaryRepository(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	ctx := context.Background()
	gun := "registry.test/team/legacy"
	n := rig.NewNotary(t)
	n.Init(gun)
	old := n.AddTag(gun, "old", []byte("old content"))
	store, err := vault.Open(n.TrustDir, vault.WithIterations(vault.CompatIterations))
	if err != nil {
		t.Fatal(err)
	}
	p := &publish.Publisher{Store: store, Remote: remote.Options{Server: rig.URL, CAFile: rig.CAFile}, Tokens: []token.Key{},
		Pass: func(r vault.PassphraseRequest) ([]byte, error) {
			switch r.Role {
			case "root":
				return []byte(remotetest.RootPassphrase), nil
			case "targets":
				return []byte(remotetest.TargetsPassphrase), nil
			case "snapshot":
				return []byte(remotetest.SnapshotPassphrase), nil
			}
			return []byte(testPass), nil
		}}
	v9 := newImage("v9")
	res := must[*publish.Result](t)(p.Sign(ctx, gun, "v9", v9.digest, v9.size, ""))
	if !slices.Equal(res.Published, []string{"snapshot", "targets"}) {
		t.Errorf("sign published %v (notary's snapshot key is local)", res.Published)
	}
	must[*publish.Result](t)(p.Rotate(ctx, gun, "targets", publish.RotateOptions{}))
	want := map[string]image{"old": {old.SHA256, old.Size}, "v9": v9}
	wantList(t, rig.NewNotary(t).List(gun, ""), want)
	wantList(t, n.List(gun, ""), want)
	// and notary itself signs on with the new targets key
	n.AddTag(gun, "after", []byte("after"))
	if got := rig.NewNotary(t).List(gun, ""); len(got) != 3 {
		t.Errorf("after notary signed on: %+v", got)
	}
}

// Faults: a server that fails the publish, a wrong passphrase: a clear
// error, nothing published, cache and keys unchanged.
func TestPublishFaultsChangeNothing(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	ctx := context.Background()
	gun := "registry.test/team/faults"
	proxy := rig.StartProxy(t)
	p := newPublisher(t, proxy.URL, rig.CAFile)
	must[*publish.Result](t)(p.Init(ctx, gun, publish.InitOptions{NewRoot: publish.NewRootFile}))
	v1 := newImage("v1")
	before := vaulttest.Snapshot(t, p.Store.Dir())

	proxy.Fail = func(r *http.Request) int {
		if r.Method == http.MethodPost {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"sign", func() error { _, err := p.Sign(ctx, gun, "v1", v1.digest, v1.size, ""); return err }},
		{"rotate targets", func() error { _, err := p.Rotate(ctx, gun, "targets", publish.RotateOptions{}); return err }},
		{"rotate root", func() error { _, err := p.Rotate(ctx, gun, "root", publish.RotateOptions{}); return err }},
	} {
		err := c.do()
		var pe *publish.PublishError
		if !errors.As(err, &pe) || pe.Uncertain || !strings.Contains(err.Error(), "nothing was published") || !strings.Contains(err.Error(), "503") {
			t.Errorf("%s with the server failing: %v", c.name, err)
		}
		if diff := vaulttest.SnapshotDiff(before, vaulttest.Snapshot(t, p.Store.Dir())); diff != "" {
			t.Errorf("%s with the server failing changed the trust directory: %s", c.name, diff)
		}
	}
	proxy.Fail = nil
	// A file the server refuses: the whole update is refused, with its reason.
	err := remote.Publish(ctx, remote.Options{GUN: gun, Server: rig.URL, CAFile: rig.CAFile, TrustDir: t.TempDir()},
		map[string][]byte{"targets": []byte(`{"signed":{"_type":"Targets"},"signatures":[]}`)})
	if !errors.Is(err, remote.ErrRefused) || !strings.Contains(err.Error(), "INVALID_UPDATE") {
		t.Errorf("a refused publish: %v", err)
	}

	p.Pass = func(r vault.PassphraseRequest) ([]byte, error) {
		if r.New {
			return []byte(testPass), nil
		}
		if r.Attempt > 2 {
			return nil, vault.ErrAborted
		}
		return []byte("wrong passphrase"), nil
	}
	_, err = p.Rotate(ctx, gun, "targets", publish.RotateOptions{})
	if !errors.Is(err, vault.ErrWrongPassphrase) && !errors.Is(err, vault.ErrAborted) {
		t.Errorf("rotate with a wrong root passphrase: %v", err)
	}
	if diff := vaulttest.SnapshotDiff(before, vaulttest.Snapshot(t, p.Store.Dir())); diff != "" {
		t.Errorf("a wrong passphrase changed the trust directory: %s", diff)
	}
	for _, r := range proxy.Requests() {
		if r.Method == http.MethodPost && r.Status == http.StatusOK && len(r.Parts) > 0 && r.Parts[0].FileName != "root" {
			t.Errorf("a publish reached the server: %+v", r.Path)
		}
	}
}

// Delete archives first, then deletes on the server and the cache.
func TestDeleteArchivesFirst(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	ctx := context.Background()
	gun := "registry.test/team/gone"
	p := newPublisher(t, rig.URL, rig.CAFile)
	must[*publish.Result](t)(p.Init(ctx, gun, publish.InitOptions{NewRoot: publish.NewRootFile}))
	cache := remote.MetadataDir(p.Store.Dir(), gun)
	if _, err := p.Delete(ctx, gun, func(*remote.Bundle) (*vault.TrustArchive, error) { return nil, errors.New("drive full") }); err == nil || !strings.Contains(err.Error(), "nothing was deleted") {
		t.Errorf("delete with a failing archive: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "root.json")); err != nil {
		t.Fatalf("cache gone after a failed archive: %v", err)
	}
	dir := t.TempDir()
	d, err := p.Delete(ctx, gun, p.ArchiveIn(dir, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(d.Archive) != dir || d.Trust == nil || d.CacheRemoved != cache {
		t.Errorf("deleted: %+v", d)
	}
	// A trust archive as `trustvault archive` writes: read back from disk,
	// its sidecar checked, the GUN's metadata in it.
	ta, err := vault.ReadTrustArchive(d.Archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := ta.Bundle(gun); !ok || b.Files["root.json"] == nil || b.Files["targets.json"] == nil || b.Server != rig.URL || ta.Sidecar != d.Archive+".sha256" {
		t.Errorf("archive %s: %+v", d.Archive, ta)
	}
	if _, err := remote.Pull(ctx, remote.Options{GUN: gun, Server: rig.URL, CAFile: rig.CAFile, TrustDir: t.TempDir()}); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("pull after delete: %v", err)
	}
	if _, err := os.Stat(cache); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cache after delete: %v", err)
	}
}

// The snapshot key here at init, then moved to the server (-r); a
// delegation from a certificate file with restricted paths, removed
// again; a signer removed. Each publish is one POST of the changed roles,
// shaped as the notary CLI sends it.
func TestSnapshotAndDelegations(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	proxy := rig.StartProxy(t)
	ctx := context.Background()
	gun := "registry.test/team/deleg"
	p := newPublisher(t, proxy.URL, rig.CAFile)
	res := must[*publish.Result](t)(p.Init(ctx, gun, publish.InitOptions{NewRoot: publish.NewRootFile, LocalSnapshot: true}))
	if !slices.Equal(res.Published, []string{"root", "snapshot", "targets"}) {
		t.Errorf("init with a local snapshot key published %v", res.Published)
	}
	var posts []remotetest.Recorded
	for _, r := range proxy.Requests() {
		if r.Method == http.MethodPost {
			posts = append(posts, r)
		}
	}
	if len(posts) != 1 || len(posts[0].Parts) != 3 {
		t.Fatalf("init: %d POSTs, want 1 with 3 parts: %+v", len(posts), posts)
	}
	for _, part := range posts[0].Parts {
		if part.FormName != "files" || part.ContentType != "application/octet-stream" || !slices.Contains([]string{"root", "snapshot", "targets"}, part.FileName) {
			t.Errorf("part %q %q %q", part.FormName, part.FileName, part.ContentType)
		}
	}

	dk, err := remotetest.NewDelegationKey(t.TempDir(), "team")
	if err != nil {
		t.Fatal(err)
	}
	must[*publish.Result](t)(p.AddDelegation(ctx, gun, "targets/team", publish.DelegationChange{
		Keys: []publish.KeySource{{File: dk.CertFile}}, Paths: []string{"team-"}}))
	res = must[*publish.Result](t)(p.Rotate(ctx, gun, "snapshot", publish.RotateOptions{ServerManaged: true}))
	if !slices.Equal(res.Published, []string{"root"}) {
		t.Errorf("snapshot to the server published %v", res.Published)
	}
	n := rig.NewNotary(t)
	n.Run("key", "import", dk.KeyFile, "--role", "targets/team")
	n.AddTag(gun, "team-1", []byte("team one"), "targets/team")
	if got := rig.NewNotary(t).List(gun, "targets/team"); len(got) != 1 || got[0].Name != "team-1" {
		t.Errorf("a tag notary signed with trustvault's delegation: %+v", got)
	}
	if _, err := p.Sign(ctx, gun, "other", newImage("x").digest, 1, "targets/team"); err == nil || !strings.Contains(err.Error(), "may not sign") {
		t.Errorf("a tag outside the delegation's paths: %v", err)
	}

	must[*publish.Result](t)(p.RemoveDelegation(ctx, gun, "targets/team", nil))
	bob := addStoreKey(t, p.Store, "bob")
	must[*publish.Result](t)(p.AddSigner(ctx, gun, "bob", []publish.KeySource{{ID: bob}}))
	v := newImage("bob's")
	res = must[*publish.Result](t)(p.Sign(ctx, gun, "b1", v.digest, v.size, ""))
	if slices.Contains(res.Published, "snapshot") || !slices.Contains(res.ServerSigned, "snapshot") {
		t.Errorf("after the snapshot key moved to the server: published %v", res.Published)
	}
	if _, err := p.RemoveSigner(ctx, gun, "bob", false); err == nil || !strings.Contains(err.Error(), "last signer") {
		t.Errorf("removing the last signer without force: %v", err)
	}
	must[*publish.Result](t)(p.RemoveSigner(ctx, gun, "bob", true))
	wantList(t, rig.NewNotary(t).List(gun, ""), map[string]image{})
	if ins := rig.NewDocker(t).TrustInspect(gun); len(ins) != 1 || len(ins[0].Signers) != 0 {
		t.Errorf("docker after the signers went: %+v", ins)
	}
}

// TestPublishUncertainOutcome: the server takes a rotation but the answer
// never reaches trustvault (the connection breaks after the request). The
// error says the server may or may not have taken it and to pull; the new
// targets key is kept (it may be the one the server now lists), and a pull
// shows that the server did take it, signed by that kept key.
func TestPublishUncertainOutcome(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	ctx := context.Background()
	gun := "registry.test/team/uncertain"
	proxy := rig.StartProxy(t)
	p := newPublisher(t, proxy.URL, rig.CAFile)
	must[*publish.Result](t)(p.Init(ctx, gun, publish.InitOptions{NewRoot: publish.NewRootFile}))
	before, err := p.Store.Keys()
	if err != nil {
		t.Fatal(err)
	}

	proxy.Drop = func(r *http.Request) bool { return r.Method == http.MethodPost }
	_, err = p.Rotate(ctx, gun, "targets", publish.RotateOptions{})
	proxy.Drop = nil
	var pe *publish.PublishError
	if !errors.As(err, &pe) || !pe.Uncertain || !strings.Contains(err.Error(), "may or may not have taken the update") ||
		!strings.Contains(err.Error(), "pull "+gun) || len(pe.Kept) != 1 {
		t.Fatalf("a publish whose answer was lost: %v", err)
	}
	after, err := p.Store.Keys()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+1 {
		t.Fatalf("%d keys before, %d after: the new targets key was not kept", len(before), len(after))
	}
	var posted bool
	for _, r := range proxy.Requests() {
		posted = posted || (r.Method == http.MethodPost && r.Status == http.StatusOK)
	}
	if !posted {
		t.Fatal("the server did not take the rotation: the test shows nothing")
	}
	u, err := remote.Pull(ctx, remote.Options{GUN: gun, Server: rig.URL, CAFile: rig.CAFile, TrustDir: p.Store.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	ids := u.Repo.Root.Roles["targets"].KeyIDs
	if len(ids) != 1 || !strings.Contains(pe.Kept[0], ids[0]) {
		t.Errorf("the server's targets key %v is not the kept key %s", ids, pe.Kept[0])
	}
}
