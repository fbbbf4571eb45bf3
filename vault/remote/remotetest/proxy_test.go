package remotetest

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// fileNames lists a publish's parts as "formname:filename:content-type".
func fileNames(parts []Part) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p.FormName+":"+p.FileName+":"+p.ContentType)
	}
	sort.Strings(out)
	return out
}

// TestPublishRequests records what the notary CLI sends when it publishes,
// the facts the trustvault publisher follows, and shows that a publish
// the server never got changes nothing there.
func TestPublishRequests(t *testing.T) {
	rig := Start(t, Options{})
	proxy := rig.StartProxy(t)
	n := rig.NewNotary(t)
	n.URL = proxy.URL
	n.Init(gun)
	releases, err := NewDelegationKey(t.TempDir(), "releases")
	if err != nil {
		t.Fatal(err)
	}
	n.AddDelegation(gun, "targets/releases", releases, nil)
	n.AddTag(gun, "v1", []byte("one\n"), "targets/releases")

	var posts [][]string
	for _, r := range proxy.Requests() {
		t.Logf("%s %s -> %d %v", r.Method, r.Path, r.Status, fileNames(r.Parts))
		if r.Method == "POST" && r.Path == "/v2/"+gun+"/_trust/tuf/" {
			if !strings.HasPrefix(r.ContentType, "multipart/form-data; boundary=") || r.Status != http.StatusOK {
				t.Errorf("publish: %q -> %d", r.ContentType, r.Status)
			}
			posts = append(posts, fileNames(r.Parts))
		}
	}
	const oct = ":application/octet-stream"
	want := [][]string{
		{"files:root" + oct, "files:snapshot" + oct, "files:targets" + oct}, // init
		{"files:snapshot" + oct, "files:targets" + oct},                     // delegation add
		{"files:snapshot" + oct, "files:targets/releases" + oct},            // add --roles targets/releases
	}
	if len(posts) != len(want) {
		t.Fatalf("publishes: got %q, want %q", posts, want)
	}
	for i := range want {
		if strings.Join(posts[i], " ") != strings.Join(want[i], " ") {
			t.Errorf("publish %d: got %q, want %q", i, posts[i], want[i])
		}
	}

	// With the snapshot key on the server, a publish carries no snapshot.
	n.Rotate(gun, "snapshot", true)
	n.AddTag(gun, "v1b", []byte("one b\n"), "targets/releases")
	reqs := proxy.Requests()
	rotated := false
	for _, r := range reqs {
		rotated = rotated || r.Method == "POST" && r.Path == "/v2/"+gun+"/_trust/tuf/snapshot.key" && r.Status == http.StatusOK
	}
	if !rotated {
		t.Error("notary key rotate snapshot -r did not POST snapshot.key")
	}
	if last := reqs[len(reqs)-1]; last.Method != "POST" ||
		strings.Join(fileNames(last.Parts), " ") != "files:targets/releases"+oct {
		t.Errorf("publish with a server-managed snapshot: %s %s %q", last.Method, last.Path, fileNames(last.Parts))
	}

	// The proxy fails the next publish: the CLI says so and the server
	// still serves the old targets/releases.
	before, _ := getMeta(t, rig, gun, "targets/releases.json")
	proxy.Fail = func(r *http.Request) int {
		if r.Method == "POST" {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	if out, err := n.Try("add", gun, "v2", n.ConfigFile, "--roles", "targets/releases", "--publish"); err == nil {
		t.Errorf("publish through a failing server succeeded:\n%s", out)
	}
	after, _ := getMeta(t, rig, gun, "targets/releases.json")
	if after.Signed.Version != before.Signed.Version || len(after.Signed.Targets) != 2 {
		t.Errorf("a failed publish changed the server: version %d -> %d, targets %v",
			before.Signed.Version, after.Signed.Version, after.Signed.Targets)
	}
}
