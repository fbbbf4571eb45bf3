package remotetest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const gun = "registry.test/team/app"

// get fetches path from the rig with its CA and returns status and body.
func get(t *testing.T, rig *Rig, path string, header http.Header) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest("GET", rig.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := rig.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

// signedMeta is the envelope of every TUF file the server serves.
type signedMeta struct {
	Signed struct {
		Type        string                     `json:"_type"`
		Version     int                        `json:"version"`
		Expires     string                     `json:"expires"`
		Keys        map[string]json.RawMessage `json:"keys"`
		Roles       map[string]roleKeys        `json:"roles"`
		Meta        map[string]fileMeta        `json:"meta"`
		Targets     map[string]fileMeta        `json:"targets"`
		Delegations *struct {
			Keys  map[string]json.RawMessage `json:"keys"`
			Roles []struct {
				Name      string   `json:"name"`
				KeyIDs    []string `json:"keyids"`
				Threshold int      `json:"threshold"`
				Paths     []string `json:"paths"`
			} `json:"roles"`
		} `json:"delegations"`
	} `json:"signed"`
	Signatures []struct {
		KeyID  string `json:"keyid"`
		Method string `json:"method"`
		Sig    string `json:"sig"`
	} `json:"signatures"`
}

type roleKeys struct {
	KeyIDs    []string `json:"keyids"`
	Threshold int      `json:"threshold"`
}

type fileMeta struct {
	Length int64             `json:"length"`
	Hashes map[string]string `json:"hashes"` // base64
}

func getMeta(t *testing.T, rig *Rig, gun, name string) (signedMeta, []byte) {
	t.Helper()
	status, body, _ := get(t, rig, "/v2/"+gun+"/_trust/tuf/"+name, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", name, status, body)
	}
	var m signedMeta
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, body)
	}
	return m, body
}

func targetNames(ts []Target) []string {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name+"@"+t.Role)
	}
	sort.Strings(names)
	return names
}

// wantTargets checks that got lists exactly want (name, digest, size, role).
func wantTargets(t *testing.T, what string, got []Target, want ...Target) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, targetNames(got), targetNames(want))
	}
	byName := map[string]Target{}
	for _, g := range got {
		byName[g.Name] = g
	}
	for _, w := range want {
		if g, ok := byName[w.Name]; !ok || g != w {
			t.Errorf("%s: %s is %+v, want %+v", what, w.Name, g, w)
		}
	}
}

// publishDelegated makes the repository every interop test starts from:
// a tag in targets, a delegation targets/releases with a tag signed by
// its key, and a nested targets/releases/team with a tag signed by its
// own key. Publishing the delegations proves the notary#1630 fix: an
// unpatched server built with Go >= 1.17 answers "invalid role".
func publishDelegated(t *testing.T, rig *Rig, n *Notary) []Target {
	t.Helper()
	n.Init(gun)
	keys := t.TempDir()
	releases, err := NewDelegationKey(keys, "releases")
	if err != nil {
		t.Fatal(err)
	}
	team, err := NewDelegationKey(keys, "team")
	if err != nil {
		t.Fatal(err)
	}
	v1 := n.AddTag(gun, "v1", []byte("image one\n"), "")
	n.AddDelegation(gun, "targets/releases", releases, nil)
	v2 := n.AddTag(gun, "v2", []byte("image two, signed by releases\n"), "targets/releases")
	n.AddDelegation(gun, "targets/releases/team", team, []string{"team-"})
	v3 := n.AddTag(gun, "team-v3", []byte("image three, signed by team\n"), "targets/releases/team")
	return []Target{v1, v2, v3}
}

func TestNotaryPublishesDelegationsToTheRig(t *testing.T) {
	rig := Start(t, Options{})
	n := rig.NewNotary(t)
	tags := publishDelegated(t, rig, n)
	v1, v2, v3 := tags[0], tags[1], tags[2]

	wantTargets(t, "notary list", n.List(gun, ""), v1, v2, v3)
	// --roles walks the role's subtree: the nested team role's tag too.
	wantTargets(t, "notary list --roles targets/releases", n.List(gun, "targets/releases"), v2, v3)

	// A fresh client with no keys and an empty cache sees the same, from
	// the server alone (trust on first use of the root).
	fresh := rig.NewNotary(t)
	wantTargets(t, "fresh notary list", fresh.List(gun, ""), v1, v2, v3)
	wantTargets(t, "fresh notary list --roles targets/releases/team",
		fresh.List(gun, "targets/releases/team"), v3)

	// The server holds what the CLI published, under the delegation names.
	rel, _ := getMeta(t, rig, gun, "targets/releases.json")
	if rel.Signed.Type != "Targets" || rel.Signed.Targets["v2"].Length != v2.Size {
		t.Errorf("targets/releases.json: %+v", rel.Signed)
	}
	if d := rel.Signed.Delegations; d == nil || len(d.Roles) != 1 || d.Roles[0].Name != "targets/releases/team" ||
		len(d.Roles[0].Paths) != 1 || d.Roles[0].Paths[0] != "team-" {
		t.Errorf("targets/releases.json delegations: %+v", rel.Signed.Delegations)
	}
	teamMeta, _ := getMeta(t, rig, gun, "targets/releases/team.json")
	h := teamMeta.Signed.Targets["team-v3"].Hashes["sha256"]
	if raw, _ := base64.StdEncoding.DecodeString(h); hex.EncodeToString(raw) != v3.SHA256 {
		t.Errorf("team-v3 sha256 in targets/releases/team.json is %q (base64), want hex %s", h, v3.SHA256)
	}
}

func TestServerEndpointsAndShapes(t *testing.T) {
	rig := Start(t, Options{})
	n := rig.NewNotary(t)
	publishDelegated(t, rig, n)

	ts, _ := getMeta(t, rig, gun, "timestamp.json")
	snapMeta, ok := ts.Signed.Meta["snapshot"] // meta keys are role names
	if ts.Signed.Type != "Timestamp" || !ok {
		t.Fatalf("timestamp.json: %+v", ts.Signed)
	}
	snap, snapBody := getMeta(t, rig, gun, "snapshot.json")
	sum := sha256.Sum256(snapBody)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != snapMeta.Hashes["sha256"] ||
		int64(len(snapBody)) != snapMeta.Length {
		t.Errorf("timestamp says snapshot is %d bytes sha256 %s; served %d bytes sha256 %s",
			snapMeta.Length, snapMeta.Hashes["sha256"], len(snapBody), got)
	}
	// Consistent download: <role>.<hex sha256>.json serves the same bytes.
	_, byHash := getMeta(t, rig, gun, "snapshot."+hex.EncodeToString(sum[:])+".json")
	if string(byHash) != string(snapBody) {
		t.Error("snapshot.<sha256>.json differs from snapshot.json")
	}
	for _, role := range []string{"root", "targets", "targets/releases", "targets/releases/team"} {
		if _, ok := snap.Signed.Meta[role]; !ok {
			t.Errorf("snapshot.json has no meta for %s: %v", role, snap.Signed.Meta)
		}
	}
	// Root by version: <version>.root.json.
	root1, _ := getMeta(t, rig, gun, "1.root.json")
	if root1.Signed.Type != "Root" || root1.Signed.Version != 1 {
		t.Errorf("1.root.json: type %q version %d", root1.Signed.Type, root1.Signed.Version)
	}
	// The timestamp key the server holds (the real notary-signer: ecdsa).
	status, body, _ := get(t, rig, "/v2/"+gun+"/_trust/tuf/timestamp.key", nil)
	var key struct {
		KeyType string `json:"keytype"`
		KeyVal  struct {
			Public  string  `json:"public"`
			Private *string `json:"private"`
		} `json:"keyval"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &key) != nil || key.KeyType != "ecdsa" ||
		key.KeyVal.Public == "" || key.KeyVal.Private != nil {
		t.Errorf("timestamp.key: status %d %s", status, body)
	}
	// Missing things are 404 with a JSON error body.
	status, body, _ = get(t, rig, "/v2/registry.test/none/_trust/tuf/root.json", nil)
	if status != http.StatusNotFound || !strings.Contains(string(body), "METADATA_NOT_FOUND") {
		t.Errorf("missing repository: status %d %s", status, body)
	}
}

func TestRotations(t *testing.T) {
	rig := Start(t, Options{})
	n := rig.NewNotary(t)
	tags := publishDelegated(t, rig, n)
	// A client that trusted the first root before the rotations.
	pinned := rig.NewNotary(t)
	wantTargets(t, "pinned client before rotations", pinned.List(gun, ""), tags...)
	root1, _ := getMeta(t, rig, gun, "root.json")

	n.Rotate(gun, "targets", false)
	n.Rotate(gun, "snapshot", true)
	n.Rotate(gun, "timestamp", true)
	n.Rotate(gun, "root", false)
	v4 := n.AddTag(gun, "v4", []byte("after the rotations\n"), "")

	root, _ := getMeta(t, rig, gun, "root.json")
	if root.Signed.Version <= root1.Signed.Version {
		t.Errorf("root version %d after rotations, was %d", root.Signed.Version, root1.Signed.Version)
	}
	for _, role := range []string{"root", "targets", "snapshot", "timestamp"} {
		if strings.Join(root.Signed.Roles[role].KeyIDs, ",") == strings.Join(root1.Signed.Roles[role].KeyIDs, ",") {
			t.Errorf("%s key not rotated: %v", role, root.Signed.Roles[role].KeyIDs)
		}
	}
	// Root rotation: the new root is signed by the old root key too.
	if len(root.Signatures) < 2 {
		t.Errorf("rotated root has %d signatures, want the old and the new root key", len(root.Signatures))
	}
	// The snapshot key now lives on the server.
	if status, body, _ := get(t, rig, "/v2/"+gun+"/_trust/tuf/snapshot.key", nil); status != http.StatusOK {
		t.Errorf("snapshot.key after rotate -r: %d %s", status, body)
	}
	// Every root version stays downloadable for clients walking the chain.
	for v := 1; v <= root.Signed.Version; v++ {
		getMeta(t, rig, gun, strconv.Itoa(v)+".root.json")
	}
	want := append(append([]Target(nil), tags...), v4)
	wantTargets(t, "pinned client after rotations", pinned.List(gun, ""), want...)
	wantTargets(t, "fresh client after rotations", rig.NewNotary(t).List(gun, ""), want...)
}

func TestDeleteRemote(t *testing.T) {
	rig := Start(t, Options{})
	n := rig.NewNotary(t)
	n.Init(gun)
	n.AddTag(gun, "v1", []byte("one\n"), "")
	n.DeleteRemote(gun)
	if status, body, _ := get(t, rig, "/v2/"+gun+"/_trust/tuf/root.json", nil); status != http.StatusNotFound {
		t.Errorf("root.json after delete --remote: %d %s", status, body)
	}
	if out, err := rig.NewNotary(t).Try("list", gun); err == nil {
		t.Errorf("notary list of a deleted repository succeeded:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(n.TrustDir, "tuf", gun)); !os.IsNotExist(err) {
		t.Errorf("notary delete --remote left the local cache: %v", err)
	}
}

func TestLocalSigner(t *testing.T) {
	rig := Start(t, Options{Signer: LocalSigner})
	n := rig.NewNotary(t)
	n.Init(gun)
	v1 := n.AddTag(gun, "v1", []byte("one\n"), "")
	wantTargets(t, "list", rig.NewNotary(t).List(gun, ""), v1)
	status, body, _ := get(t, rig, "/v2/"+gun+"/_trust/tuf/timestamp.key", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"keytype":"ed25519"`) {
		t.Errorf("timestamp.key from the local signer: %d %s", status, body)
	}
}

func TestServerStop(t *testing.T) {
	rig := Start(t, Options{})
	n := rig.NewNotary(t)
	n.Init(gun)
	rig.Stop()
	if _, err := rig.HTTPClient().Get(rig.URL + "/_notary_server/health"); err == nil {
		t.Fatal("the server still answers after Stop")
	}
	if out, err := n.Try("add", gun, "v1", n.ConfigFile, "--publish"); err == nil {
		t.Errorf("publish to a stopped server succeeded:\n%s", out)
	}
	rig.Stop() // twice is fine
}
