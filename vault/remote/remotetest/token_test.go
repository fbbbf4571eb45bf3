package remotetest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// challenge parses `Bearer realm="…",service="…",scope="…"` (quoted
// values may hold commas).
func challenge(t *testing.T, h string) map[string]string {
	t.Helper()
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		t.Fatalf("WWW-Authenticate %q: not a Bearer challenge", h)
	}
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		k, v, ok := strings.Cut(rest, "=")
		if !ok || !strings.HasPrefix(v, `"`) {
			t.Fatalf("WWW-Authenticate %q: bad parameter at %q", h, rest)
		}
		end := strings.IndexByte(v[1:], '"')
		if end < 0 {
			t.Fatalf("WWW-Authenticate %q: unterminated value", h)
		}
		params[strings.TrimSpace(k)] = v[1 : end+1]
		rest = strings.TrimPrefix(strings.TrimSpace(v[end+2:]), ",")
	}
	return params
}

// fetchToken asks the issuer for a token as a registry client does.
func fetchToken(t *testing.T, rig *Rig, c map[string]string, user, password string) (int, string) {
	t.Helper()
	q := url.Values{"service": {c["service"]}, "scope": {c["scope"]}}
	req, err := http.NewRequest("GET", c["realm"]+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := rig.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, body.Token
}

// TestTokenFlowByHand walks the registry token flow with plain HTTP: the
// real notary-server challenges, the rig's issuer issues, the real server
// verifies the token (and refuses a forged one).
func TestTokenFlowByHand(t *testing.T) {
	rig := Start(t, Options{Auth: TokenAuth})
	path := "/v2/" + gun + "/_trust/tuf/root.json"

	status, body, h := get(t, rig, path, nil)
	if status != http.StatusUnauthorized {
		t.Fatalf("no token: status %d %s", status, body)
	}
	c := challenge(t, h.Get("WWW-Authenticate"))
	if c["realm"] != rig.Issuer.Realm || c["service"] != TokenService || c["scope"] != "repository:"+gun+":pull" {
		t.Fatalf("challenge %q", h.Get("WWW-Authenticate"))
	}
	// Anonymous: a token that grants nothing; the server refuses it.
	status, anon := fetchToken(t, rig, c, "", "")
	if status != http.StatusOK {
		t.Errorf("token without credentials: status %d", status)
	}
	status, _, h = get(t, rig, path, http.Header{"Authorization": {"Bearer " + anon}})
	if status != http.StatusUnauthorized || challenge(t, h.Get("WWW-Authenticate"))["error"] != "insufficient_scope" {
		t.Errorf("anonymous token: status %d %q, want 401 insufficient_scope", status, h.Get("WWW-Authenticate"))
	}
	if status, _ := fetchToken(t, rig, c, DefaultUser.Name, "wrong"); status != http.StatusUnauthorized {
		t.Errorf("token with a wrong password: status %d", status)
	}
	status, token := fetchToken(t, rig, c, DefaultUser.Name, DefaultUser.Password)
	if status != http.StatusOK || token == "" {
		t.Fatalf("token: status %d", status)
	}
	// Past authentication: the repository does not exist yet.
	status, body, _ = get(t, rig, path, http.Header{"Authorization": {"Bearer " + token}})
	if status != http.StatusNotFound {
		t.Errorf("with the token: status %d %s, want 404", status, body)
	}
	// The server checks the signature: flip one bit of it.
	dot := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil {
		t.Fatal(err)
	}
	sig[10] ^= 1
	forged := token[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
	status, _, _ = get(t, rig, path, http.Header{"Authorization": {"Bearer " + forged}})
	if status != http.StatusUnauthorized {
		t.Errorf("forged token: status %d, want 401", status)
	}
	// A token for pull does not allow a push: the server asks again,
	// with a push scope.
	req, _ := http.NewRequest("POST", rig.URL+"/v2/"+gun+"/_trust/tuf/", strings.NewReader(""))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := rig.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The server lists the actions in either order (it keeps them in a map).
	scope := challenge(t, resp.Header.Get("WWW-Authenticate"))["scope"]
	if resp.StatusCode != http.StatusUnauthorized ||
		scope != "repository:"+gun+":push,pull" && scope != "repository:"+gun+":pull,push" {
		t.Errorf("push with a pull token: %s %q", resp.Status, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestTokenAuthNotaryCLI publishes and reads with the notary CLI through
// the token flow, its credentials in NOTARY_AUTH.
func TestTokenAuthNotaryCLI(t *testing.T) {
	reader := User{Name: "reader", Password: "reader-password", PullOnly: true}
	rig := Start(t, Options{Auth: TokenAuth, Users: []User{DefaultUser, reader}})

	anon := rig.NewNotary(t)
	if out, err := anon.Try("init", gun, "--publish"); err == nil {
		t.Fatalf("publish without credentials succeeded:\n%s", out)
	}
	n := rig.NewNotary(t)
	n.Login(DefaultUser.Name, DefaultUser.Password)
	n.Init(gun)
	v1 := n.AddTag(gun, "v1", []byte("one\n"))

	r := rig.NewNotary(t)
	r.Login(reader.Name, reader.Password)
	wantTargets(t, "reader's list", r.List(gun, ""), v1)
	if out, err := r.Try("add", gun, "v2", r.ConfigFile, "--publish"); err == nil {
		t.Errorf("a pull-only user published:\n%s", out)
	}

	var pushed, pulledByReader bool
	for _, req := range rig.Issuer.Requests() {
		if req.Status == http.StatusOK && req.User == DefaultUser.Name && strings.Contains(strings.Join(req.Scopes, " "), "push") {
			pushed = true
		}
		if req.Status == http.StatusOK && req.User == reader.Name {
			pulledByReader = true
		}
	}
	if !pushed || !pulledByReader {
		t.Errorf("issuer requests (push by %s %v, pull by reader %v): %+v",
			DefaultUser.Name, pushed, pulledByReader, rig.Issuer.Requests())
	}
}

// TestTokenAuthDocker reads with docker trust inspect through the token
// flow, its credentials in $DOCKER_CONFIG/config.json.
func TestTokenAuthDocker(t *testing.T) {
	rig := Start(t, Options{Auth: TokenAuth})
	n := rig.NewNotary(t)
	n.Login(DefaultUser.Name, DefaultUser.Password)
	n.Init(gun)
	v1 := n.AddTag(gun, "v1", []byte("one\n"))

	d := rig.NewDocker(t)
	if out, errOut, err := d.Try("trust", "inspect", gun); err == nil {
		t.Errorf("docker trust inspect without credentials succeeded:\n%s%s", out, errOut)
	}
	d.Login(strings.SplitN(gun, "/", 2)[0], DefaultUser.Name, DefaultUser.Password)
	got := d.TrustInspect(gun)
	if len(got) != 1 || len(got[0].SignedTags) != 1 || got[0].SignedTags[0].Digest != v1.SHA256 {
		t.Errorf("docker trust inspect with credentials: %+v", got)
	}
}

// TestTokenAuthAnonymousPull: with anonymous pulls allowed, a client
// without credentials reads but cannot publish.
func TestTokenAuthAnonymousPull(t *testing.T) {
	rig := Start(t, Options{Auth: TokenAuth, AnonymousPull: true})
	n := rig.NewNotary(t)
	n.Login(DefaultUser.Name, DefaultUser.Password)
	n.Init(gun)
	v1 := n.AddTag(gun, "v1", []byte("one\n"))

	anon := rig.NewNotary(t)
	wantTargets(t, "anonymous list", anon.List(gun, ""), v1)
	if out, err := anon.Try("add", gun, "v2", anon.ConfigFile, "--publish"); err == nil {
		t.Errorf("an anonymous client published:\n%s", out)
	}
}
