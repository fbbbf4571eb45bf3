package remote_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trustvault/trustvault/vault/remote"
	"github.com/trustvault/trustvault/vault/remote/remotetest"
	"github.com/trustvault/trustvault/vault/tuf"
)

const gun = "registry.test/team/app"

// normalJSON decodes and re-encodes JSON, so that two documents compare
// equal when their content is equal.
func normalJSON(t *testing.T, data []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	out, _ := json.MarshalIndent(v, "", " ")
	return string(out)
}

// dockerInspect runs the real `docker trust inspect` and normalises its
// JSON.
func dockerInspect(t *testing.T, d *remotetest.Docker, names ...string) string {
	t.Helper()
	out, errOut, err := d.Try(append([]string{"trust", "inspect"}, names...)...)
	if err != nil {
		t.Fatalf("docker trust inspect: %v\n%s%s", err, out, errOut)
	}
	return normalJSON(t, []byte(out))
}

// ourInspect is Inspect over names, as one JSON array.
func ourInspect(t *testing.T, o remote.Options, offline bool, names ...string) string {
	t.Helper()
	var all []remote.TrustInspect
	for _, name := range names {
		ti, _, err := remote.Inspect(context.Background(), o, name, offline)
		if err != nil {
			t.Fatalf("Inspect %s: %v", name, err)
		}
		all = append(all, ti)
	}
	data, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return normalJSON(t, data)
}

// snapshotDir reads every file below dir (path → content).
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			files[path] = string(data)
		}
		return nil
	})
	return files
}

func sameFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func options(rig *remotetest.Rig, trustDir string) remote.Options {
	return remote.Options{GUN: gun, Server: rig.URL, CAFile: rig.CAFile, TrustDir: trustDir, Timeout: 20 * time.Second}
}

// publishRepo publishes a repository with tags in targets, in
// targets/releases and in nested delegations, and returns the publisher.
func publishRepo(t *testing.T, rig *remotetest.Rig) *remotetest.Notary {
	t.Helper()
	n := rig.NewNotary(t)
	n.Init(gun)
	n.AddTag(gun, "v1", []byte("image one"))
	keyDir := t.TempDir()
	for _, d := range []struct {
		role  string
		paths []string
	}{{"targets/releases", nil}, {"targets/alice", nil}, {"targets/alice/bob", []string{"v3", "x/"}}, {"targets/ci", []string{"ci-"}}} {
		k, err := remotetest.NewDelegationKey(keyDir, strings.ReplaceAll(d.role, "/", "-"))
		if err != nil {
			t.Fatal(err)
		}
		n.AddDelegation(gun, d.role, k, d.paths)
	}
	n.AddTag(gun, "v2", []byte("image two"), "targets/releases", "targets/alice")
	n.AddTag(gun, "v3", []byte("image three"), "targets/alice/bob")
	n.AddTag(gun, "v3", []byte("image three"), "targets/releases")
	n.AddTag(gun, "ci-7", []byte("ci build"), "targets/ci")
	return n
}

func TestPullInspectMatchesDocker(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	n := publishRepo(t, rig)
	d := rig.NewDocker(t)
	trustDir := t.TempDir()
	o := options(rig, trustDir)

	u, err := remote.Pull(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !u.First || len(u.Skipped) != 0 {
		t.Errorf("first pull: First=%v Skipped=%v", u.First, u.Skipped)
	}
	meta := remote.MetadataDir(trustDir, gun)
	for _, f := range []string{"root.json", "targets.json", "snapshot.json", "timestamp.json",
		"targets/releases.json", "targets/alice.json", "targets/alice/bob.json", "targets/ci.json"} {
		st, err := os.Stat(filepath.Join(meta, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("cache file %s: %v (mode %v)", f, err, st)
		}
	}
	// What notary itself lists, we find through the same delegations.
	for _, tag := range n.List(gun, "") {
		ref, ok := u.Repo.Lookup(tag.Name, "targets/releases", "targets")
		if !ok {
			t.Errorf("tag %s (%s) not found through delegations", tag.Name, tag.Role)
		} else if got := hexOf(ref.Meta); got != tag.SHA256 {
			t.Errorf("tag %s digest %s, notary lists %s", tag.Name, got, tag.SHA256)
		}
	}

	names := []string{gun, gun + ":v2", gun + ":v3", gun + ":ci-7"}
	want := dockerInspect(t, d, names...)
	if got := ourInspect(t, o, false, names...); got != want {
		t.Errorf("Inspect differs from docker trust inspect\nours:   %s\ndocker: %s", got, want)
	}
	if got := ourInspect(t, o, true, names...); got != want {
		t.Errorf("offline Inspect differs from docker trust inspect\nours:   %s\ndocker: %s", got, want)
	}

	// A second pull with nothing new changes nothing.
	before := snapshotDir(t, meta)
	u2, err := remote.Pull(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if u2.First || len(u2.Versions) != 0 || len(u2.Written) != 0 || !sameFiles(before, snapshotDir(t, meta)) {
		t.Errorf("second pull changed things: %+v", u2)
	}
}

func hexOf(fm tuf.FileMeta) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for _, c := range fm.Hashes["sha256"] {
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
	return b.String()
}

func TestPullRotationsAndRemoteDelete(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{})
	n := rig.NewNotary(t)
	n.Init(gun)
	n.AddTag(gun, "v1", []byte("one"))
	trustDir := t.TempDir()
	o := options(rig, trustDir)
	first, err := remote.Pull(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	oldRootVersion := first.Repo.Root.Version

	n.Rotate(gun, "targets", false)
	n.Rotate(gun, "snapshot", true)
	n.Rotate(gun, "root", false)
	n.AddTag(gun, "v2", []byte("two"))
	u, err := remote.Pull(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rotated := map[string]bool{}
	for _, k := range u.RotatedKeys {
		rotated[k.Role] = true
	}
	for _, role := range []string{"root", "targets", "snapshot"} {
		if !rotated[role] {
			t.Errorf("rotation of %s not reported: %+v", role, u.RotatedKeys)
		}
	}
	if rotated["timestamp"] {
		t.Errorf("timestamp reported rotated: %+v", u.RotatedKeys)
	}
	if got := u.Repo.Root.Version; got < oldRootVersion+3 {
		t.Errorf("root version %d after three rotations from %d", got, oldRootVersion)
	}
	if len(u.Repo.RootChain) != u.Repo.Root.Version-oldRootVersion {
		t.Errorf("walked %d root versions, want each of %d…%d", len(u.Repo.RootChain), oldRootVersion+1, u.Repo.Root.Version)
	}
	if !hasTag(u.Tags, "v2") {
		t.Errorf("new tag v2 not reported: %+v", u.Tags)
	}
	d := rig.NewDocker(t)
	if got, want := ourInspect(t, o, true, gun), dockerInspect(t, d, gun); got != want {
		t.Errorf("after rotations, Inspect differs\nours:   %s\ndocker: %s", got, want)
	}

	// Archive while the server runs: every root version, verified.
	b, err := remote.Gather(context.Background(), o, false)
	if err != nil {
		t.Fatal(err)
	}
	for v := 1; v <= u.Repo.Root.Version; v++ {
		if _, ok := b.Files[itoa(v)+".root.json"]; !ok {
			t.Errorf("bundle lacks root version %d: %v", v, b.Names())
		}
	}

	meta := remote.MetadataDir(trustDir, gun)
	before := snapshotDir(t, meta)
	n.DeleteRemote(gun)
	_, err = remote.Pull(context.Background(), o)
	if !errors.Is(err, remote.ErrNotFound) || !strings.Contains(err.Error(), "still verifies offline") {
		t.Errorf("pull of a deleted repository: %v, want ErrNotFound saying what works offline", err)
	}
	if !sameFiles(before, snapshotDir(t, meta)) {
		t.Error("a failed pull changed the cache")
	}

	rig.Stop()
	_, err = remote.Pull(context.Background(), o)
	if !errors.Is(err, remote.ErrUnreachable) || !strings.Contains(err.Error(), "still verifies offline") {
		t.Errorf("pull from a stopped server: %v, want ErrUnreachable saying what works offline", err)
	}
	// The archive verifies offline now, and at a time past every expiry
	// only when that time is before it.
	if _, err := remote.VerifyBundle(gun, b.Files, tuf.TrustPinning{}, time.Now()); err != nil {
		t.Errorf("archive offline: %v", err)
	}
	late := time.Now().Add(30 * 24 * time.Hour)
	if _, err := remote.VerifyBundle(gun, b.Files, tuf.TrustPinning{}, late); !errors.Is(err, tuf.ErrExpired) {
		t.Errorf("archive 30 days on: %v, want ErrExpired", err)
	}
	o.At = late
	if _, err := remote.VerifyCache(o); !errors.Is(err, tuf.ErrExpired) || !strings.Contains(err.Error(), "timestamp") {
		t.Errorf("cache 30 days on: %v, want the timestamp's ErrExpired", err)
	}
}

func hasTag(tags []remote.TagChange, name string) bool {
	for _, t := range tags {
		if t.Tag == name && t.New != "" {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }
func TestPullTokenAuth(t *testing.T) {
	rig := remotetest.Start(t, remotetest.Options{Auth: remotetest.TokenAuth})
	n := rig.NewNotary(t)
	n.Login(remotetest.DefaultUser.Name, remotetest.DefaultUser.Password)
	n.Init(gun)
	n.AddTag(gun, "v1", []byte("one"))

	writeDockerConfig := func(t *testing.T, user, pass string) string {
		dir := t.TempDir()
		cfg := `{"auths":{"registry.test":{"auth":"` + b64(user+":"+pass) + `"}}}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	o := options(rig, t.TempDir())
	o.DockerConfig = writeDockerConfig(t, remotetest.DefaultUser.Name, remotetest.DefaultUser.Password)
	u, err := remote.Pull(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Repo.Lookup("v1"); !ok {
		t.Error("v1 not found after a pull with a token")
	}
	var asked bool
	for _, r := range rig.Issuer.Requests() {
		if r.User == remotetest.DefaultUser.Name && r.Status == 200 && strings.Contains(strings.Join(r.Scopes, " "), "repository:"+gun+":pull") {
			asked = true
		}
	}
	if !asked {
		t.Errorf("no pull token was issued to %s: %+v", remotetest.DefaultUser.Name, rig.Issuer.Requests())
	}

	for name, dir := range map[string]string{
		"wrong password": writeDockerConfig(t, remotetest.DefaultUser.Name, "S3cret-Wr0ng-pw"),
		"no credentials": t.TempDir(),
	} {
		t.Run(name, func(t *testing.T) {
			o := options(rig, t.TempDir())
			o.DockerConfig = dir
			_, err := remote.Pull(context.Background(), o)
			if !errors.Is(err, remote.ErrUnauthorized) || strings.Contains(err.Error(), "S3cret") {
				t.Errorf("got %v, want ErrUnauthorized without the password in it", err)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
