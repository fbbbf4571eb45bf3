package remotetest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// User is an account of the rig's token issuer.
type User struct {
	Name     string
	Password string
	PullOnly bool // granted "pull" only, whatever the scope asks
}

// DefaultUser is the account the issuer has when Options.Users is empty.
var DefaultUser = User{Name: "rig-user", Password: "rig-password"}

// Token service names the rig configures in notary-server.
const (
	TokenService = "notary-rig"
	TokenIssuer  = "trustvault-rig-issuer"
)

// TokenRequest is one request the issuer answered.
type TokenRequest struct {
	User    string   // "" when no basic auth came (anonymous)
	Scopes  []string // the scope parameters, as sent
	Service string
	Status  int      // 200 or 401
	Granted []Access // what the token allows
}

// Access is one entry of a token's "access" claim.
type Access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// Issuer is the registry token service of the rig, written here: it takes
// basic auth, and issues ES256 JWTs whose x5c certificate chains to the
// rig's CA, which notary-server trusts as its rootcertbundle. The server
// that verifies the tokens is the real notary-server.
type Issuer struct {
	Realm         string // https://127.0.0.1:PORT/token
	users         []User
	anonymousPull bool
	key           *ecdsa.PrivateKey
	x5c           []string
	srv           *httptest.Server
	mu            sync.Mutex
	reqs          []TokenRequest
	// rootBundle is the file notary-server reads the trusted certs from.
	rootBundle string
}

func newIssuer(ca *authority, dir string, users []User, anonymousPull bool) (*Issuer, error) {
	if len(users) == 0 {
		users = []User{DefaultUser}
	}
	signing, err := ca.issue("rig token signer")
	if err != nil {
		return nil, err
	}
	serving, err := ca.issue("rig token issuer")
	if err != nil {
		return nil, err
	}
	is := &Issuer{
		users:         users,
		anonymousPull: anonymousPull,
		key:           signing.key,
		x5c:           []string{base64.StdEncoding.EncodeToString(signing.der)},
		rootBundle:    filepath.Join(dir, "token-root.crt"),
	}
	if err := writeCert(is.rootBundle, ca.der); err != nil {
		return nil, err
	}
	is.srv = httptest.NewUnstartedServer(http.HandlerFunc(is.serveToken))
	is.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{
		Certificate: [][]byte{serving.der}, PrivateKey: serving.key,
	}}}
	is.srv.StartTLS()
	is.Realm = is.srv.URL + "/token"
	return is, nil
}

func (is *Issuer) close() { is.srv.Close() }

// serverAuth is the "auth" section of notary-server's configuration.
func (is *Issuer) serverAuth() map[string]any {
	return map[string]any{
		"type": "token",
		"options": map[string]any{
			"realm":          is.Realm,
			"service":        TokenService,
			"issuer":         TokenIssuer,
			"rootcertbundle": is.rootBundle,
		},
	}
}

// Requests returns what the issuer has answered so far.
func (is *Issuer) Requests() []TokenRequest {
	is.mu.Lock()
	defer is.mu.Unlock()
	return append([]TokenRequest(nil), is.reqs...)
}

func (is *Issuer) record(req TokenRequest) {
	is.mu.Lock()
	is.reqs = append(is.reqs, req)
	is.mu.Unlock()
}

// serveToken answers GET /token?service=S&scope=repository:GUN:pull,push.
// Wrong credentials get 401. No credentials get a token, as registries
// give anonymous clients one: it grants pull when the rig allows
// anonymous pulls and nothing otherwise, so the server refuses it with
// 401 insufficient_scope and the client retries with credentials.
func (is *Issuer) serveToken(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	rec := TokenRequest{Scopes: q["scope"], Service: q.Get("service")}
	name, password, hasAuth := req.BasicAuth()
	rec.User = name
	user, known := is.lookup(name, password)
	switch {
	case req.URL.Path != "/token":
		http.NotFound(w, req)
		return
	case hasAuth && !known:
		rec.Status = http.StatusUnauthorized
		is.record(rec)
		w.Header().Set("WWW-Authenticate", `Basic realm="trustvault notary rig"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"wrong username or password"}]}`, http.StatusUnauthorized)
		return
	case !hasAuth:
		user = User{PullOnly: true}
		if !is.anonymousPull {
			rec.Granted = []Access{}
		}
	}
	if rec.Granted == nil {
		rec.Granted = grant(user, rec.Scopes)
	}
	token, err := is.sign(user.Name, rec.Service, rec.Granted)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	rec.Status = http.StatusOK
	is.record(rec)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token":        token,
		"access_token": token,
		"expires_in":   300,
		"issued_at":    time.Now().UTC().Format(time.RFC3339),
	})
}

func (is *Issuer) lookup(name, password string) (User, bool) {
	for _, u := range is.users {
		if u.Name == name && subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1 {
			return u, true
		}
	}
	return User{}, false
}

// grant turns "type:name:action,action" scopes into access entries; the
// name may hold colons (a registry host with a port).
func grant(u User, scopes []string) []Access {
	var out []Access
	for _, s := range scopes {
		for _, one := range strings.Fields(s) {
			first, last := strings.Index(one, ":"), strings.LastIndex(one, ":")
			if first < 0 || first == last {
				continue
			}
			var actions []string
			for _, a := range strings.Split(one[last+1:], ",") {
				if a != "" && (!u.PullOnly || a == "pull") {
					actions = append(actions, a)
				}
			}
			out = append(out, Access{Type: one[:first], Name: one[first+1 : last], Actions: actions})
		}
	}
	return out
}

// sign makes an ES256 JWT as distribution's token verifier reads it.
func (is *Issuer) sign(subject, audience string, access []Access) (string, error) {
	now := time.Now()
	jti := make([]byte, 12)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	if access == nil {
		access = []Access{}
	}
	header, err := json.Marshal(map[string]any{"typ": "JWT", "alg": "ES256", "x5c": is.x5c})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"iss": TokenIssuer, "sub": subject, "aud": audience,
		"exp": now.Add(5 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "iat": now.Unix(),
		"jti": base64.RawURLEncoding.EncodeToString(jti), "access": access,
	})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signingInput := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signingInput))
	r, s, err := ecdsa.Sign(rand.Reader, is.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("remotetest: sign token: %w", err)
	}
	sig := make([]byte, 64) // JWS ES256: r and s, 32 bytes each, big-endian
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signingInput + "." + enc.EncodeToString(sig), nil
}
