package remotetest

// A real image registry beside the notary server: Debian's
// docker-registry (distribution v2), with TLS from the rig's CA and, when
// the rig runs token auth, the rig's token issuer, so that a client finds
// the manifest a tag names the way docker trust sign does.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trustvault/trustvault/vault/vaulttest/tools"
)

// Registry is a running docker registry on 127.0.0.1.
type Registry struct {
	URL  string // https://127.0.0.1:PORT
	Host string
	rig  *Rig
	auth map[string]string // the pusher's Authorization, by repository
}

// Image is what PushImage pushed: the manifest's digest (hex sha256),
// size and media type.
type Image struct {
	Digest    string
	Size      int64
	MediaType string
}

// StartRegistry starts docker-registry with the rig's CA and auth.
func (r *Rig) StartRegistry(t testing.TB) *Registry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	tools.Require(t, "docker-registry (Debian package docker-registry; .ci/setup test installs it)", err)
	leaf, err := r.ca.issue("docker-registry")
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := writeLeaf(r.Dir, "docker-registry", leaf)
	if err != nil {
		t.Fatal(err)
	}
	cfg := func(addr string) any {
		c := map[string]any{
			"version": "0.1",
			"log":     map[string]any{"level": "info"},
			"storage": map[string]any{"filesystem": map[string]any{"rootdirectory": filepath.Join(r.Dir, "registry")}},
			"http":    map[string]any{"addr": addr, "tls": map[string]any{"certificate": cert, "key": key}},
		}
		if r.Issuer != nil {
			c["auth"] = map[string]any{"token": r.Issuer.serverAuth()["options"]}
		}
		return c
	}
	client := r.HTTPClient()
	addr, err := r.listen("docker-registry", func(addr string) (*proc, error) {
		file, err := r.writeConfig("docker-registry", cfg(addr))
		if err != nil {
			return nil, err
		}
		return r.start1("docker-registry", bin, "serve", file)
	}, func(addr string) error {
		resp, err := client.Get("https://" + addr + "/v2/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("docker-registry did not come up: %v", err)
	}
	return &Registry{URL: "https://" + addr, Host: addr, rig: r}
}

// Schema 2 media types, as docker pushes them.
const (
	mediaManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaConfig   = "application/vnd.docker.container.image.v1+json"
	mediaLayer    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// PushImage pushes a small image (a config, one layer made from content)
// as repo:tag, as DefaultUser when the rig runs token auth, and returns
// its manifest as the registry stores it.
func (g *Registry) PushImage(t testing.TB, repo, tag string, content []byte) Image {
	t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`)
	desc := func(media string, data []byte) map[string]any {
		return map[string]any{"mediaType": media, "size": len(data), "digest": "sha256:" + sum(data)}
	}
	for _, blob := range [][]byte{config, content} {
		// An upload session, then the blob in one PUT.
		loc := g.send(t, repo, http.MethodPost, g.URL+"/v2/"+repo+"/blobs/uploads/", "", nil, http.StatusAccepted)
		u, err := url.Parse(g.URL)
		if err != nil {
			t.Fatal(err)
		}
		at, err := u.Parse(loc)
		if err != nil {
			t.Fatalf("upload location %q: %v", loc, err)
		}
		q := at.Query()
		q.Set("digest", "sha256:"+sum(blob))
		at.RawQuery = q.Encode()
		g.send(t, repo, http.MethodPut, at.String(), "application/octet-stream", blob, http.StatusCreated)
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": mediaManifest,
		"config": desc(mediaConfig, config), "layers": []any{desc(mediaLayer, content)},
	})
	if err != nil {
		t.Fatal(err)
	}
	g.send(t, repo, http.MethodPut, g.URL+"/v2/"+repo+"/manifests/"+tag, mediaManifest, manifest, http.StatusCreated)
	return Image{Digest: sum(manifest), Size: int64(len(manifest)), MediaType: mediaManifest}
}

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// send sends one request for repo, answering a token challenge with
// DefaultUser's credentials, wants status want, and returns the answer's
// Location.
func (g *Registry) send(t testing.TB, repo, method, target, ctype string, body []byte, want int) string {
	t.Helper()
	client := g.rig.HTTPClient()
	do := func(auth string) *http.Response {
		req, err := http.NewRequest(method, target, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		return resp
	}
	if g.auth == nil {
		g.auth = map[string]string{}
	}
	if g.auth[repo] == "" && g.rig.Issuer != nil {
		g.auth[repo] = "Bearer " + g.token(t, client, "repository:"+repo+":pull,push")
	}
	resp := do(g.auth[repo])
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		t.Fatalf("%s %s: %s %s", method, target, resp.Status, msg)
	}
	return resp.Header.Get("Location")
}

// token asks the rig's issuer for a token as DefaultUser.
func (g *Registry) token(t testing.TB, client *http.Client, scope string) string {
	t.Helper()
	q := url.Values{"service": {TokenService}, "scope": {scope}}
	req, err := http.NewRequest(http.MethodGet, g.rig.Issuer.Realm+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(DefaultUser.Name, DefaultUser.Password)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j struct{ Token string }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&j); err != nil || j.Token == "" {
		t.Fatalf("token for %s: %v (%s)", scope, err, resp.Status)
	}
	return strings.TrimSpace(j.Token)
}
